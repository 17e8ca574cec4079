/**
 * Where a process's cgroups are on this host: the one lookup behind every
 * counter baton reads from the host (CPU time, OOM kills, pids) and behind
 * the local sandbox's own cgroups. /proc/PID/cgroup has one line per
 * hierarchy, `id:controllers:path`; cgroup v2's unified hierarchy is the line
 * with no controllers.
 */
import { readFile } from 'node:fs/promises';

/** One folder of a process's cgroup under /sys/fs/cgroup. */
export interface CgroupDir {
  dir: string;
  version: 1 | 2;
}

/** The lines of a /proc/PID/cgroup text as controllers and path; v2's line has no controllers. */
export function parseProcCgroup(text: string): { controllers: string[]; path: string }[] {
  const out: { controllers: string[]; path: string }[] = [];
  for (const line of text.split('\n')) {
    const [, controllers, rel] = line.split(':');
    if (rel === undefined) continue;
    out.push({ controllers: controllers === '' ? [] : controllers.split(','), path: rel });
  }
  return out;
}

/**
 * The host folders that may hold `controller`'s files for process `pid`, in
 * the order of its /proc/PID/cgroup lines: v1's hierarchy under each of
 * `v1Mounts` (a co-mounted controller has more than one name), and v2's
 * unified one. Unread: the caller picks the first whose file it can read.
 */
export async function cgroupDirs(pid: number | 'self', controller: string, v1Mounts: string[] = [controller]): Promise<CgroupDir[]> {
  const text = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
  const out: CgroupDir[] = [];
  for (const line of parseProcCgroup(text)) {
    if (line.controllers.includes(controller)) for (const mount of v1Mounts) out.push({ dir: `/sys/fs/cgroup/${mount}${line.path}`, version: 1 });
    else if (line.controllers.length === 0) out.push({ dir: `/sys/fs/cgroup${line.path}`, version: 2 });
  }
  return out;
}

/** The first candidate `read` gives a value for; undefined when none. */
export async function firstReadable<C, V>(candidates: C[], read: (c: C) => Promise<V | undefined>): Promise<C | undefined> {
  for (const c of candidates) if ((await read(c)) !== undefined) return c;
  return undefined;
}
