#!/usr/bin/env node
/**
 * Benchmark (issue 17): what a sandbox costs through Slurm. One trial of the
 * baseline is a bare `sbatch --wrap true` from submission until Slurm says
 * it ended; one trial of baton is the Slurm provider's start (sbatch, wait
 * until running), one command (`true`, a step under bubblewrap) and stop
 * (scancel, wait until ended). Alternated, on the cluster of
 * scripts/ci/slurm-up.sh; the ratio of the medians is printed. Target: the
 * sandbox's dispatch at most 3x the bare job's (it does more: a step, and
 * a cancel that Slurm takes KillWait to finish).
 *
 *   node benchmarks/slurm.mjs [--trials 10] [--json out.json]
 *
 * Needs dist/ (benchmarks/run.mjs builds it) and a Slurm cluster (sinfo).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SetupError, arg, dist, finish, machine, main, ms, stats } from './lib.mjs';

const TRIALS = Number(arg('trials', '10'));
const TARGET = 3;

function requireSlurm() {
  try {
    execFileSync('sinfo', ['-h'], { stdio: 'ignore', timeout: 15_000 });
  } catch {
    throw new SetupError('no Slurm cluster: `sinfo` fails (bash scripts/ci/slurm-up.sh)');
  }
}

function state(id) {
  const out = execFileSync('scontrol', ['show', 'job', '-o', id], { encoding: 'utf8' });
  return /JobState=(\S+)/.exec(out)?.[1];
}

async function bareJob() {
  const t0 = performance.now();
  const id = execFileSync('sbatch', ['--parsable', '--output=/dev/null', '--chdir=/', '--job-name=baton-bench-bare', '--wrap=true'], { encoding: 'utf8' })
    .trim()
    .split(';')[0];
  for (let delay = 20; ; delay = Math.min(200, delay * 2)) {
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(state(id))) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, delay));
  }
}

async function main_() {
  requireSlurm();
  const { chooseSandboxProvider } = await dist('src/sandbox/index.js');
  const { SandboxSpec } = await dist('src/spec/schema.js');
  const root = mkdtempSync(path.join(tmpdir(), 'baton-bench-slurm-'));
  mkdirSync(path.join(root, 'workspace'));
  const spec = SandboxSpec.parse({ kind: 'slurm', memory: '256m', cpus: 1 });
  const { provider } = await chooseSandboxProvider(spec, path.join(root, 'workspace'));
  const bare = [];
  const baton = [];
  try {
    await bareJob(); // the first job after the controller starts is slow
    for (let i = 0; i < TRIALS; i++) {
      bare.push(await bareJob());
      const t0 = performance.now();
      const sb = await provider.start({ spec, role: 'oracle', mounts: [], env: {}, workdir: '/tmp', labels: { experiment: 'bench', run: 'r', iteration: i } });
      const r = await sb.exec('true');
      await sb.stop();
      if (r.exitCode !== 0) throw new Error(`the step failed: ${JSON.stringify(r)}`);
      baton.push(performance.now() - t0);
    }
  } finally {
    await provider.stopAll();
    rmSync(root, { recursive: true, force: true });
  }
  const b = stats(bare);
  const s = stats(baton);
  const ratio = s.p50 / b.p50;
  console.log(`bare sbatch --wrap true, submit to ended: p50 ${ms(b.p50)}, p95 ${ms(b.p95)} (${TRIALS} trials)`);
  console.log(`baton Slurm sandbox, start + one step + stop: p50 ${ms(s.p50)}, p95 ${ms(s.p95)}`);
  console.log(`ratio of the medians: ${ratio.toFixed(2)}x (target <= ${TARGET}x: ${ratio <= TARGET ? 'met' : 'MISSED'})`);
  finish({ benchmark: 'slurm', trials: TRIALS, machine: machine(), bare: b, baton: s, ratioP50: ratio, target: TARGET, met: ratio <= TARGET });
}

main(main_);
