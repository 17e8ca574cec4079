/**
 * The one-machine Slurm cluster (scripts/ci/slurm-up.sh) does what the Slurm
 * provider of issue 17 will rely on: sbatch, a job's state and exit code from
 * `scontrol show job` and `sacct -c` (no slurmdbd), --mem enforced as
 * OUT_OF_MEMORY, scancel reaching every process of a job, several jobs at once,
 * and a bubblewrap sandbox inside a job. Skips without a cluster; fails
 * instead when BATON_REQUIRE_SLURM=1.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slurmReady } from './guard.js';

const ready = await slurmReady();
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE']);
let dir: string;
const submitted: string[] = [];

/** Submits a batch script; returns the job id. */
async function sbatch(script: string, args: string[] = []): Promise<string> {
  const r = await execa('sbatch', ['--parsable', `--chdir=${dir}`, '--output=%j.out', '--job-name=baton-infra-test', ...args], {
    input: `#!/bin/sh\n${script}\n`,
  });
  const id = r.stdout.trim().split(';')[0];
  submitted.push(id);
  return id;
}

/** `scontrol show job` as key=value fields (one line with -o). */
async function job(id: string): Promise<Record<string, string>> {
  const r = await execa('scontrol', ['show', 'job', '-o', id]);
  return Object.fromEntries(
    r.stdout
      .trim()
      .split(/\s+/)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

async function until(id: string, states: Set<string>, timeoutMs = 30_000): Promise<Record<string, string>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const j = await job(id);
    if (states.has(j.JobState)) return j;
    if (Date.now() > end) throw new Error(`job ${id} still ${j.JobState} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The job's line in the completion log (`sacct -c`), written when slurmctld records the end. */
async function completion(id: string): Promise<{ state: string; exit: string }> {
  const end = Date.now() + 10_000;
  for (;;) {
    const r = await execa('sacct', ['-c', '-n', '-P', '-j', id, '-o', 'JobID,State,ExitCode']);
    const line = r.stdout.split('\n').find((l) => l.startsWith(`${id}|`));
    if (line) {
      const [, state, exit] = line.split('|');
      return { state, exit };
    }
    if (Date.now() > end) throw new Error(`sacct -c has no line for job ${id}: ${r.stdout}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!ready.ok)('one-machine Slurm cluster', () => {
  beforeAll(async () => {
    // Jobs run as the submitting user on this machine: the folder is the "shared filesystem".
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-slurm-'));
  });
  afterAll(async () => {
    if (submitted.length) await execa('scancel', submitted, { reject: false });
    await rm(dir, { recursive: true, force: true });
  });

  it("gives a finished job's state and exit code through scontrol and sacct -c, with its comment and output", async () => {
    const t0 = Date.now();
    const ok = await sbatch('echo hello from $SLURM_JOB_ID', ['--comment=baton:run-1:session-7']);
    const bad = await sbatch('echo failing; exit 3');
    const okJob = await until(ok, TERMINAL);
    console.log(`[slurm] trivial job submitted to COMPLETED in ${Date.now() - t0} ms`);
    expect(okJob).toMatchObject({ JobState: 'COMPLETED', ExitCode: '0:0', Comment: 'baton:run-1:session-7' });
    expect(await readFile(path.join(dir, `${ok}.out`), 'utf8')).toBe(`hello from ${ok}\n`);
    expect(await until(bad, TERMINAL)).toMatchObject({ JobState: 'FAILED', ExitCode: '3:0' });
    expect(await completion(ok)).toEqual({ state: 'COMPLETED', exit: '0:0' });
    expect(await completion(bad)).toEqual({ state: 'FAILED', exit: '3:0' });
  });

  it('ends a job over its --mem as OUT_OF_MEMORY, its payload killed with 137', async () => {
    // `tail` keeps its last lines in memory, and /dev/zero has no newline: 512 MB against a 64 MB limit.
    const id = await sbatch('head -c 512M /dev/zero | tail >/dev/null; echo "rc=$?"', ['--mem=64M']);
    const j = await until(id, TERMINAL);
    expect(j.JobState).toBe('OUT_OF_MEMORY');
    expect(await readFile(path.join(dir, `${id}.out`), 'utf8')).toMatch(/rc=137/);
    // The script itself exited 0 (it echoed); the state is what says OOM. Slurm reports the exit as 0:125.
    expect((await completion(id)).state).toBe('OUT_OF_MEMORY');
  });

  it('scancel ends a running job as CANCELLED and kills every process it started, even one that left its session', async () => {
    // The child leaves the job's process group and parentage (setsid -f: new session, reparented to init);
    // only the job's cgroup (proctrack/cgroup) still holds it.
    const id = await sbatch(`setsid -f sh -c 'echo $$ > ${dir}/child.pid; exec sleep 300'; sleep 300`);
    await until(id, new Set(['RUNNING']));
    const started = Date.now();
    while (!(await readFile(path.join(dir, 'child.pid'), 'utf8').catch(() => '')).trim()) {
      if (Date.now() - started > 10_000) throw new Error('the job never wrote its child pid');
      await new Promise((r) => setTimeout(r, 100));
    }
    const child = Number((await readFile(path.join(dir, 'child.pid'), 'utf8')).trim());
    expect(alive(child)).toBe(true);
    await execa('scancel', [id]);
    expect((await until(id, TERMINAL)).JobState).toBe('CANCELLED');
    expect((await completion(id)).state).toBe('CANCELLED');
    const end = Date.now() + 10_000;
    while (alive(child) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(alive(child)).toBe(false);
  });

  it('runs several jobs at once on the oversubscribed nodes, spread over them', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => sbatch('sleep 60', ['--cpus-per-task=1'])));
    // One squeue call sees all six RUNNING at the same moment, on more than one node.
    const end = Date.now() + 15_000;
    let running: string[][] = [];
    while (running.length < ids.length && Date.now() < end) {
      const r = await execa('squeue', ['-h', '-t', 'RUNNING', '-j', ids.join(','), '-o', '%i %N']);
      running = r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.trim().split(/\s+/));
      if (running.length < ids.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(running.map(([id]) => id).sort()).toEqual([...ids].sort());
    expect(new Set(running.map(([, node]) => node)).size).toBeGreaterThan(1);
    await execa('scancel', ids);
    const done = await Promise.all(ids.map((id) => until(id, TERMINAL)));
    expect(done.map((j) => j.JobState)).toEqual(ids.map(() => 'CANCELLED'));
  });

  it('starts a bubblewrap sandbox inside a job, and the job limits apply to it', async () => {
    const bwrap = 'bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --unshare-all --die-with-parent --new-session';
    const ok = await sbatch(
      `${bwrap} sh -c 'cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "; touch /etc/x 2>/dev/null || echo read-only'; echo "rc=$?"`,
    );
    const oom = await sbatch(`${bwrap} sh -c 'head -c 512M /dev/zero | tail >/dev/null; echo "inner=$?"'; echo "rc=$?"`, ['--mem=64M']);
    expect((await until(ok, TERMINAL)).JobState).toBe('COMPLETED');
    // Only loopback inside (no network), the root filesystem read-only, bwrap exited 0.
    expect(await readFile(path.join(dir, `${ok}.out`), 'utf8')).toBe('lo\nread-only\nrc=0\n');
    expect((await until(oom, TERMINAL)).JobState).toBe('OUT_OF_MEMORY');
    expect(await readFile(path.join(dir, `${oom}.out`), 'utf8')).toMatch(/inner=137/);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
