/**
 * The Docker sandbox: one fresh container per session or measurement, created
 * through dockerode with the settings of docker-options.ts. Commands run as
 * execs and return data; the sandbox dying under a command is reported as such.
 * A command whose leftover processes exhaust the pids limit gets the sandbox
 * restarted (pids.ts), so the next command runs.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { SystemError, describeError } from '../errors.js';
import { failpoint } from '../failpoint.js';
import { DEFAULT_EXEC_TIMEOUT_MS, DEFAULT_MAX_OUTPUT_BYTES, KILL_GRACE_S } from './defaults.js';
import { containerCreateOptions, execArgv } from './docker-options.js';
import { dockerClient, statusCodeOf, withTimeout } from './engine.js';
import { IN_CONTAINER_OOM_READ, hostOomCounterFile, parseOomKills, readOomKills } from './oom.js';
import { CappedOutput, Demuxer } from './output.js';
import { currentOwner, isProcessAlive, type Owner } from './owner.js';
import { adoptRootEntries, giveBack, lend, sandboxUser, type Lent, type SandboxUser } from './ownership.js';
import { afterPidsExhausted, hostPidsDir, pidsExhausted, readHostPids, type PidsUsage } from './pids.js';
import { hostCpuFile, readHostCpuSeconds, statsCpuSeconds, type HostCpuFile } from './cpu.js';
import { LABEL, selectOrphans } from './sweep.js';
import type { CpuUsage, ExecOptions, ExecResult, SandboxHandle, SandboxProvider, SandboxStartOptions, SweepResult } from './types.js';

/** How long after the in-container kill the host gives up on the exec stream. */
const HOST_DEADLINE_SLACK_MS = 5_000;
/** Bound on any single engine call that is not a command (create, inspect, remove). */
const ENGINE_CALL_MS = 30_000;
/** How long an exhausted pids count gets to fall (processes the exec's timeout killed being reaped) before a restore. */
const PIDS_SETTLE_MS = 250;

/** Sandboxes started by this process and not yet stopped; see stopAllDockerSandboxes. */
const live = new Set<DockerSandbox>();

export interface DockerProviderOptions {
  /**
   * Where the OOM and pids counters are read: `auto` uses the host's
   * /sys/fs/cgroup when the engine is local (free), else an exec inside the
   * container (OOM) and the engine's stats (pids) after each command; `inside`
   * always does the latter.
   */
  oomCounter?: 'auto' | 'inside';
}

export class DockerSandboxProvider implements SandboxProvider {
  readonly kind = 'docker' as const;

  constructor(
    private readonly docker: Docker = dockerClient(),
    private readonly owner: Owner = currentOwner(),
    private readonly options: DockerProviderOptions = {},
  ) {}

  async start(options: SandboxStartOptions): Promise<SandboxHandle> {
    const user = await sandboxUser(options.mounts);
    const name = `baton-${options.labels.experiment}-${options.labels.iteration}-${options.role}-${randomBytes(3).toString('hex')}`;
    const create = containerCreateOptions(options, this.owner, user, name);
    // Recorded before the first chown: a kill before the container (and its label) exists still leaves a trace to undo.
    const record = options.lendRecords ? path.join(options.lendRecords, `${name}.json`) : undefined;
    await lend(user, record);
    for (const m of options.mounts) {
      if (!m.readOnly && !user.lend.some((l) => l.path === m.hostPath)) await adoptRootEntries(m.hostPath, user);
    }
    failpoint('sandbox:lent');
    let container: Docker.Container | undefined;
    try {
      container = await withTimeout(this.docker.createContainer(create), ENGINE_CALL_MS, 'creating the container');
      await withTimeout(container.start(), ENGINE_CALL_MS, 'starting the container');
      const info = await container.inspect();
      const hostLocal = !process.env.DOCKER_HOST && this.options.oomCounter !== 'inside';
      const sandbox = new DockerSandbox(container, user, await hostFiles(info.State.Pid, hostLocal), options.workdir ?? '/workspace', record);
      live.add(sandbox);
      return sandbox;
    } catch (e) {
      await container?.remove({ force: true }).catch(() => undefined);
      await giveBack(user.lend, user, record);
      const missing = statusCodeOf(e) === 404 ? ' (image missing? run `baton sandbox build`)' : '';
      throw new SystemError(`Could not start a Docker sandbox from ${create.Image}${missing}: ${describeError(e)}`, {
        code: 'BATON_SANDBOX',
        cause: e,
        context: { image: create.Image },
      });
    }
  }

  async sweep(filter: { experiment?: string } = {}): Promise<SweepResult> {
    return sweepDocker(this.docker, this.owner.host, filter);
  }
}

/** Removes baton containers whose owner is gone from this host; hands lent folders back. */
export async function sweepDocker(docker: Docker, host: string, filter: { experiment?: string } = {}): Promise<SweepResult> {
  const labelFilter: string[] = [LABEL.ownerPid];
  if (filter.experiment !== undefined) labelFilter.push(`${LABEL.experiment}=${filter.experiment}`);
  const list = await withTimeout(docker.listContainers({ all: true, filters: { label: labelFilter } }), ENGINE_CALL_MS, 'listing containers');
  const decision = selectOrphans(
    list.map((c) => ({ id: c.Id, labels: c.Labels ?? {} })),
    host,
    isProcessAlive,
    filter,
  );
  const removed: string[] = [];
  for (const s of decision.remove) {
    try {
      await forceRemove(docker.getContainer(s.id));
    } catch (e) {
      if (statusCodeOf(e) !== 404) continue;
    }
    removed.push(s.id);
    const lent = parseLent(s.labels[LABEL.lent]);
    if (lent) await giveBack(lent.lent, lent).catch(() => undefined);
  }
  return { removed, kept: decision.keep.map((k) => k.sandbox.id) };
}

/** Removes a container whatever its state; a paused one is thawed first, or the kill would wait for the thaw. */
async function forceRemove(container: Docker.Container): Promise<void> {
  const info = await withTimeout(container.inspect(), ENGINE_CALL_MS, 'inspecting the container');
  if (info.State.Paused) await withTimeout(container.unpause(), ENGINE_CALL_MS, 'unpausing the container').catch(() => undefined);
  await withTimeout(container.remove({ force: true }), ENGINE_CALL_MS, 'removing the container');
}

function parseLent(text: string | undefined): { uid: number; gid: number; lent: Lent[] } | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as { uid: number; gid: number; lent: Lent[] };
  } catch {
    return undefined;
  }
}

/** The container's cgroup files on this host, when the engine runs here; read after every exec at no cost. */
interface HostFiles {
  local: boolean;
  oomFile?: string;
  pidsDir?: string;
  cpuFile?: HostCpuFile;
}

async function hostFiles(pid: number, local: boolean): Promise<HostFiles> {
  if (!local) return { local };
  return { local, oomFile: await hostOomCounterFile(pid), pidsDir: await hostPidsDir(pid), cpuFile: await hostCpuFile(pid) };
}

/** Stops every Docker sandbox this process started (for exit and signal handlers). */
export async function stopAllDockerSandboxes(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop().catch(() => undefined)));
}

class DockerSandbox implements SandboxHandle {
  readonly kind = 'docker' as const;
  readonly id: string;
  private oomSeen = 0;
  /** Restarts by restore(); each starts the CPU counter again from zero. */
  private restarts = 0;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  /** Why the sandbox cannot run commands any more, once it cannot (a failed restore). */
  private dead: string | undefined;

  constructor(
    private readonly container: Docker.Container,
    private readonly user: SandboxUser,
    private host: HostFiles,
    private readonly workdir: string,
    private readonly lendRecord?: string,
  ) {
    this.id = container.id;
  }

  async pause(): Promise<() => Promise<void>> {
    await withTimeout(this.container.pause(), ENGINE_CALL_MS, 'pausing the container');
    return async () => {
      await withTimeout(this.container.unpause(), ENGINE_CALL_MS, 'unpausing the container').catch(() => undefined);
    };
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const cap = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const stdout = new CappedOutput(cap);
    const stderr = new CappedOutput(cap);
    const result = (fields: Partial<ExecResult>): ExecResult => ({
      command,
      exitCode: null,
      stdout: stdout.text(),
      stderr: stderr.text(),
      timedOut: false,
      oomKilled: false,
      sandboxDied: false,
      outputTruncated: stdout.truncated || stderr.truncated,
      durationMs: Math.round(performance.now() - started),
      ...fields,
    });
    // One host-side deadline bounds every engine call of this exec, so a hung
    // engine or a frozen container cannot hang the harness.
    const hostDeadlineMs = timeoutMs + KILL_GRACE_S * 1000 + HOST_DEADLINE_SLACK_MS;
    const deadlineAt = started + hostDeadlineMs;
    const bound = <T>(p: Promise<T>, what: string) =>
      withTimeout(p, Math.max(1, Math.min(ENGINE_CALL_MS, deadlineAt - performance.now())), what);
    const abandoned = () =>
      result({ timedOut: true, cause: `no answer from the exec ${hostDeadlineMs} ms after it started; abandoned by the host` });

    if (this.dead !== undefined) return result({ sandboxDied: true, cause: this.dead });

    let exec: Docker.Exec;
    try {
      exec = await bound(
        this.container.exec({
          Cmd: execArgv(command, timeoutMs, KILL_GRACE_S),
          AttachStdout: true,
          AttachStderr: true,
          AttachStdin: options.stdin !== undefined,
          Env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
          WorkingDir: options.cwd ?? this.workdir,
          // Another user than the container's (ExecOptions.user); capabilities stay dropped.
          User: options.user ?? `${this.user.uid}:${this.user.gid}`,
        }),
        'creating the exec',
      );
    } catch (e) {
      if (performance.now() >= deadlineAt) return abandoned();
      const st = await this.status();
      if (!st.running) return result({ sandboxDied: true, cause: st.cause });
      return result({ sandboxDied: true, cause: `the engine refused the command: ${describeError(e)}` });
    }

    let hitHostDeadline = false;
    let streamError: unknown;
    try {
      const stream = (await bound(exec.start({ hijack: true, stdin: options.stdin !== undefined }), 'starting the exec')) as NodeJS.ReadWriteStream & {
        destroy(): void;
      };
      const demux = new Demuxer((b) => stdout.push(b), (b) => stderr.push(b));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          hitHostDeadline = true;
          stream.destroy();
          resolve();
        }, Math.max(1, deadlineAt - performance.now()));
        const finish = () => {
          clearTimeout(timer);
          resolve();
        };
        stream.on('data', (chunk: Buffer) => demux.push(chunk));
        stream.on('end', finish);
        stream.on('close', finish);
        stream.on('error', (e) => {
          streamError = e;
          finish();
        });
        if (options.stdin !== undefined) {
          stream.write(options.stdin);
          stream.end();
        }
      });
    } catch (e) {
      streamError = e;
    }
    if (hitHostDeadline || performance.now() >= deadlineAt) return { ...abandoned(), oomKilled: await this.oomKilledSinceLastExec() };

    const exitCode = await this.exitCodeOf(exec, deadlineAt);
    const durationMs = Math.round(performance.now() - started);
    // Whatever the command left behind may hold every pid the limit allows; then
    // no later exec could fork, so the sandbox is restored (or declared dead) below.
    const exhausted = await this.exhaustedPids();
    // Without a free pid an exec cannot read the OOM counter inside (it would wait out its bound).
    const oomKilled = exhausted && !this.host.oomFile ? false : await this.oomKilledSinceLastExec();
    if (exitCode === null || exitCode >= 128 || streamError !== undefined) {
      const st = await this.settledStatus(oomKilled ? 0 : 1000);
      if (!st.running) return result({ sandboxDied: true, oomKilled, cause: st.cause ?? describeError(streamError) });
    }
    const timedOut = !oomKilled && (exitCode === 124 || exitCode === 137) && durationMs >= timeoutMs - 50;
    if (exhausted) return this.restore(result({ exitCode: timedOut ? null : exitCode, timedOut, oomKilled }), exhausted);
    const engineError = exitCode === 126 && /^OCI runtime exec failed/.test(stdout.text()) ? stdout.text().trim() : undefined;
    if (engineError && /chdir to cwd|executable file not found/.test(engineError)) {
      // A bad cwd is the command's problem, not the sandbox's.
      return result({ exitCode, stdout: '', stderr: engineError, cause: 'the engine could not start the command' });
    }
    if (engineError) {
      // The engine could not start the process, though pids are left: the container is alive but useless.
      return result({ sandboxDied: true, cause: `the sandbox cannot start processes any more: ${engineError}` });
    }
    if (timedOut) return result({ timedOut, cause: `killed after the ${timeoutMs} ms timeout` });
    if (oomKilled) return result({ exitCode, oomKilled, cause: 'a process of the command was killed by the out-of-memory killer (memory limit reached)' });
    return result({ exitCode });
  }

  /**
   * The pids usage when too few pids are left for another command, re-read
   * once after a moment: processes killed by the exec's own timeout are still
   * being reaped when it returns. Undefined when fine or unknown.
   */
  private async exhaustedPids(): Promise<PidsUsage | undefined> {
    const first = await this.pidsUsage();
    if (!first || !pidsExhausted(first)) return undefined;
    await new Promise((r) => setTimeout(r, PIDS_SETTLE_MS));
    const again = await this.pidsUsage();
    return again && pidsExhausted(again) ? again : undefined;
  }

  /** CPU seconds of every process of the container: the host's cgroup file when the engine is local, else the engine's stats. */
  async cpuUsage(): Promise<CpuUsage | undefined> {
    const restarts = this.restarts;
    let seconds: number | undefined;
    if (this.host.cpuFile) seconds = await readHostCpuSeconds(this.host.cpuFile);
    else {
      try {
        seconds = statsCpuSeconds(await withTimeout(this.container.stats({ stream: false, 'one-shot': true }), ENGINE_CALL_MS, 'reading the container stats'));
      } catch {
        seconds = undefined;
      }
    }
    return seconds === undefined ? undefined : { seconds, restarts };
  }

  /** pids.current and pids.max: from the host's cgroup folder when the engine is local, else the engine's stats. */
  private async pidsUsage(): Promise<PidsUsage | undefined> {
    if (this.host.pidsDir) return readHostPids(this.host.pidsDir);
    try {
      const stats = await withTimeout(this.container.stats({ stream: false, 'one-shot': true }), ENGINE_CALL_MS, 'reading the container stats');
      const p = stats.pids_stats;
      if (p?.current === undefined) return undefined;
      return { current: p.current, max: p.limit !== undefined && p.limit > 0 ? p.limit : undefined };
    } catch {
      return undefined;
    }
  }

  /**
   * Restarts the container, which kills every process in it without needing a
   * free pid (restart, unlike an exec, forks nothing inside). The memory cgroup
   * is new, so the OOM counter starts again from zero. When the restart fails
   * the sandbox is dead, and every later command says so.
   */
  private async restore(r: ExecResult, usage: PidsUsage): Promise<ExecResult> {
    let error: string | undefined;
    // Counted before the attempt: a restart that fails half-way may still have reset the CPU counter.
    this.restarts++;
    try {
      await withTimeout(this.container.restart({ t: 0 }), ENGINE_CALL_MS, 'restarting the container');
      const info = await withTimeout(this.container.inspect(), ENGINE_CALL_MS, 'inspecting the container');
      this.host = await hostFiles(info.State.Pid, this.host.local);
      this.oomSeen = 0;
      const after = await this.pidsUsage();
      if (after && pidsExhausted(after)) error = `still ${after.current} of ${after.max} pids in use after the restart`;
    } catch (e) {
      error = describeError(e);
    }
    const out = afterPidsExhausted({ ...r, sandboxDied: false }, usage, error);
    if (out.sandboxDied) this.dead = out.cause;
    return out;
  }

  /** The exec's exit code once the engine has recorded it (bounded wait). */
  private async exitCodeOf(exec: Docker.Exec, deadlineAt: number): Promise<number | null> {
    for (let i = 0; i < 50 && performance.now() < deadlineAt; i++) {
      try {
        const info = await withTimeout(exec.inspect(), Math.max(1, Math.min(ENGINE_CALL_MS, deadlineAt - performance.now())), 'inspecting the exec');
        if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) return info.ExitCode;
      } catch {
        return null;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return null;
  }

  /** Whether the container's oom_kill counter rose since the last look. */
  private async oomKilledSinceLastExec(): Promise<boolean> {
    let count: number | undefined;
    if (this.host.oomFile) count = await readOomKills(this.host.oomFile);
    else count = await this.readCounterInside();
    if (count === undefined || count <= this.oomSeen) return false;
    this.oomSeen = count;
    return true;
  }

  private async readCounterInside(): Promise<number | undefined> {
    const read = async () => {
      const exec = await this.container.exec({ Cmd: ['sh', '-c', IN_CONTAINER_OOM_READ], AttachStdout: true, AttachStderr: false });
      const stream = await exec.start({ hijack: true, stdin: false });
      const out = new CappedOutput(64 * 1024);
      const demux = new Demuxer((b) => out.push(b), () => undefined);
      await new Promise<void>((resolve) => {
        stream.on('data', (c: Buffer) => demux.push(c));
        stream.on('end', resolve);
        stream.on('error', () => resolve());
      });
      return parseOomKills(out.text());
    };
    // Bounded as a whole: a frozen or dying container must not hold the caller.
    return withTimeout(read(), 10_000, 'reading the OOM counter').catch(() => undefined);
  }

  /**
   * The status, re-read for up to `graceMs` while it says running: a killed
   * container's execs end a moment before the engine marks it exited.
   */
  private async settledStatus(graceMs: number): Promise<{ running: boolean; cause?: string }> {
    const until = performance.now() + graceMs;
    for (;;) {
      const st = await this.status();
      if (!st.running || performance.now() >= until) return st;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async status(): Promise<{ running: boolean; cause?: string }> {
    if (this.dead !== undefined) return { running: false, cause: this.dead };
    try {
      const info = await withTimeout(this.container.inspect(), ENGINE_CALL_MS, 'inspecting the container');
      const s = info.State;
      if (s.Running && !s.Restarting) return { running: true };
      if (s.OOMKilled) return { running: false, cause: 'the container ran out of memory (its main process was OOM-killed)' };
      const detail = s.Error ? `: ${s.Error}` : '';
      return { running: false, cause: `the container is ${s.Status} (exit code ${s.ExitCode}${detail})` };
    } catch (e) {
      if (statusCodeOf(e) === 404) return { running: false, cause: 'the container was removed' };
      return { running: false, cause: `the Docker engine is unreachable: ${describeError(e)}` };
    }
  }

  /** Concurrent callers (a signal handler and the session's own cleanup) all wait for the same removal and give-back. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop().catch((e: unknown) => {
      this.stopping = undefined;
      throw e;
    });
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    live.delete(this);
    try {
      await forceRemove(this.container);
      failpoint('sandbox:removed');
    } catch (e) {
      if (statusCodeOf(e) !== 404) {
        this.stopped = false;
        live.add(this);
        throw new SystemError(`Could not remove sandbox ${this.id.slice(0, 12)}: ${describeError(e)}`, { code: 'BATON_SANDBOX', cause: e });
      }
    }
    await giveBack(this.user.lend, this.user, this.lendRecord);
  }
}
