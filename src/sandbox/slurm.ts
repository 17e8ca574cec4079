/**
 * The Slurm sandbox (`sandbox.kind: slurm`): each session and each
 * measurement is a Slurm job, its resources from the spec (`cpus` →
 * --cpus-per-task, `memory` → --mem, the session's time → --time,
 * `partition`), holding an allocation while the sandbox lives. Each command
 * is a step of that job (`srun --jobid --overlap`) that runs the local
 * kind's bubblewrap sandbox on the node (local.ts, LocalLaunch): HPC nodes
 * rarely have Docker, and bubblewrap needs no daemon. The job's cgroup
 * enforces --mem (a step over it is killed and reported OUT_OF_MEMORY), and
 * scancel reaches every process of the job.
 *
 * Files: the cluster's shared filesystem. The sandbox's own folders (its
 * /tmp, $HOME, its volumes) are made under the experiment's `.baton/slurm/`,
 * and the snapshots mounted into oracle sandboxes are under `.baton/`, so the
 * experiment folder must be on a filesystem every node mounts at the same
 * path (as $HOME or a project space is on a cluster). baton talks to Slurm
 * through its commands only (sbatch, squeue, scontrol, scancel, srun), run
 * on this machine: a login node, or a machine that is a Slurm client.
 *
 * Jobs carry baton's ids in their --comment (the owner's host and pid, the
 * experiment, the session), so the sweep cancels orphaned jobs of this
 * machine's dead runs and nothing else.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { execa } from 'execa';
import { SystemError, describeError } from '../errors.js';
import { parseDuration, parseSize } from '../spec/units.js';
import type { LocalSandboxProvider } from './local.js';
import { currentOwner, isProcessAlive, type Owner } from './owner.js';
import type { CopyOptions, CopyResult, ExecOptions, ExecResult, SandboxHandle, SandboxProvider, SandboxStartOptions, SweepResult } from './types.js';

/** How long a start waits for its job to run (a busy queue); then the job is cancelled and the start fails. */
const QUEUE_WAIT_MS = 10 * 60_000;
/** Bound on one Slurm command. */
const SLURM_CALL_MS = 30_000;
/** Job states in which the allocation is gone, with the cause a session gets. */
const ENDED: Record<string, string> = {
  OUT_OF_MEMORY: 'oom: the Slurm job ran out of memory (over --mem)',
  TIMEOUT: 'timeout: the Slurm job reached its time limit',
  NODE_FAIL: 'sandbox-died: the Slurm node of the job failed',
  PREEMPTED: 'sandbox-died: the Slurm job was preempted',
  CANCELLED: 'sandbox-died: the Slurm job was cancelled',
  FAILED: 'sandbox-died: the Slurm job failed',
  COMPLETED: 'sandbox-died: the Slurm job ended',
  BOOT_FAIL: 'sandbox-died: the Slurm node did not boot',
  DEADLINE: 'sandbox-died: the Slurm job reached its deadline',
};
/** What srun and slurmstepd add to a step's stderr; kept out of the command's output. */
const SLURM_NOISE = /^(srun: (error|warning|Job step|Force Terminated|Step created)|slurmstepd(-[\w.-]+)?: (error|\*\*\*)).*$/;
const OOM_NOISE = /oom-kill event|task \d+: Out Of Memory/;

export interface SlurmSettings {
  partition?: string;
  /** --time of each sandbox's job (sandbox.job_time): the allocation outlives any session or measurement in it. */
  jobTimeMs: number;
  /** Where the sandboxes' folders go: under the experiment's .baton/ (the shared filesystem). */
  dirBase: string;
}

/** The fields of `scontrol show job -o` (one line of key=value). */
export async function jobFields(id: string): Promise<Record<string, string> | undefined> {
  const r = await execa('scontrol', ['show', 'job', '-o', id], { reject: false, timeout: SLURM_CALL_MS });
  if (r.exitCode !== 0 || !r.stdout.trim()) return undefined;
  const out: Record<string, string> = {};
  for (const kv of r.stdout.trim().split(/\s+(?=[A-Za-z/:]+=)/)) {
    const i = kv.indexOf('=');
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/** --time in whole minutes (Slurm checks limits about every 30 s; commands have their own timeouts inside). */
export function slurmMinutes(ms: number): number {
  return Math.max(1, Math.ceil(ms / 60_000));
}

export class SlurmSandboxProvider implements SandboxProvider {
  readonly kind = 'slurm';
  readonly privateWorkspaces = true;
  private readonly live = new Set<SandboxHandle>();

  constructor(
    private readonly local: LocalSandboxProvider,
    private readonly settings: SlurmSettings,
    private readonly owner: Owner = currentOwner(),
  ) {}

  async start(options: SandboxStartOptions): Promise<SandboxHandle> {
    const which = options.labels.key ?? String(options.labels.iteration);
    const name = `baton-${options.labels.experiment}-${which}-${options.role}-${randomBytes(3).toString('hex')}`;
    const comment = JSON.stringify({
      baton: 1,
      host: this.owner.host,
      pid: this.owner.pid,
      ...(this.owner.start !== undefined ? { start: this.owner.start } : {}),
      experiment: options.labels.experiment,
      run: options.labels.run,
      role: options.role,
      ...(options.labels.key ? { session: options.labels.key } : {}),
    });
    const args = [
      '--parsable',
      `--job-name=${name}`,
      `--comment=${comment}`,
      `--cpus-per-task=${Math.max(1, Math.ceil(options.spec.cpus))}`,
      `--mem=${Math.max(1, Math.floor(parseSize(options.spec.memory) / 1024 ** 2))}M`,
      `--time=${slurmMinutes(options.spec.job_time ? parseDuration(options.spec.job_time) : this.settings.jobTimeMs)}`,
      '--output=/dev/null',
      '--error=/dev/null',
      '--chdir=/',
      ...((options.spec.partition ?? this.settings.partition) ? [`--partition=${options.spec.partition ?? this.settings.partition}`] : []),
      '--wrap=exec sleep infinity',
    ];
    const sub = await execa('sbatch', args, { reject: false, timeout: SLURM_CALL_MS, env: slurmEnv() });
    const id = sub.stdout.trim().split(';')[0];
    if (sub.exitCode !== 0 || !/^\d+$/.test(id)) {
      throw new SystemError(`Could not submit a Slurm job for a sandbox: ${(sub.stderr || sub.stdout || describeError(sub)).trim().slice(0, 400)}`, {
        code: 'BATON_SANDBOX',
      });
    }
    try {
      await waitRunning(id);
      mkdirSync(this.settings.dirBase, { recursive: true });
      const inner = await this.local.start(options, {
        prefix: ['srun', `--jobid=${id}`, '--overlap', '--ntasks=1', '--nodes=1', '--quiet', '--chdir=/', '--'],
        dirBase: this.settings.dirBase,
      });
      const sandbox = new SlurmSandbox(id, inner, this.live);
      this.live.add(sandbox);
      return sandbox;
    } catch (e) {
      await scancel(id);
      throw e instanceof SystemError
        ? e
        : new SystemError(`Could not start a Slurm sandbox (job ${id}): ${describeError(e)}`, { code: 'BATON_SANDBOX', cause: e });
    }
  }

  /** Cancels this machine's baton jobs whose owner process is gone (by their --comment), never another job. */
  async sweep(filter: { experiment?: string } = {}): Promise<SweepResult> {
    // Jobs still to run or running; one ending (COMPLETING) is already on its way out.
    const r = await execa('squeue', ['-h', '-t', 'PENDING,RUNNING,SUSPENDED,CONFIGURING', '-o', '%i|%k'], {
      reject: false,
      timeout: SLURM_CALL_MS,
      env: slurmEnv(),
    });
    if (r.exitCode !== 0) throw new SystemError(`Could not list Slurm jobs (squeue): ${r.stderr.trim().slice(0, 300)}`, { code: 'BATON_SANDBOX' });
    const removed: string[] = [];
    const kept: string[] = [];
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const [id, text] = [line.slice(0, line.indexOf('|')), line.slice(line.indexOf('|') + 1)];
      const c = batonComment(text);
      if (!c || c.host !== this.owner.host) continue;
      if (filter.experiment !== undefined && c.experiment !== filter.experiment) continue;
      if (isProcessAlive(c.pid, c.start)) kept.push(id);
      else {
        await scancel(id);
        removed.push(id);
      }
    }
    return { removed, kept };
  }

  async stopAll(spare?: ReadonlySet<SandboxHandle>): Promise<void> {
    await Promise.all([...this.live].filter((s) => !spare?.has(s)).map((s) => s.stop().catch(() => undefined)));
  }
}

/** baton's ids in a job's comment, or undefined for any other job. */
export function batonComment(text: string): { host: string; pid: number; start?: string; experiment?: string } | undefined {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (v.baton !== 1 || typeof v.host !== 'string' || typeof v.pid !== 'number') return undefined;
    return {
      host: v.host,
      pid: v.pid,
      ...(typeof v.start === 'string' ? { start: v.start } : {}),
      ...(typeof v.experiment === 'string' ? { experiment: v.experiment } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Slurm's commands with this process's environment minus what a job would inherit by mistake (SLURM_* of an enclosing job). */
function slurmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM_')));
}

async function waitRunning(id: string): Promise<void> {
  const end = Date.now() + QUEUE_WAIT_MS;
  for (let delay = 50; ; delay = Math.min(1000, delay * 2)) {
    const j = await jobFields(id);
    const state = j?.JobState;
    if (state === 'RUNNING') return;
    if (state && ENDED[state])
      throw new SystemError(`The Slurm job ${id} of a sandbox ended before it ran (${state}${j?.Reason ? `, ${j.Reason}` : ''})`, { code: 'BATON_SANDBOX' });
    if (Date.now() > end) {
      throw new SystemError(
        `The Slurm job ${id} of a sandbox did not start within ${QUEUE_WAIT_MS / 60_000} minutes (${state ?? 'unknown'}, ${j?.Reason ?? 'no reason'})`,
        {
          code: 'BATON_SANDBOX',
        },
      );
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** How long an ending job (COMPLETING: its processes being killed, KillWait) is waited for. */
const SETTLE_MS = 30_000;

/** The job's state once it is not COMPLETING any more (bounded by SETTLE_MS); `unknown` when Slurm no longer knows it. */
async function settledState(id: string): Promise<string> {
  const end = Date.now() + SETTLE_MS;
  for (;;) {
    const state = (await jobFields(id))?.JobState ?? 'unknown';
    if (state !== 'COMPLETING' || Date.now() > end) return state;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function scancel(id: string): Promise<void> {
  await execa('scancel', [id], { reject: false, timeout: SLURM_CALL_MS, env: slurmEnv() });
}

/** One job's sandbox: the local sandbox's commands as steps of the job, and the job's state as the sandbox's. */
class SlurmSandbox implements SandboxHandle {
  readonly kind = 'slurm';
  readonly id: string;
  private stopped = false;

  constructor(
    readonly jobId: string,
    private readonly inner: SandboxHandle,
    private readonly live: Set<SandboxHandle>,
  ) {
    this.id = `slurm-${jobId}`;
  }

  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    const r = await this.inner.exec(command, options);
    const lines = r.stderr.split('\n');
    const noise = lines.filter((l) => SLURM_NOISE.test(l));
    const stderr = lines.filter((l) => !SLURM_NOISE.test(l)).join('\n');
    // Only a command that did not exit 0: a line printed by the command itself cannot turn a success into an OOM.
    const oom = r.exitCode !== 0 && noise.some((l) => OOM_NOISE.test(l));
    if (oom) return { ...r, stderr, oomKilled: true, cause: r.cause ?? 'the command ran out of memory (the Slurm job is over its --mem)' };
    if (r.exitCode !== 0 && !r.timedOut) {
      const st = await this.status();
      if (!st.running) return { ...r, stderr, exitCode: null, sandboxDied: true, cause: st.cause };
    }
    return { ...r, stderr };
  }

  async status(): Promise<{ running: boolean; cause?: string }> {
    if (this.stopped) return { running: false, cause: 'the sandbox was stopped' };
    const state = await settledState(this.jobId);
    if (state === 'RUNNING') return { running: true };
    return { running: false, cause: ENDED[state] ?? `sandbox-died: the Slurm job ${this.jobId} is ${state}` };
  }

  /** Cancels the job and waits (bounded) until Slurm has ended it: nothing of it runs on after stop. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.live.delete(this);
    await scancel(this.jobId);
    await this.inner.stop();
    await settledState(this.jobId);
  }

  async interrupt(): Promise<void> {
    await this.inner.interrupt?.();
  }

  copyIn(hostDir: string, containerPath: string, options?: CopyOptions): Promise<CopyResult> {
    return (this.inner.copyIn as NonNullable<SandboxHandle['copyIn']>).call(this.inner, hostDir, containerPath, options);
  }

  copyOut(containerPath: string, hostDir: string, options?: CopyOptions): Promise<CopyResult> {
    return (this.inner.copyOut as NonNullable<SandboxHandle['copyOut']>).call(this.inner, containerPath, hostDir, options);
  }
}
