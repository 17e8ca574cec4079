/**
 * The Docker sandbox: one fresh container per session or measurement, created
 * through dockerode with the settings of docker-options.ts; docker-sandbox.ts
 * runs its commands.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { SystemError, describeError } from '../errors.js';
import { failpoint } from '../failpoint.js';
import { ContainerCounters } from './docker-counters.js';
import { containerCreateOptions } from './docker-options.js';
import { dockerCopyOut, openVolumes } from './docker-copy.js';
import { DockerSandbox } from './docker-sandbox.js';
import { sweepDocker } from './docker-sweep.js';
import { ENGINE_CALL_MS, dockerClient, statusCodeOf, withTimeout } from './engine.js';
import { currentOwner, type Owner } from './owner.js';
import { adoptRootEntries, giveBack, lend, sandboxUser } from './ownership.js';
import type { CopyOptions, SandboxHandle, SandboxProvider, SandboxStartOptions, SweepResult } from './types.js';
import { LABEL, selectOrphans } from './sweep.js';
import { isProcessAlive } from './owner.js';

export { sweepDocker } from './docker-sweep.js';

export interface DockerProviderOptions {
  /**
   * Where the OOM and pids counters are read: `auto` uses the host's
   * /sys/fs/cgroup when the engine is local (free), else an exec inside the
   * container (OOM) and the engine's stats (pids) after each command; `inside`
   * always does the latter.
   */
  oomCounter?: 'auto' | 'inside';
}

export class DockerSandboxProvider implements SandboxProvider {
  readonly kind = 'docker';
  readonly privateWorkspaces = true;
  /** Sandboxes this provider started and has not stopped yet. */
  private readonly live = new Set<SandboxHandle>();

  constructor(
    private readonly docker: Docker = dockerClient(),
    private readonly owner: Owner = currentOwner(),
    private readonly options: DockerProviderOptions = {},
  ) {}

  async start(options: SandboxStartOptions): Promise<SandboxHandle> {
    const user = await sandboxUser(options.mounts);
    const which = options.labels.key ?? String(options.labels.iteration);
    const name = `baton-${options.labels.experiment}-${which}-${options.role}-${randomBytes(3).toString('hex')}`;
    const create = containerCreateOptions(options, this.owner, user, name);
    // Recorded before the first chown: a kill before the container (and its label) exists still leaves a trace to undo.
    const record = options.lendRecords ? path.join(options.lendRecords, `${name}.json`) : undefined;
    await lend(user, record);
    for (const m of options.mounts) {
      if (!m.readOnly && !user.lend.some((l) => l.path === m.hostPath)) await adoptRootEntries(m.hostPath, user);
    }
    failpoint('sandbox:lent');
    let container: Docker.Container | undefined;
    try {
      container = await withTimeout(this.docker.createContainer(create), ENGINE_CALL_MS, 'creating the container');
      await withTimeout(container.start(), ENGINE_CALL_MS, 'starting the container');
      if (options.volumes?.length) await openVolumes(container, options.volumes);
      const info = await container.inspect();
      const hostLocal = !process.env.DOCKER_HOST && this.options.oomCounter !== 'inside';
      const counters = await ContainerCounters.open(container, info.State.Pid, hostLocal);
      const sandbox = new DockerSandbox(container, user, counters, options.workdir ?? '/workspace', this.live, record);
      this.live.add(sandbox);
      return sandbox;
    } catch (e) {
      await container?.remove({ force: true, v: true }).catch(() => undefined);
      await giveBack(user.lend, user, record);
      const missing = statusCodeOf(e) === 404 ? ' (image missing? run `baton sandbox build`)' : '';
      throw new SystemError(`Could not start a Docker sandbox from ${create.Image}${missing}: ${describeError(e)}`, {
        code: 'BATON_SANDBOX',
        cause: e,
        context: { image: create.Image },
      });
    }
  }

  /** Of `names`, the images the engine does not have (an engine error counts as missing: `check` then names the image). */
  async missingImages(names: string[]): Promise<string[]> {
    const missing: string[] = [];
    for (const name of names) {
      const found = await withTimeout(this.docker.getImage(name).inspect(), ENGINE_CALL_MS, 'inspecting an image').then(
        () => true,
        () => false,
      );
      if (!found) missing.push(name);
    }
    return missing;
  }

  /** Removes baton's containers whose owner is gone from this host; a SystemError when the engine fails. */
  async sweep(filter: { experiment?: string } = {}): Promise<SweepResult> {
    try {
      return await sweepDocker(this.docker, this.owner.host, filter);
    } catch (e) {
      throw new SystemError(`Could not sweep baton's containers: ${describeError(e)}`, {
        code: 'BATON_SANDBOX',
        cause: e,
        context: { hint: 'Run `baton sandbox doctor` to check the Docker engine.' },
      });
    }
  }

  async salvage(filter: { experiment: string }, containerPath: string, destFor: (key: string) => string | undefined, options?: CopyOptions): Promise<string[]> {
    const docker = this.docker;
    const labels = [LABEL.ownerPid, `${LABEL.experiment}=${filter.experiment}`, LABEL.session, `${LABEL.role}=worker`];
    const list = await withTimeout(docker.listContainers({ all: true, filters: { label: labels } }), ENGINE_CALL_MS, 'listing containers');
    const orphans = selectOrphans(
      list.map((c) => ({ id: c.Id, labels: c.Labels ?? {} })),
      this.owner.host,
      isProcessAlive,
      filter,
    ).remove;
    const saved: string[] = [];
    for (const o of orphans) {
      const key = o.labels[LABEL.session];
      const dest = key ? destFor(key) : undefined;
      if (!key || !dest) continue;
      const container = docker.getContainer(o.id);
      try {
        // Frozen: the commands the dead harness left running cannot change the tree while it is read.
        const info = await withTimeout(container.inspect(), ENGINE_CALL_MS, 'inspecting the container');
        if (info.State.Running && !info.State.Paused) await withTimeout(container.pause(), ENGINE_CALL_MS, 'pausing the container');
        await dockerCopyOut(container, containerPath, dest, options);
        saved.push(key);
      } catch {
        fs.rmSync(dest, { recursive: true, force: true });
      }
    }
    return saved;
  }

  async stopAll(spare?: ReadonlySet<SandboxHandle>): Promise<void> {
    await Promise.all([...this.live].filter((s) => !spare?.has(s)).map((s) => s.stop().catch(() => undefined)));
  }
}
