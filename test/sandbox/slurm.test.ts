/**
 * The Slurm sandbox (sandbox.kind: slurm, issue 17) on the one-machine
 * cluster of scripts/ci/slurm-up.sh: a job per sandbox with baton's ids in
 * its comment, commands as steps under bubblewrap, --mem enforced and
 * reported as OOM, a job cancelled from outside seen as a dead sandbox, the
 * sweep cancelling only this machine's orphaned baton jobs, nothing left
 * after stop. Skips without a cluster; fails instead when BATON_REQUIRE_SLURM=1.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedSandbox } from '../../src/sandbox/kind.js';
import { chooseSandboxProvider } from '../../src/sandbox/index.js';
import { batonComment, jobFields, slurmMinutes } from '../../src/sandbox/slurm.js';
import type { SandboxHandle } from '../../src/sandbox/types.js';
import { SandboxSpec } from '../../src/spec/schema.js';
import { slurmReady } from '../infra/guard.js';
import { ROOT, tmpDir } from '../helpers/tmp.js';

describe('Slurm: pure parts', () => {
  it('reads only baton comments; rounds --time up to whole minutes', () => {
    expect(batonComment('{"baton":1,"host":"vm","pid":12,"experiment":"e"}')).toEqual({ host: 'vm', pid: 12, experiment: 'e' });
    expect(batonComment('{"host":"vm","pid":12}')).toBeUndefined();
    expect(batonComment("somebody else's job")).toBeUndefined();
    expect(slurmMinutes(1)).toBe(1);
    expect(slurmMinutes(6 * 3600_000)).toBe(360);
    expect(slurmMinutes(61_000)).toBe(2);
  });

  it('the spec takes partition, runtime bubblewrap and job_time; anything else is refused', () => {
    expect(SandboxSpec.parse({ kind: 'slurm', partition: 'gpu', job_time: '2h' })).toMatchObject({
      kind: 'slurm',
      partition: 'gpu',
      job_time: '2h',
      runtime: 'bubblewrap',
    });
    expect(SandboxSpec.safeParse({ kind: 'slurm', runtime: 'podman' }).success).toBe(false);
    expect(SandboxSpec.safeParse({ kind: 'slurm', job_time: 'forever' }).success).toBe(false);
  });
});

const ready = await slurmReady();

async function jobsNamed(prefix: string): Promise<string[]> {
  const r = await execa('squeue', ['-h', '-o', '%i %j']);
  return r.stdout
    .split('\n')
    .filter((l) => l.includes(prefix))
    .map((l) => l.trim().split(/\s+/)[0]);
}

describe.runIf(ready.ok)('the Slurm provider on the one-machine cluster', () => {
  const experiment = `slurm-${process.pid}`;
  let resolved: ResolvedSandbox;
  let root: string;
  const spec = (over: Record<string, unknown> = {}) => SandboxSpec.parse({ kind: 'slurm', memory: '128m', cpus: 1, ...over });
  const start = (extra: Partial<Parameters<ResolvedSandbox['provider']['start']>[0]> = {}): Promise<SandboxHandle> =>
    resolved.provider.start({
      spec: spec(),
      role: 'oracle',
      mounts: [],
      env: { GREETING: 'hi' },
      workdir: '/tmp',
      labels: { experiment, run: 'r1', iteration: 1 },
      ...extra,
    });

  beforeAll(async () => {
    root = tmpDir('baton-slurm-');
    mkdirSync(path.join(root, 'workspace'));
    resolved = await chooseSandboxProvider(spec(), path.join(root, 'workspace'));
  });
  afterAll(async () => {
    await resolved?.provider.stopAll();
    const left = await jobsNamed(`baton-${experiment}`);
    if (left.length) await execa('scancel', left, { reject: false });
  });

  it('resolves to Slurm jobs with bubblewrap on the nodes', () => {
    expect(resolved.isolation).toMatchObject({ provider: 'slurm', runtime: 'bubblewrap', network: 'none' });
    expect(resolved.isolation.engine).toMatch(/^slurm/);
    expect(resolved.provider.privateWorkspaces).toBe(true);
  });

  it("a sandbox is a running job with the spec's resources and baton's ids; commands are its steps; stop leaves no job", async () => {
    const out = path.join(root, 'out');
    const ro = path.join(root, 'ro');
    mkdirSync(out);
    mkdirSync(ro);
    writeFileSync(path.join(ro, 'input.txt'), 'data\n');
    const sb = await start({
      mounts: [
        { hostPath: ro, containerPath: '/workspace', readOnly: true },
        { hostPath: out, containerPath: '/baton/out', readOnly: false },
      ],
    });
    const jobId = (sb as unknown as { jobId: string }).jobId;
    try {
      const job = await jobFields(jobId);
      expect(job).toMatchObject({ JobState: 'RUNNING', NumCPUs: '1', MinMemoryNode: '128M' });
      expect(batonComment(job?.Comment ?? '')).toMatchObject({ pid: process.pid, experiment });
      const r = await sb.exec('echo "$GREETING $SLURM_JOB_ID"; cat /workspace/input.txt > /baton/out/copy.txt; id -u; echo oops >&2; exit 3');
      expect(r.exitCode).toBe(3);
      expect(r.stdout).toBe(`hi ${jobId}\n1000\n`);
      // srun's own "task 0: Exited with exit code 3" is not the command's output
      expect(r.stderr).toBe('oops\n');
      expect(readFileSync(path.join(out, 'copy.txt'), 'utf8')).toBe('data\n');
      const w = await sb.exec('touch /workspace/x; ip -o link 2>/dev/null | wc -l || cat /proc/net/dev | wc -l');
      expect(w.stderr).toMatch(/Read-only file system|Permission denied/);
    } finally {
      await sb.stop();
    }
    expect((await jobFields(jobId))?.JobState).toBe('CANCELLED');
    expect(await jobsNamed(`baton-${experiment}`)).toEqual([]);
  });

  it('a command over --mem is OOM-killed and reported so; the sandbox goes on', async () => {
    const sb = await start();
    try {
      const r = await sb.exec('head -c 512M /dev/zero | tail > /dev/null; echo after=$?');
      expect(r.oomKilled, JSON.stringify(r)).toBe(true);
      expect(r.cause).toMatch(/ran out of memory/);
      expect(r.stderr).not.toMatch(/slurmstepd|srun: error/);
      expect((await sb.exec('echo alive')).stdout).toBe('alive\n');
    } finally {
      await sb.stop();
    }
  });

  it('a job cancelled from outside is a dead sandbox with its cause, not a hang', async () => {
    const sb = await start();
    try {
      const jobId = (sb as unknown as { jobId: string }).jobId;
      const running = sb.exec('sleep 60; echo never', { timeoutMs: 90_000 });
      await new Promise((r) => setTimeout(r, 1500));
      await execa('scancel', [jobId]);
      const r = await running;
      expect(r.sandboxDied, JSON.stringify(r)).toBe(true);
      expect(r.cause).toBe('sandbox-died: the Slurm job was cancelled');
      expect(r.durationMs).toBeLessThan(30_000);
      expect(await sb.status()).toEqual({ running: false, cause: 'sandbox-died: the Slurm job was cancelled' });
    } finally {
      await sb.stop();
    }
  });

  it('a job past its time limit (job_time) is a dead sandbox with the cause timeout', async () => {
    // Slurm rounds --time up to whole minutes and checks limits about every 30 s: 1 minute ends within about 2.
    const sb = await resolved.provider.start({
      spec: spec({ job_time: '1m' }),
      role: 'oracle',
      mounts: [],
      env: {},
      workdir: '/tmp',
      labels: { experiment, run: 'r1', iteration: 1 },
    });
    try {
      const r = await sb.exec('sleep 300', { timeoutMs: 400_000 });
      expect(r.sandboxDied, JSON.stringify(r)).toBe(true);
      expect(r.cause).toBe('timeout: the Slurm job reached its time limit');
      expect(r.durationMs).toBeLessThan(200_000);
    } finally {
      await sb.stop();
    }
  }, 300_000);

  it("the experiment's folder is out of sight: a lane's session cannot read oracle/ or other sandboxes' folders through the host root", async () => {
    // Outside /tmp and the hidden homes, where the host root would show it (the repository's ignored tmp/).
    mkdirSync(path.join(ROOT, 'tmp'), { recursive: true });
    const exp = mkdtempSync(path.join(ROOT, 'tmp', 'slurm-exp-'));
    mkdirSync(path.join(exp, 'workspace'));
    mkdirSync(path.join(exp, 'oracle'));
    writeFileSync(path.join(exp, 'oracle', 'expected.txt'), 'the answer\n');
    const mine = await chooseSandboxProvider(spec(), path.join(exp, 'workspace'));
    const begin = () =>
      mine.provider.start({
        spec: spec(),
        role: 'worker',
        mounts: [],
        env: {},
        workdir: '/workspace',
        volumes: ['/workspace'],
        labels: { experiment, run: 'r3', iteration: 1 },
      });
    const other = await begin();
    const sb = await begin();
    try {
      await other.exec('echo private > /workspace/mine.txt');
      // Only empty mount points of the sandbox's own folders may show there: no file at all.
      const r = await sb.exec(`cat ${exp}/oracle/expected.txt; find ${exp} -type f 2>/dev/null | wc -l; find ${exp} -name mine.txt 2>/dev/null | wc -l`);
      expect(r.stdout).toBe('0\n0\n');
      expect(r.stderr).toMatch(/No such file or directory/);
    } finally {
      await Promise.all([other.stop(), sb.stop()]);
      rmSync(exp, { recursive: true, force: true });
    }
  });

  it('interrupt ends the running command now and keeps the sandbox (a lane stopped by met still has its work copied out)', async () => {
    const sb = await start({ role: 'worker', volumes: ['/workspace'], workdir: '/workspace' });
    try {
      await sb.exec('echo kept > /workspace/work.txt');
      const running = sb.exec('sleep 120; echo never', { timeoutMs: 200_000 });
      await new Promise((r) => setTimeout(r, 1500));
      const t0 = Date.now();
      await sb.interrupt?.();
      const r = await running;
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(r.stdout).toBe('');
      expect(r.exitCode).not.toBe(0);
      expect(await sb.status()).toEqual({ running: true });
      expect((await sb.exec('cat /workspace/work.txt')).stdout).toBe('kept\n');
    } finally {
      await sb.stop();
    }
  });

  it('moves a tree into a volume and out again (what lanes need)', async () => {
    const tree = path.join(root, 'tree');
    mkdirSync(path.join(tree, 'src'), { recursive: true });
    writeFileSync(path.join(tree, 'src', 'a.py'), 'x = 1\n');
    const sb = await start({ role: 'worker', volumes: ['/workspace'] });
    try {
      await sb.copyIn?.(tree, '/workspace');
      const r = await sb.exec('cd /workspace && echo "y = 2" >> src/a.py && ln -s /etc/passwd leak && cat src/a.py');
      expect(r.stdout).toBe('x = 1\ny = 2\n');
      const back = path.join(root, 'back');
      const c = await sb.copyOut?.('/workspace', back);
      expect(readFileSync(path.join(back, 'src', 'a.py'), 'utf8')).toBe('x = 1\ny = 2\n');
      expect(c?.skipped.map((s) => s.reason)).toEqual(['link-outside']);
    } finally {
      await sb.stop();
    }
  });

  it("the sweep cancels this machine's baton jobs whose owner is gone, and no other job", async () => {
    const submit = (comment: string) =>
      execa('sbatch', [
        '--parsable',
        '--output=/dev/null',
        '--chdir=/',
        `--job-name=baton-${experiment}-sweep`,
        `--comment=${comment}`,
        '--wrap=exec sleep 300',
      ]).then((r) => r.stdout.trim());
    const host = (await execa('hostname')).stdout.trim();
    // pid 2^22 - 1 is past pid_max on this machine: no such process
    const orphan = await submit(JSON.stringify({ baton: 1, host, pid: 4194303, experiment }));
    const otherHost = await submit(JSON.stringify({ baton: 1, host: 'another-login-node', pid: 4194303, experiment }));
    const notOurs = await submit("a colleague's job");
    const live = await submit(JSON.stringify({ baton: 1, host, pid: process.pid, experiment }));
    try {
      const r = await resolved.provider.sweep({ experiment });
      expect(r.removed).toEqual([orphan]);
      expect(r.kept).toEqual([live]);
      const states = await Promise.all([orphan, otherHost, notOurs, live].map(async (id) => (await jobFields(id))?.JobState));
      expect(states[0]).toBe('CANCELLED');
      expect(states.slice(1).every((s) => s === 'RUNNING' || s === 'PENDING')).toBe(true);
    } finally {
      await execa('scancel', [orphan, otherHost, notOurs, live], { reject: false });
    }
  });
});
