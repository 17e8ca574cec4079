/**
 * `baton run` with `sandbox.kind: slurm` (issue 17) on the one-machine
 * cluster: experiments/stats-lanes (three lanes, replay worker, a tests
 * oracle), every session and measurement a Slurm job; then the same run
 * killed (SIGKILL) while the lanes work and started again. Both end met with
 * iterations unique and gap-free, and no job left. Skips without a cluster;
 * fails instead when BATON_REQUIRE_SLURM=1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { experimentId } from '../../src/experiment.js';
import { batonComment } from '../../src/sandbox/slurm.js';
import { BATON_BIN } from '../helpers/cli.js';
import { exampleExperiment } from '../helpers/experiment.js';
import { candidatesOf, killThenResume } from '../helpers/lanes-run.js';
import { slurmReady } from '../infra/guard.js';

const ready = await slurmReady();

async function slurmExperiment(): Promise<string> {
  const dir = await exampleExperiment('stats-lanes');
  const file = path.join(dir, 'baton.yaml');
  const text = fs.readFileSync(file, 'utf8');
  const line = 'sandbox: { kind: docker, image: baton-base, memory: 512m, cpus: 1, network: none }';
  expect(text).toContain(line);
  fs.writeFileSync(file, text.replace(line, 'sandbox: { kind: slurm, memory: 512m, cpus: 1, network: none, job_time: 30m }'));
  return dir;
}

/** The run's jobs Slurm still has pending or running (by baton's ids in their comment). */
async function jobsOf(dir: string): Promise<string[]> {
  const id = experimentId(dir, 'stats-lanes');
  const r = await execa('squeue', ['-h', '-t', 'PENDING,RUNNING,COMPLETING', '-o', '%i|%k']);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .filter((l) => batonComment(l.slice(l.indexOf('|') + 1))?.experiment === id)
    .map((l) => l.slice(0, l.indexOf('|')));
}

const candidates = candidatesOf;

describe.runIf(ready.ok)('baton run on Slurm, with lanes', () => {
  it('ends met: iterations gap-free from several lanes, the tests oracle measured in jobs, no job left; REPORT.md names Slurm', async () => {
    const dir = await slurmExperiment();
    const seen = new Set<string>();
    const run = execa('node', [BATON_BIN, 'run', dir], { reject: false, timeout: 300_000 });
    const watch = (async () => {
      while (run.exitCode === null) {
        for (const j of await jobsOf(dir).catch(() => [])) seen.add(j);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    const result = await run;
    await watch;
    expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/met: every threshold holds/);
    const its = candidates(dir).map((r) => r.iteration);
    expect(its).toEqual(Array.from({ length: its.length }, (_, i) => i + 1));
    expect(new Set(candidates(dir).map((r) => r.lane)).size).toBeGreaterThanOrEqual(2);
    expect(candidates(dir).at(-1)?.metrics['tests.pass_rate']).toBe(1);
    // sessions and measurements were jobs: at least the three lanes' and some oracles'
    expect(seen.size).toBeGreaterThanOrEqual(5);
    expect(await jobsOf(dir)).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'workspace', 'reports', 'REPORT.md'), 'utf8')).toMatch(
      /Isolation: Slurm jobs \(slurm[^)]*\), bubblewrap on the nodes/,
    );
  }, 300_000);

  it('killed while every lane works, then run again: met, each session recorded once, the orphaned jobs cancelled', async () => {
    const dir = await slurmExperiment();
    await killThenResume(dir, {}, 3, async () => {
      // The killed run's jobs hold their allocations until someone cancels them.
      expect((await jobsOf(dir)).length).toBeGreaterThanOrEqual(3);
    });
    expect(await jobsOf(dir)).toEqual([]);
  }, 420_000);
});
