/**
 * The counters of a container the host reads around its commands: CPU
 * seconds, pids in use, OOM kills. From the container's cgroup files on this
 * host when the engine runs here (free, and beyond the container's reach),
 * else from the engine's stats and, for the OOM counter, an exec inside.
 */
import type Docker from 'dockerode';
import { hostCpuFile, readHostCpuSeconds, statsCpuSeconds, type HostCpuFile } from './cpu.js';
import { ENGINE_CALL_MS, withTimeout } from './engine.js';
import { IN_CONTAINER_OOM_READ, hostOomCounterFile, parseOomKills, readOomKills } from './oom.js';
import { CappedOutput, Demuxer } from './output.js';
import { hostPidsDir, readHostPids, type PidsUsage } from './pids.js';

/** The container's cgroup files on this host, when the engine runs here; read after every exec at no cost. */
interface HostFiles {
  oomFile?: string;
  pidsDir?: string;
  cpuFile?: HostCpuFile;
}

async function hostFiles(pid: number, local: boolean): Promise<HostFiles> {
  if (!local) return {};
  return { oomFile: await hostOomCounterFile(pid), pidsDir: await hostPidsDir(pid), cpuFile: await hostCpuFile(pid) };
}

export class ContainerCounters {
  private oomSeen = 0;

  private constructor(
    private readonly container: Docker.Container,
    /** The engine runs on this host, so its cgroup files are readable here. */
    private readonly local: boolean,
    private files: HostFiles,
  ) {}

  /** The counters of `container`, whose main process is `pid` on the engine's host. */
  static async open(container: Docker.Container, pid: number, local: boolean): Promise<ContainerCounters> {
    return new ContainerCounters(container, local, await hostFiles(pid, local));
  }

  /** After a restart: the cgroup is new, so its files moved and its OOM counter starts from zero. */
  async reopen(pid: number): Promise<void> {
    this.files = await hostFiles(pid, this.local);
    this.oomSeen = 0;
  }

  /** Whether the OOM counter is read from a host file (an exec inside needs a free pid). */
  get oomOnHost(): boolean {
    return this.files.oomFile !== undefined;
  }

  /** CPU seconds of every process of the container: the host's cgroup file when the engine is local, else the engine's stats. */
  async cpuSeconds(): Promise<number | undefined> {
    if (this.files.cpuFile) return readHostCpuSeconds(this.files.cpuFile);
    try {
      return statsCpuSeconds(await withTimeout(this.container.stats({ stream: false, 'one-shot': true }), ENGINE_CALL_MS, 'reading the container stats'));
    } catch {
      return undefined;
    }
  }

  /** pids.current and pids.max: from the host's cgroup folder when the engine is local, else the engine's stats. */
  async pids(): Promise<PidsUsage | undefined> {
    if (this.files.pidsDir) return readHostPids(this.files.pidsDir);
    try {
      const stats = await withTimeout(this.container.stats({ stream: false, 'one-shot': true }), ENGINE_CALL_MS, 'reading the container stats');
      const p = stats.pids_stats;
      if (p?.current === undefined) return undefined;
      return { current: p.current, max: p.limit !== undefined && p.limit > 0 ? p.limit : undefined };
    } catch {
      return undefined;
    }
  }

  /** Whether the container's oom_kill counter rose since the last look. */
  async oomKilledSinceLastLook(): Promise<boolean> {
    let count: number | undefined;
    if (this.files.oomFile) count = await readOomKills(this.files.oomFile);
    else count = await this.readOomInside();
    if (count === undefined || count <= this.oomSeen) return false;
    this.oomSeen = count;
    return true;
  }

  private async readOomInside(): Promise<number | undefined> {
    const read = async () => {
      const exec = await this.container.exec({ Cmd: ['sh', '-c', IN_CONTAINER_OOM_READ], AttachStdout: true, AttachStderr: false });
      const stream = await exec.start({ hijack: true, stdin: false });
      const out = new CappedOutput(64 * 1024);
      const demux = new Demuxer(
        (b) => out.push(b),
        () => undefined,
      );
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
}
