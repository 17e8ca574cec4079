/**
 * Docker sandboxes on other machines (`sandbox.hosts`), reached over SSH
 * (ssh-engine.ts), with no filesystem shared with this one. What a local
 * sandbox gets as a bind mount, a remote one gets as a copy:
 *
 * - a read-only mount is an anonymous volume filled through the engine
 *   before any command runs, every entry root's and no entry writable by
 *   group or others, so the sandbox user (never root, no capabilities) can
 *   read it and change nothing in it;
 * - a writable mount ($BATON_OUT) is a volume of the sandbox user's, and
 *   after every command its tree is copied back over the host folder with
 *   copyOut's hostile-tree rules: links leading outside, devices, FIFOs and
 *   `.git` are left out, so what the host reads is never more than plain
 *   files and links inside the folder. Code that runs inside the sandbox
 *   with more rights than the candidate (the command oracle's `evaluate`)
 *   must check the volume itself, not the host's copy (command/oracle.ts).
 *
 * Each sandbox goes to the host with the fewest of this run's sandboxes;
 * sweeps, salvage and image checks ask every host.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { SystemError, describeError } from '../errors.js';
import { DEFAULT_EXEC_TIMEOUT_MS } from './defaults.js';
import { ContainerCounters } from './docker-counters.js';
import { dockerCopyIn, dockerCopyOut, openVolumes } from './docker-copy.js';
import { containerCreateOptions } from './docker-options.js';
import { DockerSandbox } from './docker-sandbox.js';
import { DockerSandboxProvider } from './docker.js';
import { ENGINE_CALL_MS, statusCodeOf, withTimeout } from './engine.js';
import { currentOwner, type Owner } from './owner.js';
import { SANDBOX_GID, SANDBOX_UID, type SandboxUser } from './ownership.js';
import type { SshEngine } from './ssh-engine.js';
import type {
  CopyOptions,
  CopyResult,
  CpuUsage,
  ExecOptions,
  ExecResult,
  HostMount,
  SandboxHandle,
  SandboxProvider,
  SandboxStartOptions,
  SweepResult,
} from './types.js';

/** Read-only copies: owner root, and only the owner may write (the sandbox user is never root). */
const READ_ONLY_MASK = 0o755;
const ROOT = { uid: 0, gid: 0 };
/** The longest a copy back of writable mounts may take after one command. */
const MIRROR_MAX_MS = 5 * 60_000;
/** How long a host whose start failed is tried after the others. */
const HOST_DOWN_MS = 60_000;

export class RemoteDockerProvider implements SandboxProvider {
  readonly kind = 'docker';
  readonly privateWorkspaces = true;
  /** Mounts are copies (module comment): a session cannot work on the live workspace, so runs go through lanes. */
  readonly sharesHostFolders = false;
  private readonly user: SandboxUser = { uid: SANDBOX_UID, gid: SANDBOX_GID, lend: [] };
  /** Per host: sandboxes started and not stopped. */
  private readonly live: Set<SandboxHandle>[];
  /** Per host: starts under way (counted as load, so lanes starting at once spread). */
  private readonly starting: number[];
  /** Per host: until when (ms) a host whose start failed is tried last. */
  private readonly downUntil: number[];
  /** Per host: the local provider's sweep, salvage and image checks, on that host's engine. */
  private readonly each: DockerSandboxProvider[];

  constructor(
    readonly engines: SshEngine[],
    private readonly owner: Owner = currentOwner(),
  ) {
    this.live = engines.map(() => new Set());
    this.starting = engines.map(() => 0);
    this.downUntil = engines.map(() => 0);
    this.each = engines.map((e) => new DockerSandboxProvider(e.docker, owner, { oomCounter: 'inside' }));
  }

  /**
   * The hosts in the order a start tries them: those not marked down, by
   * fewest sandboxes of this run (started or starting; the first of equals),
   * then those marked down, in case they are back.
   */
  private order(): number[] {
    const now = Date.now();
    const load = (i: number) => this.live[i].size + this.starting[i];
    return this.engines.map((_, i) => i).sort((a, b) => Number(this.downUntil[a] > now) - Number(this.downUntil[b] > now) || load(a) - load(b) || a - b);
  }

  /**
   * A sandbox on the first host of order() that can start one; a host that
   * fails is tried last for a minute, and the start goes on to the next. A
   * SystemError naming every host's failure when none can.
   */
  async start(options: SandboxStartOptions): Promise<SandboxHandle> {
    const failures: SystemError[] = [];
    for (const at of this.order()) {
      this.starting[at]++;
      try {
        const sandbox = await this.startOn(at, options);
        this.downUntil[at] = 0;
        return sandbox;
      } catch (e) {
        if (!(e instanceof SystemError) || e.code !== 'BATON_SANDBOX' || e.context?.host === undefined) throw e;
        failures.push(e);
        this.downUntil[at] = Date.now() + HOST_DOWN_MS;
      } finally {
        this.starting[at]--;
      }
    }
    if (failures.length === 1) throw failures[0];
    throw new SystemError(`Could not start a sandbox on any of ${failures.length} hosts: ${failures.map((f) => f.message).join('; ')}`, {
      code: 'BATON_SANDBOX',
      cause: failures[0],
    });
  }

  private async startOn(at: number, options: SandboxStartOptions): Promise<SandboxHandle> {
    const engine = this.engines[at];
    const docker = engine.docker;
    const which = options.labels.key ?? String(options.labels.iteration);
    const name = `baton-${options.labels.experiment}-${which}-${options.role}-${randomBytes(3).toString('hex')}`;
    const writable = options.mounts.filter((m) => !m.readOnly);
    // A writable mount is mirrored over its host folder after each command: never a repository's folder (the live workspace).
    const repo = writable.find((m) => fs.existsSync(path.join(m.hostPath, '.git')));
    if (repo)
      throw new SystemError(`a remote sandbox cannot take ${repo.hostPath} writable: it holds a repository, which a copy back would replace`, {
        code: 'BATON_SANDBOX',
      });
    const volumes = [...options.mounts.map((m) => m.containerPath), ...(options.volumes ?? [])];
    const create = containerCreateOptions({ ...options, mounts: [], volumes }, this.owner, this.user, name);
    let container: Docker.Container | undefined;
    try {
      container = await withTimeout(docker.createContainer(create), ENGINE_CALL_MS, 'creating the container');
      await withTimeout(container.start(), ENGINE_CALL_MS, 'starting the container');
      const open = [...writable.map((m) => m.containerPath), ...(options.volumes ?? [])];
      if (open.length) await openVolumes(container, open);
      for (const m of options.mounts) {
        if (m.readOnly) await dockerCopyIn(container, ROOT, m.hostPath, m.containerPath, { modeMask: READ_ONLY_MASK });
        else await dockerCopyIn(container, this.user, m.hostPath, m.containerPath);
      }
      const info = await withTimeout(container.inspect(), ENGINE_CALL_MS, 'inspecting the container');
      const counters = await ContainerCounters.open(container, info.State.Pid, false);
      const live = this.live[at];
      const inner = new DockerSandbox(container, this.user, counters, options.workdir ?? '/workspace', live);
      const sandbox = new RemoteDockerSandbox(inner, container, writable, engine.target.url);
      // The inner sandbox leaves `live` when stopped; the outer one is what callers hold.
      live.add(inner);
      return sandbox;
    } catch (e) {
      await container?.remove({ force: true, v: true }).catch(() => undefined);
      const missing = statusCodeOf(e) === 404 ? ` (image missing there? run \`baton sandbox build --host ${engine.target.url}\`)` : '';
      throw new SystemError(`Could not start a Docker sandbox from ${create.Image} on ${engine.target.url}${missing}: ${describeError(e)}`, {
        code: 'BATON_SANDBOX',
        cause: e,
        context: { image: create.Image, host: engine.target.url },
      });
    }
  }

  async missingImages(names: string[]): Promise<string[]> {
    const missing = new Set<string>();
    for (const [i, p] of this.each.entries()) {
      for (const name of await p.missingImages(names)) missing.add(`${name} (on ${this.engines[i].target.url})`);
    }
    return [...missing];
  }

  async sweep(filter: { experiment?: string } = {}): Promise<SweepResult> {
    const all: SweepResult = { removed: [], kept: [] };
    for (const p of this.each) {
      const r = await p.sweep(filter);
      all.removed.push(...r.removed);
      all.kept.push(...r.kept);
    }
    return all;
  }

  async salvage(filter: { experiment: string }, containerPath: string, destFor: (key: string) => string | undefined, options?: CopyOptions): Promise<string[]> {
    const saved: string[] = [];
    for (const p of this.each) saved.push(...(await p.salvage(filter, containerPath, destFor, options)));
    return saved;
  }

  async stopAll(spare?: ReadonlySet<SandboxHandle>): Promise<void> {
    const keep = new Set([...(spare ?? [])].map((s) => (s instanceof RemoteDockerSandbox ? s.inner : s)));
    await Promise.all(this.live.flatMap((set) => [...set].filter((s) => !keep.has(s)).map((s) => s.stop().catch(() => undefined))));
  }

  /** Ends every host's SSH connection. */
  async close(): Promise<void> {
    await Promise.all(this.engines.map((e) => e.close()));
  }
}

/** A remote Docker sandbox: the local one's commands, and writable mounts copied back after each. */
export class RemoteDockerSandbox implements SandboxHandle {
  readonly kind = 'docker';
  readonly execAsUser = true;
  readonly id: string;

  constructor(
    readonly inner: DockerSandbox,
    private readonly container: Docker.Container,
    private readonly writable: HostMount[],
    /** The host, for messages. */
    readonly host: string,
  ) {
    this.id = inner.id;
  }

  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    const r = await this.inner.exec(command, options);
    try {
      // Bounded by the command's own timeout: a tree written to be slow to copy costs the measurement's time, not more.
      await this.mirror(Math.min(options?.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS, MIRROR_MAX_MS));
    } catch (e) {
      return {
        ...r,
        exitCode: r.exitCode === 0 ? null : r.exitCode,
        cause: `its output folders could not be copied back from ${this.host}: ${describeError(e)}`,
      };
    }
    return r;
  }

  /**
   * Replaces each writable mount's host folder with the sandbox's tree of it:
   * copied out beside it first (hostile-tree rules, limits), then swapped in.
   */
  private async mirror(timeoutMs: number): Promise<void> {
    for (const m of this.writable) {
      const part = `${m.hostPath}.from-${randomBytes(4).toString('hex')}`;
      try {
        await dockerCopyOut(this.container, m.containerPath, part, { timeoutMs });
        for (const e of fs.readdirSync(m.hostPath)) fs.rmSync(path.join(m.hostPath, e), { recursive: true, force: true });
        for (const e of fs.readdirSync(part)) fs.renameSync(path.join(part, e), path.join(m.hostPath, e));
      } finally {
        fs.rmSync(part, { recursive: true, force: true });
      }
    }
  }

  status(): Promise<{ running: boolean; cause?: string }> {
    return this.inner.status();
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  interrupt(): Promise<void> {
    return this.inner.interrupt();
  }

  pause(): Promise<() => Promise<void>> {
    return this.inner.pause();
  }

  cpuUsage(): Promise<CpuUsage | undefined> {
    return this.inner.cpuUsage();
  }

  copyIn(hostDir: string, containerPath: string, options?: CopyOptions): Promise<CopyResult> {
    return this.inner.copyIn(hostDir, containerPath, options);
  }

  copyOut(containerPath: string, hostDir: string, options?: CopyOptions): Promise<CopyResult> {
    return this.inner.copyOut(containerPath, hostDir, options);
  }
}
