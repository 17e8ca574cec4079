/**
 * Random-instant SIGKILLs through the chaos story (test/fixtures/experiments/chaos):
 * `baton run` started, killed after a seeded uniformly random delay, started
 * again, up to `kills` times, then run to its end. checkEndState says what
 * differs from an uninterrupted run; an empty list means recovery held.
 * Used by test/run/chaos.test.ts (a few seeds) and by hand (many).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { experimentId } from '../../src/experiment.js';
import { LedgerRecord } from '../../src/ledger/record.js';
import { readJournal } from '../../src/run/journal.js';
import { readJsonl } from '../../src/state/jsonl.js';
import { BATON_BIN } from './cli.js';
import { fixtureExperiment } from './experiment.js';
import { mulberry32 } from '../../oracles/benchmark/prng.js';

export interface ChaosOptions {
  seed: number;
  /** At most this many kills before the last run to the end. */
  kills: number;
  minMs: number;
  maxMs: number;
  /**
   * Let the baseline finish before the first random kill (a run killed at
   * journal:baseline-done, not counted). The baseline takes longer than the
   * kill window on this machine, so without it a few kills all land there.
   */
  afterBaseline?: boolean;
  /** The experiment under test/fixtures/experiments (default `chaos`) and what its end state must be (default checkEndState). */
  fixture?: string;
  check?: (dir: string, stdout: string) => Promise<string[]>;
}

export interface ChaosResult {
  seed: number;
  dir: string;
  /** Each kill: its delay, whether the whole process group died, and the last journal entry before it (where it landed). */
  kills: { afterMs: number; group: boolean; after: string }[];
  problems: string[];
  durationMs: number;
}

/** The verdicts of the story's six sessions when nothing interrupts them. */
export const STORY_VERDICTS = ['keep', 'revert', 'crashed', 'tamper', 'revert', 'met'];

/** mulberry32 (the benchmark oracle's): a small seeded generator, so a failing seed replays the same delays. */
export const seeded = mulberry32;

function lastJournalEntry(dir: string): string {
  const file = path.join(dir, '.baton', 'journal.jsonl');
  if (!fs.existsSync(file)) return '(no journal)';
  const last = readJournal(file).records.at(-1);
  if (!last) return '(empty journal)';
  return 'iteration' in last ? `${last.type} ${last.iteration}` : last.type;
}

/** Runs the story under random kills and checks the end state. */
export async function chaosRun(options: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const random = seeded(options.seed);
  const dir = await fixtureExperiment(options.fixture ?? 'chaos');
  const check = options.check ?? ((d: string, out: string) => checkEndState(d, out));
  const kills: ChaosResult['kills'] = [];
  const problems: string[] = [];
  if (options.afterBaseline) {
    const r = await execa('node', [BATON_BIN, 'run', dir], {
      reject: false,
      stdin: 'ignore',
      timeout: 600_000,
      env: { BATON_FAILPOINT: 'journal:baseline-done' },
    });
    if (r.signal !== 'SIGKILL') problems.push(`the run to the baseline was not killed at journal:baseline-done: exit ${r.exitCode}`);
  }
  for (let k = 0; k < options.kills; k++) {
    const afterMs = Math.round(options.minMs + random() * (options.maxMs - options.minMs));
    // Half the kills take baton's children (git, chown) with it, as a power cut or `kill -9 -PGID` would; the rest leave them running.
    const group = random() < 0.5;
    const run = execa('node', [BATON_BIN, 'run', dir], { reject: false, stdin: 'ignore', timeout: 600_000, detached: true });
    const timer = setTimeout(() => {
      try {
        if (group) process.kill(-run.pid!, 'SIGKILL');
        else run.kill('SIGKILL');
      } catch {
        // already gone
      }
    }, afterMs);
    const r = await run;
    clearTimeout(timer);
    if (r.signal === 'SIGKILL') {
      kills.push({ afterMs, group, after: lastJournalEntry(dir) });
      continue;
    }
    // The run ended before its kill: only the story's own end is acceptable.
    if (r.exitCode !== 0) problems.push(`run ${k + 1} (not killed) exited ${r.exitCode}: ${String(r.stderr).trim().split('\n').slice(-3).join(' | ')}`);
    return { seed: options.seed, dir, kills, problems: [...problems, ...(await check(dir, String(r.stdout)))], durationMs: Date.now() - started };
  }
  const last = await execa('node', [BATON_BIN, 'run', dir], { reject: false, stdin: 'ignore', timeout: 600_000 });
  if (last.exitCode !== 0) problems.push(`the last run exited ${last.exitCode}: ${String(last.stderr).trim().split('\n').slice(-3).join(' | ')}`);
  problems.push(...(await check(dir, String(last.stdout))));
  return { seed: options.seed, dir, kills, problems, durationMs: Date.now() - started };
}

/** What the end state of a chaos run gets wrong, compared with an uninterrupted run of the story. */
export async function checkEndState(dir: string, stdout: string, owner = process.getuid?.() ?? 0): Promise<string[]> {
  const problems: string[] = [];
  const expect = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what);
  };
  const ws = path.join(dir, 'workspace');
  const git = async (...args: string[]) => execa('git', ['-c', 'safe.directory=*', ...args], { cwd: ws, reject: false });
  expect(/met: every threshold holds/.test(stdout), `the run did not end met: ${stdout.trim().split('\n').slice(-2).join(' | ')}`);

  const ledger = readJsonl(path.join(dir, '.baton', 'ledger.jsonl'), LedgerRecord).records;
  const candidates = ledger.filter((r) => r.phase !== 'confirm');
  const numbers = candidates.map((r) => r.iteration);
  expect(
    numbers.every((n, i) => n === i),
    `iteration numbers are not 0..N without gaps or repeats: ${numbers.join(',')}`,
  );
  // A session the harness cut short is a crash with its cause, and the same session is replayed.
  const cut = candidates.filter((r) => r.session?.stopReason === 'interrupted');
  // Tamper outranks the crash: a session cut short after it touched a protected path is still tamper.
  for (const r of cut) {
    expect(r.verdict.kind === 'crashed' || r.verdict.kind === 'tamper', `interrupted iteration ${r.iteration} is ${r.verdict.kind}, not crashed (or tamper)`);
    expect(Boolean(r.session?.cause), `interrupted iteration ${r.iteration} has no cause`);
  }
  const played = candidates.filter((r) => r.iteration > 0 && r.session?.stopReason !== 'interrupted').map((r) => r.verdict.kind);
  expect(JSON.stringify(played) === JSON.stringify(STORY_VERDICTS), `the story's verdicts are ${played.join(',')}, not ${STORY_VERDICTS.join(',')}`);
  for (const r of candidates)
    expect(r.verdict.reason !== 'the session changed nothing', `iteration ${r.iteration} was judged 'changed nothing' (${r.session?.summary})`);
  const met = candidates.at(-1);
  expect(met?.verdict.kind === 'met' && met.metrics['score.value'] === 2.5, `the last iteration is not met at 2.5`);
  if (met)
    expect(
      ledger
        .filter((r) => r.iteration === met.iteration)
        .map((r) => r.phase)
        .join(',') === 'candidate,confirm',
      `the met iteration was not confirmed once`,
    );

  // Git: kept work on main, every other candidate that changed something saved as an attempt.
  for (const r of candidates.filter((x) => x.verdict.kind === 'keep' || x.verdict.kind === 'met')) {
    expect((await git('merge-base', '--is-ancestor', r.commit, 'main')).exitCode === 0, `kept commit of iteration ${r.iteration} is not on main`);
  }
  for (const r of candidates.filter((x) => x.iteration > 0 && x.verdict.kind !== 'keep' && x.verdict.kind !== 'met')) {
    const base = (await git('rev-parse', `${r.commit}^`)).stdout.trim();
    const changed = (await git('diff', '--name-only', base, r.commit)).stdout.trim();
    if (!changed) continue;
    expect(
      (await git('rev-parse', '--verify', '-q', `refs/baton/attempts/${r.iteration}`)).stdout.trim() === r.commit,
      `the ${r.verdict.kind} candidate of iteration ${r.iteration} is not saved as refs/baton/attempts/${r.iteration}`,
    );
    expect(fs.existsSync(path.join(dir, '.baton', 'attempts', `${String(r.iteration).padStart(4, '0')}.patch`)), `no patch for iteration ${r.iteration}`);
  }
  expect(fs.readFileSync(path.join(ws, 'value.txt'), 'utf8') === '2.5\n', 'value.txt is not 2.5');
  expect(fs.readFileSync(path.join(ws, 'tests', 'guard.txt'), 'utf8') === 'value must be a number\n', 'the protected guard was changed');
  expect((await git('status', '--porcelain')).stdout === '', 'the workspace is not clean');

  const journal = readJournal(path.join(dir, '.baton', 'journal.jsonl')).records;
  const settled = journal.flatMap((e) => (e.type === 'settled' ? [e.iteration] : []));
  expect(
    JSON.stringify(settled) === JSON.stringify(numbers.slice(1)),
    `settled iterations ${settled.join(',')} differ from the ledger's ${numbers.slice(1).join(',')}`,
  );
  const end = journal.at(-1);
  expect(end?.type === 'run-end' && end.state === 'met', `the journal does not end with run-end met`);

  // Nothing the harness changed temporarily on the host is left changed.
  // The repository is the harness's (host git writes it), never the sandbox's.
  const foreign = (await execa('find', [ws, '-path', `${ws}/.git`, '-prune', '-o', '-not', '-uid', String(owner), '-print'], { reject: false })).stdout.trim();
  expect(foreign === '', `files in the workspace not owned by uid ${owner}: ${foreign.split('\n').slice(0, 3).join(', ')}`);
  const lent = path.join(dir, '.baton', 'lent');
  expect(!fs.existsSync(lent) || fs.readdirSync(lent).length === 0, `lend records left in ${lent}`);
  expect(!fs.existsSync(path.join(dir, '.baton', 'scratch')), 'the scratch folder is left');
  const left = await new Docker().listContainers({ all: true, filters: { label: [`baton.experiment=${experimentId(dir, 'chaos')}`] } });
  expect(left.length === 0, `${left.length} container(s) left`);
  return problems;
}
