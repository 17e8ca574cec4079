/**
 * The experiment lock (`.baton/lock`): one `baton run` per experiment. A lock
 * whose pid is dead on this host is stale and is taken over with a warning.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { UserError } from '../errors.js';

export interface LockInfo {
  v: 1;
  pid: number;
  host: string;
  startedAt: string;
}

export interface Lock {
  info: LockInfo;
  /** Set when a stale lock was taken over. */
  warning?: string;
  release(): void;
}

/** Whether a process with this pid exists on this host. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock or throws BATON_LOCKED naming the holder. */
export function acquireLock(file: string, now: Date = new Date()): Lock {
  const info: LockInfo = { v: 1, pid: process.pid, host: os.hostname(), startedAt: now.toISOString() };
  let warning: string | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, `${JSON.stringify(info)}\n`, { flag: 'wx' });
      return { info, warning, release: () => releaseLock(file, info) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readLock(file);
    if (holder && holder.host !== info.host) {
      throw new UserError(
        `${file}: the experiment is locked by pid ${holder.pid} on host ${holder.host} since ${holder.startedAt}; ` +
          `baton cannot tell from here whether it still runs. If it does not, remove ${file}.`,
        { code: 'BATON_LOCKED', context: { file, ...holder } },
      );
    }
    if (holder && pidAlive(holder.pid) && holder.pid !== process.pid) {
      throw new UserError(
        `${file}: another baton run (pid ${holder.pid}, started ${holder.startedAt}) holds this experiment. ` +
          `Wait for it, or stop it with: kill ${holder.pid}`,
        { code: 'BATON_LOCKED', context: { file, ...holder } },
      );
    }
    warning = holder
      ? `took over a stale lock of pid ${holder.pid} (started ${holder.startedAt}), which is no longer running`
      : `took over an unreadable lock file ${file}`;
    fs.rmSync(file, { force: true });
  }
  throw new UserError(`${file}: could not take the lock after 3 attempts (another process races for it)`, {
    code: 'BATON_LOCKED',
    context: { file },
  });
}

function releaseLock(file: string, info: LockInfo): void {
  const holder = readLock(file);
  if (holder && holder.pid === info.pid && holder.host === info.host) fs.rmSync(file, { force: true });
}

/** The current holder of a lock, if any and alive (for `baton status`). */
export function lockHolder(file: string): LockInfo | undefined {
  const holder = readLock(file);
  if (!holder) return undefined;
  if (holder.host === os.hostname() && !pidAlive(holder.pid)) return undefined;
  return holder;
}
