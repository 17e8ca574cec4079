/**
 * Lanes survive SIGKILL at any instant: `baton run` with three lanes in
 * flight (test/fixtures/experiments/lanes-chaos) killed after a seeded random
 * delay, restarted, again and again, then run to its end. The end must be met
 * with iterations 1..N without gaps or repeats, every kept commit on main,
 * every session that was in flight at a kill recorded `crashed` (and played
 * again), no lane session without its end, and no container left.
 *
 * In the suite: one seed of BATON_LANES_CHAOS_KILLS kills (default 20). By hand:
 *   BATON_LANES_CHAOS_SEEDS=5 BATON_LANES_CHAOS_KILLS=30 npx vitest run test/run/lanes-chaos.test.ts
 * (BATON_CHAOS_SEED=N replays one seed; a failing seed's folder is kept.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { experimentId } from '../../src/experiment.js';
import { LedgerRecord } from '../../src/ledger/record.js';
import { readJournal } from '../../src/run/journal.js';
import { readJsonl } from '../../src/state/jsonl.js';
import { chaosRun } from '../helpers/chaos.js';
import { dockerReady } from '../sandbox/guard.js';

const ready = await dockerReady();
const env = process.env;
const kills = Number(env.BATON_LANES_CHAOS_KILLS ?? 20);
const count = Number(env.BATON_LANES_CHAOS_SEEDS ?? 1);
const first = Number(env.BATON_CHAOS_SEED ?? 1 + Math.floor(Math.random() * 1_000_000));
const seeds = Array.from({ length: count }, (_, i) => first + i);

/** What the end state of a lanes chaos run gets wrong. */
async function checkLanesEnd(dir: string, stdout: string): Promise<string[]> {
  const problems: string[] = [];
  const expectThat = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what);
  };
  const ws = path.join(dir, 'workspace');
  const git = (...args: string[]) => execa('git', ['-c', 'safe.directory=*', ...args], { cwd: ws, reject: false });
  expectThat(/met: every threshold holds/.test(stdout), `the run did not end met: ${stdout.trim().split('\n').slice(-2).join(' | ')}`);
  const ledger = readJsonl(path.join(dir, '.baton', 'ledger.jsonl'), LedgerRecord).records;
  const numbers = ledger.filter((r) => r.phase !== 'confirm').map((r) => r.iteration);
  expectThat(
    numbers.every((n, i) => n === i),
    `iteration numbers are not 0..N without gaps or repeats: ${numbers.join(',')}`,
  );
  for (const r of ledger.filter((x) => x.session?.stopReason === 'interrupted'))
    expectThat(
      r.verdict.kind === 'crashed' && Boolean(r.session?.cause),
      `interrupted iteration ${r.iteration} is ${r.verdict.kind}, not crashed with a cause`,
    );
  // Every lane played its four sessions to a keep, in order: a replayed session is the same one.
  for (const [lane, file] of [
    [1, 'a'],
    [2, 'b'],
    [3, 'c'],
  ] as const) {
    const kept = ledger.filter((r) => r.lane === lane && (r.verdict.kind === 'keep' || r.verdict.kind === 'met')).map((r) => r.session?.summary);
    expectThat(JSON.stringify(kept) === JSON.stringify([2, 3, 4, 5].map((v) => `${file} = ${v}`)), `lane ${lane} kept ${kept.join(', ')}`);
  }
  for (const r of ledger.filter((x) => x.verdict.kind === 'keep' || x.verdict.kind === 'met'))
    expectThat((await git('merge-base', '--is-ancestor', r.commit, 'main')).exitCode === 0, `kept commit of iteration ${r.iteration} is not on main`);
  const read = (f: string) => fs.readFileSync(path.join(ws, f), 'utf8');
  expectThat([read('a.txt'), read('b.txt'), read('c.txt')].join('') === '5\n5\n5\n', 'a, b and c are not all 5');
  expectThat((await git('status', '--porcelain')).stdout === '', 'the workspace is not clean');
  const journal = readJournal(path.join(dir, '.baton', 'journal.jsonl')).records;
  const settled = journal.flatMap((e) => (e.type === 'settled' ? [e.iteration] : []));
  expectThat(
    JSON.stringify(settled) === JSON.stringify(numbers.slice(1)),
    `settled ${settled.join(',')} differ from the ledger's ${numbers.slice(1).join(',')}`,
  );
  const ended = new Set(journal.flatMap((e) => (e.type === 'lane-end' ? [e.key] : [])));
  const lost = journal.flatMap((e) => (e.type === 'lane-start' && !ended.has(e.key) ? [e.key] : []));
  expectThat(lost.length === 0, `lane sessions without an end: ${lost.join(', ')}`);
  // Every lane session that ended to be judged has its iteration.
  const numbered = new Set(journal.flatMap((e) => (e.type === 'iteration-start' && e.key ? [e.key] : [])));
  // The last lane-end of a key says what became of it (work that waited for the judge when the run was met is marked unjudged).
  const lastEnd = new Map(journal.flatMap((e) => (e.type === 'lane-end' ? [[e.key, e] as const] : [])));
  const unjudged = [...lastEnd.values()].filter((e) => e.judged && !numbered.has(e.key)).map((e) => e.key);
  expectThat(unjudged.length === 0, `lane work never judged: ${unjudged.join(', ')}`);
  const end = journal.at(-1);
  expectThat(end?.type === 'run-end' && end.state === 'met', 'the journal does not end with run-end met');
  expectThat(!fs.existsSync(path.join(dir, '.baton', 'scratch')), 'the scratch folder is left');
  const left = await new Docker().listContainers({ all: true, filters: { label: [`baton.experiment=${experimentId(dir, 'lanes-chaos')}`] } });
  expectThat(left.length === 0, `${left.length} container(s) left`);
  return problems;
}

describe.runIf(ready.ok)('SIGKILL with three lanes in flight, restart each time', () => {
  it(`${seeds.length} seed(s) × ${kills} kills (0.8–3.5 s after each start): met, no gap, no repeat, nothing lost, nothing left`, async () => {
    const failed: string[] = [];
    for (const seed of seeds) {
      const r = await chaosRun({ seed, kills, minMs: 800, maxMs: 3500, afterBaseline: true, fixture: 'lanes-chaos', check: checkLanesEnd });
      const where = r.kills.map((k) => `${k.afterMs}ms${k.group ? '(group)' : ''}→${k.after}`).join('; ');
      console.log(
        `[lanes chaos] seed ${seed}: ${r.kills.length} kills, ${(r.durationMs / 1000).toFixed(0)} s, ${r.problems.length ? `FAILED: ${r.problems.join(' / ')}` : 'ok'}\n  kills: ${where}`,
      );
      if (r.problems.length) failed.push(`BATON_CHAOS_SEED=${seed} (kept: ${r.dir}): ${r.problems.join(' / ')}`);
      else fs.rmSync(r.dir, { recursive: true, force: true });
      expect(r.kills.length, 'the run ended before 20 kills landed: the story is too short for the kill window').toBeGreaterThanOrEqual(Math.min(kills, 20));
    }
    expect(failed, failed.join('\n')).toEqual([]);
  }, 1_800_000);
});
