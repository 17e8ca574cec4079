/**
 * Lanes end to end, as a user runs them: four lanes on real Docker and git
 * with the replay worker (test/fixtures/experiments/lanes/replay.yaml says
 * the story and its timing). Two lanes improve different files and both are
 * kept, the second integrated onto the first and measured there; work that
 * writes outside its task is out-of-scope; work from an old base that
 * conflicts is a conflict; a candidate that looked better on its old base is
 * measured on the current best and reverted; met ends the lanes in flight
 * with their work saved. Nothing writable is shared: the main workspace is
 * never mounted into a lane's sandbox.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { experimentId } from '../../src/experiment.js';
import { LedgerRecord } from '../../src/ledger/record.js';
import { readJournal } from '../../src/run/journal.js';
import { readJsonl } from '../../src/state/jsonl.js';
import { Repo } from '../../src/workspace/git.js';
import { BATON_BIN } from '../helpers/cli.js';
import { fixtureExperiment } from '../helpers/experiment.js';
import { dockerReady } from '../sandbox/guard.js';

const docker = new Docker();
const ready = await dockerReady();

describe.runIf(ready.ok)('baton run with 4 lanes: the story with real Docker and git', () => {
  let dir: string;
  let result: Awaited<ReturnType<typeof execa>>;
  let ledger: LedgerRecord[];
  let mounts: string[][] = [];

  beforeAll(async () => {
    dir = await fixtureExperiment('lanes');
    const id = experimentId(dir, 'lanes');
    const run = execa('node', [BATON_BIN, 'run', dir], { reject: false, timeout: 300_000 });
    // What every worker container of the run mounts from the host, sampled while the run goes.
    const seen = new Map<string, string[]>();
    const watch = (async () => {
      while (run.exitCode === null) {
        const list = await docker.listContainers({ filters: { label: [`baton.experiment=${id}`, 'baton.role=worker'] } }).catch(() => []);
        for (const c of list)
          seen.set(
            c.Id,
            (c.Mounts ?? []).map((m) => `${m.Type}:${m.Source ?? ''}`),
          );
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    result = await run;
    await watch;
    mounts = [...seen.values()];
    ledger = readJsonl(path.join(dir, '.baton', 'ledger.jsonl'), LedgerRecord).records;
  }, 300_000);

  it('ends met with exit 0', () => {
    expect(result.exitCode, `${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('met: every threshold holds (after 6 iterations)');
  });

  it('the ledger tells the story, each iteration with its lane', () => {
    const story = ledger.filter((r) => r.phase === 'candidate').map((r) => [r.iteration, r.lane, r.verdict.kind, r.metrics['score.value'] ?? null]);
    expect(story).toEqual([
      [1, 1, 'keep', 5],
      [2, 4, 'out-of-scope', null],
      // lane 2 worked from the baseline (b = 3); measured on top of lane 1's keep: 3 + 3 + 1
      [3, 2, 'keep', 7],
      // lane 3's turbo.txt scored 4 on its own base (the baseline, 3); on the best it halves the sum
      [4, 3, 'revert', 3.5],
      [5, 4, 'conflict', null],
      [6, 1, 'met', 9],
    ]);
    const byIteration = new Map(ledger.map((r) => [r.iteration, r]));
    expect(byIteration.get(2)?.verdict.reason).toMatch(/task "raise c" may change c\.txt; the session also changed d\.txt/);
    expect(byIteration.get(5)?.verdict.reason).toMatch(/conflicts in b\.txt/);
    expect(byIteration.get(1)?.task).toBe('raise-a');
    expect(byIteration.get(4)?.task).toBeUndefined();
  });

  it('main holds exactly the kept work: both lanes’ changes and the notes of both, nothing of the rest', async () => {
    const ws = path.join(dir, 'workspace');
    const read = (f: string) => fs.readFileSync(path.join(ws, f), 'utf8');
    expect([read('a.txt'), read('b.txt'), read('c.txt')]).toEqual(['3\n', '3\n', '3\n']);
    expect(fs.existsSync(path.join(ws, 'turbo.txt'))).toBe(false);
    expect(fs.existsSync(path.join(ws, 'd.txt'))).toBe(false);
    // NOTES.md is merged with union: lane 2's note joined lane 1's although both appended from different bases.
    expect(read('NOTES.md')).toContain('lane 1: a is 3');
    expect(read('NOTES.md')).toContain('lane 2: b is 3');
    const repo = new Repo(ws);
    const subjects = (await repo.run(['log', '--format=%s', 'main'])).split('\n');
    expect(subjects.filter((s) => / candidate: /.test(s))).toEqual([
      'baton: iteration 6 candidate: c = 3',
      'baton: iteration 3 candidate: b = 3',
      'baton: iteration 1 candidate: a = 3',
    ]);
    // Iteration 3 is one commit on top of main as it stood (iteration 2's settle), holding lane 1's a = 3 and its own b = 3:
    // integrated, not a merge of two heads.
    const three = (await repo.run(['log', '--format=%H %P', '--grep=^baton: iteration 3 candidate', 'main'])).trim().split(' ');
    expect(three).toHaveLength(2);
    expect(await repo.message(three[1])).toMatch(/^baton: iteration 2 out-of-scope/);
    expect([await repo.run(['show', `${three[0]}:a.txt`]), await repo.run(['show', `${three[0]}:b.txt`])]).toEqual(['3\n', '3\n']);
    for (const n of [2, 4, 5]) expect(await repo.refExists(`refs/baton/attempts/${n}`)).toBe(true);
    for (const lane of [1, 2, 3, 4]) expect(await repo.refExists(`refs/baton/lanes/${lane}`)).toBe(true);
  });

  it('met ended the sessions in flight and saved their work as patches, unjudged', () => {
    const journal = readJournal(path.join(dir, '.baton', 'journal.jsonl')).records;
    const cut = journal.filter((e) => e.type === 'lane-end' && !e.judged);
    expect(cut.map((e) => (e.type === 'lane-end' ? e.lane : 0)).sort()).toEqual([2, 3, 4]);
    for (const e of cut) if (e.type === 'lane-end') expect(e.session.cause).toMatch(/the run is met/);
    const attempts = path.join(dir, '.baton', 'attempts');
    const patches = fs.readdirSync(attempts).filter((f) => f.startsWith('lane'));
    // lane 2 wrote b = 4 and lane 3 c = 5 before sleeping; lane 4 had changed nothing
    expect(patches.sort()).toEqual([expect.stringMatching(/^lane2-\d{4}\.patch$/), expect.stringMatching(/^lane3-\d{4}\.patch$/)]);
    expect(fs.readFileSync(path.join(attempts, patches[0]), 'utf8')).toContain('+4');
    // They did not run their 60 s out.
    expect(result.stderr).not.toMatch(/timeout/);
  });

  it('no lane sandbox mounted anything of the host; every container is gone', async () => {
    expect(mounts.length).toBeGreaterThanOrEqual(4);
    for (const m of mounts) expect(m.filter((x) => x.startsWith('bind:'))).toEqual([]);
    const left = await docker.listContainers({ all: true, filters: { label: [`baton.experiment=${experimentId(dir, 'lanes')}`] } });
    expect(left).toEqual([]);
  });

  it('shows the lane of every iteration in baton log and in PROGRESS.md', async () => {
    const log = await execa('node', [BATON_BIN, 'log', dir], { reject: false });
    expect(log.stdout).toMatch(/lane/);
    expect(log.stdout).toMatch(/^2\s+4\s+out-of-scope/m);
    const progress = fs.readFileSync(path.join(dir, 'workspace', 'PROGRESS.md'), 'utf8');
    expect(progress).toMatch(/lane 4/);
  });
});
