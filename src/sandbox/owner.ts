/**
 * Who owns a sandbox: this process (pid, host, start time). Sweeps remove a
 * sandbox only when its owner is provably gone from this host; the start time
 * guards against a recycled pid keeping an orphan alive or, worse, the reverse.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Owner {
  pid: number;
  host: string;
  /** Start time of the process in clock ticks since boot (/proc/PID/stat field 22), when known. */
  start?: string;
}

/** The start time of `pid` from /proc, or undefined where /proc is absent. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses; fields resume after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

/** This process as a sandbox owner. */
export function currentOwner(): Owner {
  return { pid: process.pid, host: os.hostname(), start: processStart(process.pid) };
}

/** Whether process `pid` (started at `start`, if given) still runs on this host. */
export function isProcessAlive(pid: number, start?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (start === undefined) return true;
  const now = processStart(pid);
  return now === undefined || now === start;
}
