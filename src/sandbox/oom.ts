/**
 * Out-of-memory kills inside a sandbox. Docker's State.OOMKilled only covers
 * PID 1, so baton reads the container's cgroup counter (`oom_kill` in
 * memory.events on cgroup v2, memory.oom_control on v1) before and after each
 * exec: from the host's /sys/fs/cgroup when the engine is local, else from
 * inside the container.
 */
import { readFile } from 'node:fs/promises';
import { cgroupDirs, firstReadable } from './cgroup-files.js';

/** The `oom_kill` count in a memory.events or memory.oom_control text; undefined when absent. */
export function parseOomKills(text: string): number | undefined {
  const m = /^oom_kill\s+(\d+)\s*$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Shell that prints the counter file from inside the container (v2, then v1). */
export const IN_CONTAINER_OOM_READ = 'cat /sys/fs/cgroup/memory.events 2>/dev/null || cat /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null';

/** The host file holding the counter of the process `pid`'s memory cgroup, from /proc/PID/cgroup. */
export async function hostOomCounterFile(pid: number): Promise<string | undefined> {
  const dirs = await cgroupDirs(pid, 'memory');
  return firstReadable(
    dirs.map((d) => `${d.dir}/${d.version === 1 ? 'memory.oom_control' : 'memory.events'}`),
    readOomKills,
  );
}

/** Reads the counter from a host file; undefined when unreadable. */
export async function readOomKills(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseOomKills(text);
}
