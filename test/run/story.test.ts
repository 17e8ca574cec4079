/**
 * The loop end to end, as a user runs it: real Docker, real git, the replay
 * worker. One session per fault: an improvement, a regression, an OOM, a
 * container killed from outside, a tamper, a NaN, then the goal met.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { experimentId } from '../../src/experiment.js';
import { LedgerRecord } from '../../src/ledger/record.js';
import { readJsonl } from '../../src/state/jsonl.js';
import { readJournal } from '../../src/run/journal.js';
import { BATON_BIN } from '../helpers/cli.js';
import { fixtureExperiment } from '../helpers/experiment.js';
import { dockerReady } from '../sandbox/guard.js';

const docker = new Docker();
const ready = await dockerReady();

/** Kills the worker container of `iteration` as soon as it appears (after its first step had time to run). */
async function killWorkerOf(experiment: string, iteration: number, deadline: number): Promise<string> {
  while (Date.now() < deadline) {
    const found = await docker.listContainers({
      filters: { label: [`baton.experiment=${experiment}`, `baton.iteration=${iteration}`, 'baton.role=worker'] },
    });
    if (found.length) {
      await new Promise((r) => setTimeout(r, 1500));
      await docker.getContainer(found[0].Id).kill();
      return found[0].Id;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no worker container of iteration ${iteration} appeared`);
}

describe.runIf(ready.ok)('baton run: the whole story with real Docker and git', () => {
  let dir: string;
  let result: Awaited<ReturnType<typeof execa>>;
  let ledger: LedgerRecord[];

  beforeAll(async () => {
    dir = await fixtureExperiment('story');
    const run = execa('node', [BATON_BIN, 'run', dir], { reject: false, timeout: 600_000 });
    const spec = { name: 'story' };
    const killed = killWorkerOf(experimentId(dir, spec.name), 4, Date.now() + 300_000);
    result = await run;
    await killed;
    ledger = readJsonl(path.join(dir, '.baton', 'ledger.jsonl'), LedgerRecord).records;
  }, 600_000);

  it('ends met with exit 0 and says where the report is', () => {
    expect(result.stderr).toContain('[baseline] BASELINE');
    expect(result.exitCode, result.stderr as string).toBe(0);
    expect(result.stdout).toContain('met: every threshold holds on 2 consecutive measurements (after 7 iterations)');
    expect(result.stdout).toContain(`report: ${path.join(dir, 'workspace', 'reports', 'REPORT.md')}`);
  });

  it('the ledger tells the story: keep, revert, oom, sandbox-died, tamper, NaN, met (confirmed)', () => {
    const candidates = ledger.filter((r) => r.phase !== 'confirm');
    expect(candidates.map((r) => [r.iteration, r.verdict.kind])).toEqual([
      [0, 'baseline'],
      [1, 'keep'],
      [2, 'revert'],
      [3, 'crashed'],
      [4, 'crashed'],
      [5, 'tamper'],
      [6, 'revert'],
      [7, 'met'],
    ]);
    expect(candidates[3].session?.cause).toMatch(/^oom: out of memory in step 2/);
    expect(candidates[4].session?.cause).toMatch(/^sandbox-died/);
    expect(candidates[5].verdict.reason).toContain('tests/test_solve.py');
    expect(candidates[6].verdict.reason).toMatch(/NaN|non-finite/i);
    expect(candidates[6].measurements[0].status).toBe('failed');
    const baselineErr = candidates[0].metrics['accuracy.solution.y.max_abs'];
    const fineErr = candidates[1].metrics['accuracy.solution.y.max_abs'];
    expect(fineErr).toBeLessThan(baselineErr / 3);
    expect(candidates[7].metrics['accuracy.solution.y.max_abs']).toBeLessThan(1e-6);
    // confirm: 2 means the met commit was measured twice
    expect(ledger.filter((r) => r.iteration === 7).map((r) => r.phase)).toEqual(['candidate', 'confirm']);
  });

  it('git holds every kept commit on main and every rejected candidate under refs/baton/attempts', async () => {
    const ws = path.join(dir, 'workspace');
    const log = (await execa('git', ['log', '--format=%s', 'main'], { cwd: ws })).stdout.split('\n');
    expect(log[0]).toMatch(/^baton: /);
    expect(log).toContain('baton: iteration 1 keep: improve: Euler with a five times finer step');
    expect(log).toContain('baton: iteration 7 met: RK4: fourth order');
    expect(log).toContain('baton: iteration 5 tamper: tamper: loosen the protected test');
    const refs = (await execa('git', ['for-each-ref', '--format=%(refname)', 'refs/baton/attempts'], { cwd: ws })).stdout.split('\n').sort();
    expect(refs).toEqual(['refs/baton/attempts/2', 'refs/baton/attempts/3', 'refs/baton/attempts/4', 'refs/baton/attempts/5', 'refs/baton/attempts/6']);
    for (const n of [2, 3, 4, 5, 6]) expect(fs.existsSync(path.join(dir, '.baton', 'attempts', `000${n}.patch`))).toBe(true);
    // the killed session's half-done work is saved, not lost, and not on main
    expect(fs.readFileSync(path.join(dir, '.baton', 'attempts', '0004.patch'), 'utf8')).toContain('half done');
    expect(fs.existsSync(path.join(ws, 'half-done.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(ws, 'tests', 'test_solve.py'), 'utf8')).toContain('test_starts_at_initial_condition');
    const trailers = (await execa('git', ['log', '-1', '--format=%B', 'main'], { cwd: ws })).stdout;
    expect(trailers).toMatch(/Baton-Iteration: 7\nBaton-Verdict: met\nBaton-Metrics: \{"accuracy.solution.y.max_abs":/);
  });

  it('PROGRESS.md, NOTES.md and REPORT.md say what happened', () => {
    const ws = path.join(dir, 'workspace');
    const progress = fs.readFileSync(path.join(ws, 'PROGRESS.md'), 'utf8');
    expect(progress).toContain('### Iteration 3: crashed');
    expect(progress).toMatch(/cause: oom: out of memory/);
    expect(progress).toContain('### Iteration 5: tamper');
    const notes = fs.readFileSync(path.join(ws, 'NOTES.md'), 'utf8');
    expect(notes).toContain('- a coarser Euler step (dx=0.05) made the error worse');
    const report = fs.readFileSync(path.join(ws, 'reports', 'REPORT.md'), 'utf8');
    expect(report).toMatch(/met/);
    expect(report).toMatch(/tamper/);
    expect(report).toMatch(/crash/i);
  });

  it('the journal has every transition and no container is left', async () => {
    const journal = readJournal(path.join(dir, '.baton', 'journal.jsonl')).records;
    const settled = journal.filter((e) => e.type === 'settled').map((e) => (e as { iteration: number }).iteration);
    expect(settled).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(journal[journal.length - 1]).toMatchObject({ type: 'run-end', state: 'met' });
    const left = await docker.listContainers({ all: true, filters: { label: [`baton.experiment=${experimentId(dir, 'story')}`] } });
    expect(left).toEqual([]);
  });
});
