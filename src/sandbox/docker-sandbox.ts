/**
 * One running Docker sandbox: commands run as execs and return data; the
 * sandbox dying under a command is reported as such. A command whose
 * leftover processes exhaust the pids limit gets the sandbox restarted
 * (pids.ts), so the next command runs.
 */
import type Docker from 'dockerode';
import { SystemError, describeError } from '../errors.js';
import { failpoint } from '../failpoint.js';
import { DEFAULT_EXEC_TIMEOUT_MS, DEFAULT_MAX_OUTPUT_BYTES, KILL_GRACE_S } from './defaults.js';
import type { ContainerCounters } from './docker-counters.js';
import { execArgv } from './docker-options.js';
import { forceRemove } from './docker-sweep.js';
import { ENGINE_CALL_MS, statusCodeOf, withTimeout } from './engine.js';
import { classifyExit, engineStartFailure, execResult } from './exec-outcome.js';
import { CappedOutput, Demuxer } from './output.js';
import { giveBack, type SandboxUser } from './ownership.js';
import { afterPidsExhausted, pidsExhausted, type PidsUsage } from './pids.js';
import { dockerCopyIn, dockerCopyOut } from './docker-copy.js';
import type { CopyOptions, CopyResult, CpuUsage, ExecOptions, ExecResult, SandboxHandle } from './types.js';

/** How long after the in-container kill the host gives up on the exec stream. */
const HOST_DEADLINE_SLACK_MS = 5_000;
/** How long an exhausted pids count gets to fall (processes the exec's timeout killed being reaped) before a restore. */
const PIDS_SETTLE_MS = 250;

export class DockerSandbox implements SandboxHandle {
  readonly kind = 'docker';
  readonly execAsUser = true;
  readonly id: string;
  /** Restarts by restore(); each starts the CPU counter again from zero. */
  private restarts = 0;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  /** Why the sandbox cannot run commands any more, once it cannot (a failed restore). */
  private dead: string | undefined;

  constructor(
    private readonly container: Docker.Container,
    private readonly user: SandboxUser,
    private readonly counters: ContainerCounters,
    private readonly workdir: string,
    /** The provider's sandboxes not yet stopped; this one leaves it at stop. */
    private readonly live: Set<SandboxHandle>,
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

  /** Kills every process of the sandbox user (kill(-1) spares the killer, and tini, PID 1, is root's); the container stays. */
  async interrupt(): Promise<void> {
    await this.exec('kill -KILL -1 2>/dev/null; true', { timeoutMs: 10_000 });
  }

  copyIn(hostDir: string, containerPath: string, options?: CopyOptions): Promise<CopyResult> {
    return dockerCopyIn(this.container, this.user, hostDir, containerPath, options);
  }

  copyOut(containerPath: string, hostDir: string, options?: CopyOptions): Promise<CopyResult> {
    return dockerCopyOut(this.container, containerPath, hostDir, options);
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const cap = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const stdout = new CappedOutput(cap);
    const stderr = new CappedOutput(cap);
    const result = (fields: Partial<ExecResult>): ExecResult => execResult(command, started, stdout, stderr, fields);
    // One host-side deadline bounds every engine call of this exec, so a hung
    // engine or a frozen container cannot hang the harness.
    const hostDeadlineMs = timeoutMs + KILL_GRACE_S * 1000 + HOST_DEADLINE_SLACK_MS;
    const deadlineAt = started + hostDeadlineMs;
    const bound = <T>(p: Promise<T>, what: string) => withTimeout(p, Math.max(1, Math.min(ENGINE_CALL_MS, deadlineAt - performance.now())), what);
    const abandoned = () => result({ timedOut: true, cause: `no answer from the exec ${hostDeadlineMs} ms after it started; abandoned by the host` });

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
      const demux = new Demuxer(
        (b) => stdout.push(b),
        (b) => stderr.push(b),
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            hitHostDeadline = true;
            stream.destroy();
            resolve();
          },
          Math.max(1, deadlineAt - performance.now()),
        );
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
    if (hitHostDeadline || performance.now() >= deadlineAt) return { ...abandoned(), oomKilled: await this.counters.oomKilledSinceLastLook() };

    const exitCode = await this.exitCodeOf(exec, deadlineAt);
    const durationMs = Math.round(performance.now() - started);
    // Whatever the command left behind may hold every pid the limit allows; then
    // no later exec could fork, so the sandbox is restored (or declared dead) below.
    const exhausted = await this.exhaustedPids();
    // Without a free pid an exec cannot read the OOM counter inside (it would wait out its bound).
    const oomKilled = exhausted && !this.counters.oomOnHost ? false : await this.counters.oomKilledSinceLastLook();
    if (exitCode === null || exitCode >= 128 || streamError !== undefined) {
      const st = await this.settledStatus(oomKilled ? 0 : 1000);
      if (!st.running) return result({ sandboxDied: true, oomKilled, cause: st.cause ?? describeError(streamError) });
    }
    const outcome = classifyExit({ exitCode, durationMs, timeoutMs, oomKilled });
    if (exhausted) return this.restore(result({ exitCode: outcome.exitCode, timedOut: outcome.timedOut, oomKilled }), exhausted);
    const startFailure = engineStartFailure(exitCode, stdout.text());
    // A bad cwd is the command's problem, not the sandbox's.
    if (startFailure?.commandFault) return result({ exitCode, stdout: '', stderr: startFailure.message, cause: 'the engine could not start the command' });
    // The engine could not start the process, though pids are left: the container is alive but useless.
    if (startFailure) return result({ sandboxDied: true, cause: `the sandbox cannot start processes any more: ${startFailure.message}` });
    return result(outcome);
  }

  /**
   * The pids usage when too few pids are left for another command, re-read
   * once after a moment: processes killed by the exec's own timeout are still
   * being reaped when it returns. Undefined when fine or unknown.
   */
  private async exhaustedPids(): Promise<PidsUsage | undefined> {
    const first = await this.counters.pids();
    if (!first || !pidsExhausted(first)) return undefined;
    await new Promise((r) => setTimeout(r, PIDS_SETTLE_MS));
    const again = await this.counters.pids();
    return again && pidsExhausted(again) ? again : undefined;
  }

  /** CPU seconds of every process of the container since it (re)started. */
  async cpuUsage(): Promise<CpuUsage | undefined> {
    const restarts = this.restarts;
    const seconds = await this.counters.cpuSeconds();
    return seconds === undefined ? undefined : { seconds, restarts };
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
      await this.counters.reopen(info.State.Pid);
      const after = await this.counters.pids();
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
    this.live.delete(this);
    try {
      await forceRemove(this.container);
      failpoint('sandbox:removed');
    } catch (e) {
      if (statusCodeOf(e) !== 404) {
        this.stopped = false;
        this.live.add(this);
        throw new SystemError(`Could not remove sandbox ${this.id.slice(0, 12)}: ${describeError(e)}`, { code: 'BATON_SANDBOX', cause: e });
      }
    }
    await giveBack(this.user.lend, this.user, this.lendRecord);
  }
}
