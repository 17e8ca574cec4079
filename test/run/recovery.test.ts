/**
 * Crash recovery as a user meets it: `baton run` killed with SIGKILL at more
 * than 20 points (mid-session, mid-measure, mid-commit, between every
 * journal step) and started again each time, until the goal is met. Also:
 * SIGINT, and two runs on one experiment.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { execa, type ResultPromise } from 'execa';
import { describe, expect, it } from 'vitest';
import { experimentId } from '../../src/experiment.js';
import { LedgerRecord } from '../../src/ledger/record.js';
import { readJsonl } from '../../src/state/jsonl.js';
import { BATON_BIN } from '../helpers/cli.js';
import { fixtureExperiment } from '../helpers/experiment.js';
import { dockerReady } from '../sandbox/guard.js';

const docker = new Docker();
const ready = await dockerReady();

function start(dir: string, env: Record<string, string> = {}): ResultPromise<{ reject: false; stdin: 'ignore' }> {
  return execa('node', [BATON_BIN, 'run', dir], { reject: false, timeout: 600_000, env, stdin: 'ignore' });
}

async function waitForWorker(dir: string, deadline = Date.now() + 60_000): Promise<void> {
  while (Date.now() < deadline) {
    const found = await docker.listContainers({ filters: { label: [`baton.experiment=${experimentId(dir, 'recover')}`, 'baton.role=worker'] } });
    if (found.length) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no worker container appeared');
}

function ledgerOf(dir: string): LedgerRecord[] {
  return readJsonl(path.join(dir, '.baton', 'ledger.jsonl'), LedgerRecord).records;
}

describe.runIf(ready.ok)('crash recovery with real Docker and git', () => {
  it('SIGKILL at 20+ points, restart each time: the goal is met, iterations 1..N without gaps, kept work on main, no container left', async () => {
    const dir = await fixtureExperiment('recover');
    const killedAt: string[] = [];
    const killWith = async (point: string): Promise<void> => {
      const r = await start(dir, { BATON_FAILPOINT: point });
      expect(r.signal, `the run was not killed at ${point}: exit ${r.exitCode}\n${r.stderr}`).toBe('SIGKILL');
      killedAt.push(point);
    };
    // The baseline, step by step.
    for (const p of ['journal:oracle-hashes', 'journal:baseline-start', 'measure:oracle', 'ledger:append', 'git:add', 'journal:baseline-done'])
      await killWith(p);
    // Twice in the middle of a session's `sleep`.
    for (let k = 0; k < 2; k++) {
      const run = start(dir);
      await waitForWorker(dir);
      await new Promise((r) => setTimeout(r, 700));
      run.kill('SIGKILL');
      expect((await run).signal).toBe('SIGKILL');
      killedAt.push('mid-session (timed)');
    }
    // Every step of an iteration; a killed session leaves a half-done candidate, so settling it passes settle:ref and settle:reset.
    for (const p of [
      'journal:run-start',
      'journal:iteration-start',
      'replay:step',
      'settle:ref',
      'replay:step',
      'settle:reset',
      'journal:session-end',
      'git:add',
      'journal:candidate',
      'measure:oracle',
      'ledger:append',
      'settle:report',
      'journal:settled',
      'git:add@3',
      'measure:oracle@2',
      'settle:report@2',
      'journal:candidate@2',
    ])
      await killWith(p);
    const finished = await start(dir);
    expect(finished.exitCode, finished.stderr).toBe(0);
    expect(finished.stdout).toContain('met: every threshold holds');
    expect(killedAt.length).toBeGreaterThanOrEqual(20);

    const ledger = ledgerOf(dir).filter((r) => r.phase !== 'confirm');
    const iterations = ledger.map((r) => r.iteration);
    expect(iterations).toEqual(iterations.map((_, i) => i)); // 0..N, no gap, no repeat
    expect(ledger[ledger.length - 1].verdict.kind).toBe('met');
    expect(ledger[ledger.length - 1].metrics['score.value']).toBe(2.4);
    // The replay story survived: 2, 3, (2.5 reverted), 4, 5 were measured in that order.
    const measured = ledger.filter((r) => r.verdict.kind !== 'crashed').map((r) => r.metrics['score.value']);
    const story = [1, ...Array.from({ length: 14 }, (_, i) => (i === 2 ? 0.5 : Number((1 + (i + 1) * 0.1).toFixed(1))))];
    expect(measured).toEqual(story);
    const ws = path.join(dir, 'workspace');
    for (const r of ledger.filter((x) => x.verdict.kind === 'keep' || x.verdict.kind === 'met')) {
      const ok = await execa('git', ['merge-base', '--is-ancestor', r.commit, 'main'], { cwd: ws, reject: false });
      expect(ok.exitCode, `kept commit of iteration ${r.iteration} is not on main`).toBe(0);
    }
    expect(fs.readFileSync(path.join(ws, 'value.txt'), 'utf8')).toBe('2.4\n');
    expect((await execa('git', ['status', '--porcelain'], { cwd: ws })).stdout).toBe('');
    const left = await docker.listContainers({ all: true, filters: { label: [`baton.experiment=${experimentId(dir, 'recover')}`] } });
    expect(left).toEqual([]);
  }, 900_000);

  it('SIGINT stops the session, exits 130 with consistent state, and the next run resumes', async () => {
    const dir = await fixtureExperiment('recover');
    const run = start(dir);
    await waitForWorker(dir);
    run.kill('SIGINT');
    const r = await run;
    expect(r.exitCode, r.stderr).toBe(130);
    expect(r.stdout).toContain('interrupted: interrupted by a signal (after 1 iteration)');
    const ws = path.join(dir, 'workspace');
    expect((await execa('git', ['status', '--porcelain'], { cwd: ws })).stdout).toBe('');
    expect(ledgerOf(dir).map((x) => [x.iteration, x.verdict.kind])).toEqual([
      [0, 'baseline'],
      [1, 'crashed'],
    ]);
    expect(ledgerOf(dir)[1].session?.stopReason).toBe('interrupted');
    // The next run replays the interrupted session as iteration 2; stop it there.
    const again = await start(dir, { BATON_FAILPOINT: 'journal:settled' });
    expect(again.signal).toBe('SIGKILL');
    expect(ledgerOf(dir).map((x) => [x.iteration, x.verdict.kind, x.metrics['score.value']])).toEqual([
      [0, 'baseline', 1],
      [1, 'crashed', undefined],
      [2, 'keep', 1.1],
    ]);
  }, 300_000);

  it("a second baton run on the same experiment is refused with the first one's pid", async () => {
    const dir = await fixtureExperiment('recover');
    const first = start(dir);
    await waitForWorker(dir);
    const second = await start(dir);
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toContain(`another baton run (pid ${first.pid}`);
    first.kill('SIGINT');
    await first;
  }, 300_000);
});
