/**
 * Sandboxes whose processes exhaust their pids limit. A command's background
 * processes outlive its exec (a fork bomb's do, holding every pid the limit
 * allows), and then the next exec cannot even fork its own wrapper. Baton
 * reads the container's pids counter after every exec and, when too few pids
 * are left, restarts the container: every process in it is killed, which
 * needs no free pid, and the next command runs. The decisions are here, pure;
 * docker-sandbox.ts reads the counter and restarts.
 */
import { readFile } from 'node:fs/promises';
import { cgroupDirs, firstReadable } from './cgroup-files.js';
import type { ExecResult } from './types.js';

/**
 * Fewer free pids than this after an exec count as exhausted: the next exec
 * needs one for `timeout`, one for bash and some for the command itself.
 */
export const PIDS_RESERVE = 4;

export interface PidsUsage {
  current: number;
  /** The limit; undefined when there is none. */
  max: number | undefined;
}

/** Whether the next command of a sandbox with this usage could fail to fork. */
export function pidsExhausted(usage: PidsUsage): boolean {
  return usage.max !== undefined && usage.max > 0 && usage.max - usage.current < PIDS_RESERVE;
}

/**
 * How a command failed for want of a pid, if it did: the engine could not
 * start its process, the in-container `timeout` could not fork bash, or the
 * shell could not fork. Only the first two mean the command never ran.
 */
export type ForkFailure = 'engine' | 'wrapper' | 'shell';

/** The form of fork failure in an exec's output; undefined when there is none. */
export function forkFailureOf(r: Pick<ExecResult, 'exitCode' | 'stdout' | 'stderr'>): ForkFailure | undefined {
  if (r.exitCode === 126 && /^OCI runtime exec failed/.test(r.stdout)) return 'engine';
  if (r.exitCode === 125 && /^timeout: (fork system call failed|cannot fork)/m.test(r.stderr)) return 'wrapper';
  if (/\bfork: (retry: )?Resource temporarily unavailable/.test(r.stderr)) return 'shell';
  return undefined;
}

/**
 * The result of a command after which the sandbox's pids were exhausted:
 * restored (restarted) or, when that failed, dead. A command that never ran
 * (engine or wrapper could not fork) has no exit code.
 */
export function afterPidsExhausted(r: ExecResult, usage: PidsUsage, restartError: string | undefined): ExecResult {
  const form = forkFailureOf(r);
  const neverRan = form === 'engine' || form === 'wrapper';
  const held = `${usage.current} of ${usage.max} pids were in use after the command`;
  if (restartError !== undefined) {
    return {
      ...r,
      exitCode: neverRan ? null : r.exitCode,
      sandboxDied: true,
      cause: `pids limit exhausted (${held}) and restarting the sandbox failed: ${restartError}`,
    };
  }
  const what = neverRan ? 'the command could not start: ' : '';
  return {
    ...r,
    exitCode: neverRan ? null : r.exitCode,
    cause:
      `${what}pids limit exhausted (${held}); baton restarted the sandbox, killing every process in it ` +
      '(/tmp and $HOME are empty again; the workspace is unchanged)',
  };
}

/** Parses pids.current and pids.max ("max" means no limit). */
export function parsePidsUsage(current: string, max: string): PidsUsage | undefined {
  const c = Number(current.trim());
  if (!Number.isInteger(c)) return undefined;
  const m = max.trim();
  if (m === 'max') return { current: c, max: undefined };
  const n = Number(m);
  return Number.isInteger(n) ? { current: c, max: n } : undefined;
}

/** The host folder of the pids cgroup of process `pid` (cgroup v1, then v2), from /proc/PID/cgroup. */
export async function hostPidsDir(pid: number): Promise<string | undefined> {
  const dirs = (await cgroupDirs(pid, 'pids')).sort((a, b) => a.version - b.version);
  return firstReadable(
    dirs.map((d) => d.dir),
    readHostPids,
  );
}

/** The usage from a host cgroup folder; undefined when unreadable. */
export async function readHostPids(dir: string): Promise<PidsUsage | undefined> {
  try {
    return parsePidsUsage(await readFile(`${dir}/pids.current`, 'utf8'), await readFile(`${dir}/pids.max`, 'utf8'));
  } catch {
    return undefined;
  }
}
