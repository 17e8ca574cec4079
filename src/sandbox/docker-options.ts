/** The container baton creates for a sandbox: every isolation setting in one pure function. */
import type Docker from 'dockerode';
import { parseSize } from '../spec/units.js';
import { SANDBOX_HOME } from './defaults.js';
import type { Owner } from './owner.js';
import type { SandboxUser } from './ownership.js';
import { LABEL } from './sweep.js';
import type { SandboxStartOptions } from './types.js';

/** Size of the tmpfs holding $HOME (the root filesystem is read-only). */
export const HOME_TMPFS_BYTES = 256 * 1024 ** 2;

/** The create options of a sandbox container (pure). */
export function containerCreateOptions(options: SandboxStartOptions, owner: Owner, user: SandboxUser, name: string): Docker.ContainerCreateOptions {
  const { spec } = options;
  const memory = parseSize(spec.memory);
  const labels: Record<string, string> = {
    [LABEL.experiment]: options.labels.experiment,
    [LABEL.run]: options.labels.run,
    [LABEL.iteration]: String(options.labels.iteration),
    [LABEL.role]: options.role,
    [LABEL.ownerPid]: String(owner.pid),
    [LABEL.ownerHost]: owner.host,
  };
  if (options.labels.lane !== undefined) labels[LABEL.lane] = String(options.labels.lane);
  if (options.labels.key !== undefined) labels[LABEL.session] = options.labels.key;
  if (owner.start !== undefined) labels[LABEL.ownerStart] = owner.start;
  if (user.lend.length > 0) labels[LABEL.lent] = JSON.stringify({ uid: user.uid, gid: user.gid, lent: user.lend });
  return {
    name,
    Image: options.image ?? spec.image,
    // The container only hosts execs; tini (Init) is PID 1 and reaps their orphans.
    Entrypoint: [],
    Cmd: ['sleep', 'infinity'],
    // The container's own processes (tini, sleep) run as a uid no exec uses: same-uid ptrace would let candidate code
    // take over the process every kill step spares and outlive its phase (red team 2). Execs name their user.
    User: keeperUser(user),
    WorkingDir: options.workdir ?? '/workspace',
    // Only what the caller passes: never the harness's own environment.
    Env: [`HOME=${SANDBOX_HOME}`, ...Object.entries(options.env).map(([k, v]) => `${k}=${v}`)],
    Labels: labels,
    NetworkDisabled: spec.network === 'none',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    HostConfig: {
      NetworkMode: spec.network === 'none' ? 'none' : spec.network,
      ReadonlyRootfs: true,
      Tmpfs: {
        '/tmp': `rw,nosuid,nodev,size=${parseSize(spec.tmp)},mode=1777`,
        [SANDBOX_HOME]: `rw,nosuid,nodev,size=${HOME_TMPFS_BYTES},mode=0755,uid=${user.uid},gid=${user.gid}`,
      },
      Memory: memory,
      MemorySwap: memory,
      NanoCpus: Math.round(spec.cpus * 1e9),
      PidsLimit: spec.pids,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Init: true,
      Mounts: [
        ...options.mounts.map((m) => ({ Type: 'bind' as const, Source: m.hostPath, Target: m.containerPath, ReadOnly: m.readOnly })),
        // Anonymous volumes: writable under the read-only root, reachable by putArchive (a tmpfs is not), removed with the container.
        // NoCopy: they start empty and root's, never with what the image holds at that path (nor its owner: openVolumes must chmod).
        ...(options.volumes ?? []).map(
          // dockerode's type asks for every VolumeOptions field; the engine needs none but NoCopy.
          (target) => ({ Type: 'volume', Source: '', Target: target, VolumeOptions: { NoCopy: true } }) as Docker.MountSettings,
        ),
      ],
      AutoRemove: false,
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}

/** The uid:gid of a sandbox's idle main process: never the sandbox user's (nobody, or 65533 when the sandbox user is nobody). */
export function keeperUser(user: { uid: number }): string {
  return user.uid === 65534 ? '65533:65533' : '65534:65534';
}

/** The argv of an exec: killed inside the container at the timeout, and hard-killed `graceS` later. */
export function execArgv(command: string, timeoutMs: number, graceS: number): string[] {
  return ['timeout', '-k', `${graceS}s`, `${(timeoutMs / 1000).toFixed(3)}s`, 'bash', '-c', command];
}
