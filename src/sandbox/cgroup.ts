/**
 * Memory and process limits of the local sandbox through cgroup v1, where
 * this process may create cgroups (root on a v1 host). Elsewhere the local
 * sandbox falls back to prlimit and cannot tell an OOM kill apart.
 */
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { cgroupDirs } from './cgroup-files.js';
import { parseOomKills } from './oom.js';

export interface LocalCgroup {
  /** cgroup.procs files a process writes its pid into to join. */
  procsFiles: string[];
  oomFile: string;
  remove(): Promise<void>;
}

/** This process's v1 folder of `controller`; undefined on a v2-only host. */
async function ownDir(controller: string): Promise<string | undefined> {
  return (await cgroupDirs('self', controller)).find((d) => d.version === 1)?.dir;
}

/** Creates memory and pids cgroups named `name` with the limits; undefined when not possible here. */
export async function createLocalCgroup(name: string, memoryBytes: number, pids: number): Promise<LocalCgroup | undefined> {
  const memDir = await ownDir('memory');
  const pidsDir = await ownDir('pids');
  if (memDir === undefined || pidsDir === undefined) return undefined;
  const mem = `${memDir}/${name}`.replace('//', '/');
  const pid = `${pidsDir}/${name}`.replace('//', '/');
  try {
    await mkdir(mem);
    await mkdir(pid);
    await writeFile(`${mem}/memory.limit_in_bytes`, String(memoryBytes));
    await writeFile(`${mem}/memory.memsw.limit_in_bytes`, String(memoryBytes)).catch(() => undefined);
    await writeFile(`${pid}/pids.max`, String(pids));
    const oomText = await readFile(`${mem}/memory.oom_control`, 'utf8');
    if (parseOomKills(oomText) === undefined) throw new Error('no oom_kill counter');
  } catch {
    await rmdir(mem).catch(() => undefined);
    await rmdir(pid).catch(() => undefined);
    return undefined;
  }
  return {
    procsFiles: [`${mem}/cgroup.procs`, `${pid}/cgroup.procs`],
    oomFile: `${mem}/memory.oom_control`,
    remove: async () => {
      await rmdir(mem).catch(() => undefined);
      await rmdir(pid).catch(() => undefined);
    },
  };
}
