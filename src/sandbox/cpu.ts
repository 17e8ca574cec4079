/**
 * The CPU time every process of a sandbox used, read by the host from the
 * container's cgroup (cgroup v2 `cpu.stat` usage_usec, v1
 * `cpuacct.usage` in nanoseconds). The benchmark oracle's `time: cpu` reads
 * it right before and right after a timed command: the difference counts
 * every process the command started, and no process inside the sandbox can
 * change the counter (cgroups are the kernel's, read-only in the container).
 * Decisions are here, pure; docker-counters.ts reads the files or the engine's stats.
 */
import { readFile } from 'node:fs/promises';
import { cgroupDirs, firstReadable } from './cgroup-files.js';

/** Where a container's CPU counter lives on this host, and how to read it. */
export interface HostCpuFile {
  file: string;
  format: 'cpu.stat' | 'cpuacct.usage';
}

/** Seconds of CPU in a cgroup v2 cpu.stat text (usage_usec); undefined when absent. */
export function parseCpuStat(text: string): number | undefined {
  const m = /^usage_usec\s+(\d+)\s*$/m.exec(text);
  return m ? Number(m[1]) / 1e6 : undefined;
}

/** Seconds of CPU in a cgroup v1 cpuacct.usage text (nanoseconds); undefined when not a number. */
export function parseCpuacctUsage(text: string): number | undefined {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) / 1e9 : undefined;
}

function parse(format: HostCpuFile['format'], text: string): number | undefined {
  return format === 'cpu.stat' ? parseCpuStat(text) : parseCpuacctUsage(text);
}

/** The host file of the CPU counter of process `pid`'s cgroup (v1 cpuacct, then v2), from /proc/PID/cgroup. */
export async function hostCpuFile(pid: number): Promise<HostCpuFile | undefined> {
  // v1 mounts cpuacct alone or co-mounted with cpu ("cpu,cpuacct"); both names are tried.
  const dirs = await cgroupDirs(pid, 'cpuacct', ['cpuacct', 'cpu,cpuacct', 'cpuacct,cpu']);
  const candidates = dirs.map(
    (d): HostCpuFile => (d.version === 1 ? { file: `${d.dir}/cpuacct.usage`, format: 'cpuacct.usage' } : { file: `${d.dir}/cpu.stat`, format: 'cpu.stat' }),
  );
  return firstReadable(candidates, readHostCpuSeconds);
}

/** The counter in seconds from a host file; undefined when unreadable. */
export async function readHostCpuSeconds(f: HostCpuFile): Promise<number | undefined> {
  const text = await readFile(f.file, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parse(f.format, text);
}

/** Seconds of CPU in the engine's stats of a container (cpu_stats.cpu_usage.total_usage, nanoseconds). */
export function statsCpuSeconds(stats: unknown): number | undefined {
  const total = (stats as { cpu_stats?: { cpu_usage?: { total_usage?: unknown } } } | null)?.cpu_stats?.cpu_usage?.total_usage;
  return typeof total === 'number' && Number.isFinite(total) && total >= 0 ? total / 1e9 : undefined;
}
