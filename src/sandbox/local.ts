/**
 * The local sandbox, for machines without a reachable Docker engine (or
 * `sandbox.kind: local`): each command runs under bubblewrap with a read-only
 * host root, the given mounts, a private /tmp and $HOME, no network, and
 * memory and process limits (cgroup v1 where possible, else prlimit). Without
 * bubblewrap, commands run as plain processes and the provider carries a
 * warning that nothing is isolated, for the caller to print once.
 *
 * Untrusted commands never run as root: a root harness has bwrap make the
 * mounts as root and setpriv drop to the sandbox user (ownership.ts: the owner
 * of the workspace, or 1000:1000 for a root-owned one, which is lent for the
 * sandbox's life and handed back at stop) with no capability. An unprivileged
 * harness runs bwrap as itself, in a user namespace without capabilities.
 * Files written to the mounts belong to that user while the sandbox runs.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { chown, mkdtemp, mkdir, readdir, readlink, rm, lstat } from 'node:fs/promises';
import os from 'node:os';
import type { Readable } from 'node:stream';
import path from 'node:path';
import { execa } from 'execa';
import { UserError } from '../errors.js';
import { parseSize } from '../spec/units.js';
import { createLocalCgroup, type LocalCgroup } from './cgroup.js';
import { DEFAULT_EXEC_TIMEOUT_MS, DEFAULT_MAX_OUTPUT_BYTES, KILL_GRACE_S, SANDBOX_HOME } from './defaults.js';
import { HIDDEN, capabilityArgs, dropArgs, hostPathFor, sandboxCommand } from './local-args.js';
import { readOomKills } from './oom.js';
import { classifyExit, execResult } from './exec-outcome.js';
import { CappedOutput } from './output.js';
import { SANDBOX_GID, SANDBOX_UID, giveBack, lend, sandboxUser, type SandboxUser } from './ownership.js';
import { extractTree } from './tree-extract.js';
import { treeLimits } from './tree-limits.js';
import { packTree } from './tree-pack.js';
import type { CopyOptions, CopyResult, ExecOptions, ExecResult, HostMount, SandboxHandle, SandboxProvider, SandboxStartOptions, SweepResult } from './types.js';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** What baton-base's image sets (containers/base/Dockerfile), so a command sees the same under either kind: no .pyc written into the workspace. */
const IMAGE_ENV = { LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', npm_config_update_notifier: 'false' };

/**
 * How another kind runs the local sandbox's commands elsewhere (the Slurm
 * kind: inside a job's allocation, slurm.ts): the bubblewrap command line is
 * the same, put after `prefix`; the limits are the job's, so no cgroup or
 * rlimit of this machine is made; the sandbox's folders go under `dirBase`
 * (a filesystem the node shares).
 */
export interface LocalLaunch {
  prefix: string[];
  dirBase: string;
}

export const NO_ISOLATION_WARNING =
  'WARNING: bubblewrap (bwrap) is not available, so baton runs sandbox commands as plain processes on this machine. ' +
  'NOTHING IS ISOLATED: the agent and the oracles can read and change any file this user can, and reach the network. ' +
  'Install bubblewrap (apt-get install bubblewrap) or start a Docker engine.';

const isRoot = (): boolean => process.getuid?.() === 0;

/** Whether bwrap can create a sandbox here as the sandbox would (installed, namespaces allowed, and as root: setpriv drops to a user). */
export async function bwrapWorks(): Promise<boolean> {
  const dropTo = isRoot() ? { uid: SANDBOX_UID, gid: SANDBOX_GID } : undefined;
  const probe = [
    '--ro-bind',
    '/',
    '/',
    '--unshare-net',
    '--unshare-pid',
    ...capabilityArgs(dropTo),
    '--die-with-parent',
    '--chdir',
    '/',
    '--',
    ...dropArgs(dropTo),
    'true',
  ];
  const r = await execa('bwrap', probe, {
    reject: false,
    timeout: 10_000,
  }).catch(() => undefined);
  return r?.exitCode === 0;
}

export class LocalSandboxProvider implements SandboxProvider {
  readonly kind = 'local';
  /** Sandboxes this provider started and has not stopped yet. */
  private readonly live = new Set<SandboxHandle>();

  /**
   * `isolation` is 'bwrap' or 'none'; see localSandboxProvider() to detect it.
   * `hidden`: host folders every sandbox sees as empty besides HIDDEN, such as
   * the experiment's folder (its oracle/, .baton/ and the other sandboxes'
   * folders), which a session with no mount would otherwise read through
   * the read-only host root.
   */
  constructor(
    readonly isolation: 'bwrap' | 'none',
    private readonly hidden: string[] = [],
  ) {}

  /** Bubblewrap binds a private folder at a sandbox path; plain processes cannot. */
  get privateWorkspaces(): boolean {
    return this.isolation === 'bwrap';
  }

  /** The warning to print once per run when nothing is isolated. */
  get warning(): string | undefined {
    return this.isolation === 'none' ? NO_ISOLATION_WARNING : undefined;
  }

  async start(options: SandboxStartOptions, launch?: LocalLaunch): Promise<SandboxHandle> {
    const id = `local-${randomBytes(4).toString('hex')}`;
    // Plain processes as root are refused before this (isolation.ts decideLocal); bwrap as root drops to this user.
    const user = this.isolation === 'bwrap' && isRoot() ? await sandboxUser(options.mounts) : undefined;
    if (user && (user.uid === 0 || user.gid === 0)) {
      const ws = options.mounts.find((m) => !m.readOnly)?.hostPath ?? '(no writable mount)';
      throw new UserError(
        `${ws} is owned by ${user.uid}:${user.gid}, and the local sandbox runs as the owner of its writable folders, but never with uid or gid 0. ` +
          `Give it an owner without group 0 (\`chgrp -R <group> ${ws}\`) or keep it owned by root.`,
        { code: 'BATON_SANDBOX', context: { path: ws } },
      );
    }
    if (options.volumes?.length && this.isolation !== 'bwrap') {
      throw new UserError(
        'the local sandbox without bubblewrap cannot give commands a private folder at a sandbox path (volumes); install bubblewrap or use Docker',
        {
          code: 'BATON_SANDBOX',
          context: { volumes: options.volumes },
        },
      );
    }
    // Recorded before the first chown, so a kill at any instant leaves the lending for the next run to undo (ownership.ts).
    const record = user && options.lendRecords ? path.join(options.lendRecords, `${id}.json`) : undefined;
    const dir = await mkdtemp(path.join(launch?.dirBase ?? os.tmpdir(), 'baton-local-'));
    let cgroup: LocalCgroup | undefined;
    try {
      await mkdir(path.join(dir, 'tmp'), { mode: 0o1777 });
      await mkdir(path.join(dir, 'home'));
      if (user) {
        await chown(path.join(dir, 'tmp'), user.uid, user.gid);
        await chown(path.join(dir, 'home'), user.uid, user.gid);
        await lend(user, record);
      }
      const volumes: HostMount[] = [];
      for (const [i, containerPath] of (options.volumes ?? []).entries()) {
        const hostPath = path.join(dir, 'volumes', String(i));
        await mkdir(hostPath, { recursive: true });
        if (user) await chown(hostPath, user.uid, user.gid);
        volumes.push({ hostPath, containerPath, readOnly: false });
      }
      if (!launch) cgroup = await createLocalCgroup(`baton-${id}`, parseSize(options.spec.memory), options.spec.pids);
      const sandbox = new LocalSandbox(
        id,
        this.isolation,
        options,
        dir,
        cgroup,
        await rootEntries(),
        await realDirs([...HIDDEN, ...this.hidden.filter((d) => path.resolve(d) !== '/')]),
        this.live,
        volumes,
        user,
        record,
        launch?.prefix,
      );
      this.live.add(sandbox);
      return sandbox;
    } catch (e) {
      await cgroup?.remove();
      await rm(dir, { recursive: true, force: true });
      if (user) await giveBack(user.lend, user, record);
      throw e;
    }
  }

  /** Local sandboxes die with their parent (bwrap --die-with-parent); nothing outlives the harness. */
  async sweep(): Promise<SweepResult> {
    return { removed: [], kept: [] };
  }

  /** Kills their commands and removes their temp folders. */
  async stopAll(spare?: ReadonlySet<SandboxHandle>): Promise<void> {
    await Promise.all([...this.live].filter((s) => !spare?.has(s)).map((s) => s.stop().catch(() => undefined)));
  }
}

/** The local provider with the best isolation this machine offers. */
export async function localSandboxProvider(): Promise<LocalSandboxProvider> {
  return new LocalSandboxProvider((await bwrapWorks()) ? 'bwrap' : 'none');
}

async function realDirs(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) if ((await lstat(p).catch(() => undefined))?.isDirectory()) out.push(p);
  return out;
}

async function rootEntries(): Promise<{ name: string; link?: string }[]> {
  const out: { name: string; link?: string }[] = [];
  for (const name of await readdir('/')) {
    const st = await lstat(`/${name}`).catch(() => undefined);
    if (!st) continue;
    if (st.isSymbolicLink()) out.push({ name, link: await readlink(`/${name}`) });
    else if (st.isDirectory()) out.push({ name });
  }
  return out;
}

class LocalSandbox implements SandboxHandle {
  readonly kind = 'local';
  private stopped = false;
  private oomSeen = 0;
  private readonly running = new Set<ReturnType<typeof execa>>();

  constructor(
    readonly id: string,
    private readonly isolation: 'bwrap' | 'none',
    private readonly options: SandboxStartOptions,
    private readonly dir: string,
    private readonly cgroup: LocalCgroup | undefined,
    private readonly root: { name: string; link?: string }[],
    private readonly hide: string[],
    /** The provider's sandboxes not yet stopped; this one leaves it at stop. */
    private readonly live: Set<SandboxHandle>,
    /** SandboxStartOptions.volumes: folders of `dir` bound at their sandbox paths. */
    private readonly volumes: HostMount[],
    /** Who commands run as when the harness is root (what was lent to it goes back at stop); undefined: the harness's own user. */
    private readonly user?: SandboxUser,
    private readonly lendRecord?: string,
    /** LocalLaunch.prefix: the commands run through it, under its limits instead of this machine's. */
    private readonly prefix?: string[],
  ) {}

  /**
   * Runs `command`; a bubblewrap set-up that failed before the command began
   * (its only output one `bwrap: Can't ... mount` line: a mount of the host,
   * such as a container's overlay under /var/lib/docker, vanished while the
   * host root was being bound) is tried again, at most twice.
   */
  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    for (let attempt = 1; ; attempt++) {
      const r = await this.execOnce(command, opts);
      const setupFailed = r.exitCode === 1 && r.stdout === '' && /^bwrap: Can't [^\n]*mount[^\n]*\n?$/.test(r.stderr);
      if (!setupFailed || attempt >= 3 || this.stopped) return r;
    }
  }

  private async execOnce(command: string, opts: ExecOptions): Promise<ExecResult> {
    const started = performance.now();
    const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const cap = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const stdout = new CappedOutput(cap);
    const stderr = new CappedOutput(cap);
    if (opts.user !== undefined) {
      // Every local command runs as the sandbox's one user; pretending otherwise would
      // hand a caller that relies on the separation (the browser oracle) none.
      return {
        command,
        exitCode: null,
        stdout: '',
        stderr: '',
        timedOut: false,
        oomKilled: false,
        sandboxDied: false,
        outputTruncated: false,
        durationMs: 0,
        cause: `the local sandbox cannot run a command as user ${JSON.stringify(opts.user)}: it runs every command as its one sandbox user (use a Docker sandbox)`,
      };
    }
    const cwd = opts.cwd ?? this.options.workdir ?? '/workspace';
    const bwrap = this.isolation === 'bwrap';
    const home = bwrap ? SANDBOX_HOME : path.join(this.dir, 'home');
    const env = { PATH, ...IMAGE_ENV, HOME: home, TMPDIR: bwrap ? '/tmp' : path.join(this.dir, 'tmp'), ...this.options.env, ...opts.env };
    const spec = this.options.spec;

    const inner = ['timeout', '-k', `${KILL_GRACE_S}s`, `${(timeoutMs / 1000).toFixed(3)}s`, 'bash', '-c', command];
    // Without cgroups, rlimits are what is left (RLIMIT_NPROC counts every process of the sandbox's user on the host).
    const limited = this.cgroup || this.prefix ? inner : ['prlimit', `--nproc=${spec.pids}`, `--as=${parseSize(spec.memory)}`, '--', ...inner];
    const argv = bwrap
      ? sandboxCommand(
          {
            rootEntries: this.root,
            hide: this.hide,
            mounts: [...this.options.mounts, ...this.volumes],
            tmpDir: path.join(this.dir, 'tmp'),
            homeDir: path.join(this.dir, 'home'),
            home: SANDBOX_HOME,
            network: spec.network !== 'none',
            cwd,
            dropTo: this.user && { uid: this.user.uid, gid: this.user.gid },
          },
          limited,
        )
      : limited;
    // Joining the cgroups before exec makes every descendant count against the limits (this shell is still the harness's user).
    const join = this.cgroup ? this.cgroup.procsFiles.map((f) => `echo $$ > ${f}`).join(' && ') + ' && ' : '';
    const hostCwd = bwrap ? process.cwd() : (hostPathFor(cwd, this.options.mounts) ?? cwd);

    const shell = ['/bin/sh', '-c', `${join}exec "$@"`, 'sh', ...argv];
    const [file, ...args] = this.prefix ? [...this.prefix, ...shell] : shell;
    const child = execa(file, args, {
      env,
      extendEnv: false,
      cwd: hostCwd,
      input: opts.stdin ?? '',
      buffer: false,
      reject: false,
      timeout: timeoutMs + KILL_GRACE_S * 1000 + 5_000,
      forceKillAfterDelay: 1_000,
      cleanup: true,
    });
    this.running.add(child);
    child.stdout?.on('data', (b: Buffer) => stdout.push(b));
    child.stderr?.on('data', (b: Buffer) => stderr.push(b));
    const done = await child;
    this.running.delete(child);
    const durationMs = Math.round(performance.now() - started);

    const oomKilled = await this.oomKilledSinceLastExec();
    const code = done.exitCode ?? null;
    const outcome = classifyExit({ exitCode: code, durationMs, timeoutMs, oomKilled, killedByHost: done.timedOut });
    const result = execResult(command, started, stdout, stderr, { ...outcome, durationMs });
    if (outcome.cause === undefined && code === null && done.signal) {
      return { ...result, exitCode: 128 + (os.constants.signals[done.signal as keyof typeof os.constants.signals] ?? 0), cause: `killed by ${done.signal}` };
    }
    return result;
  }

  /**
   * Ends every command running now (each bwrap dies with its parent, and its
   * PID namespace with it); the sandbox, its folders and volumes stay. Under
   * LocalLaunch (Slurm) killing srun ends the step.
   */
  async interrupt(): Promise<void> {
    for (const c of this.running) c.kill('SIGKILL');
    await Promise.allSettled([...this.running]);
  }

  /** Fills an empty folder of a volume (or a missing one in it) from the host tree, owned by the sandbox user. */
  async copyIn(hostDir: string, containerPath: string, options: CopyOptions = {}): Promise<CopyResult> {
    const limits = treeLimits(options.limits);
    const target = this.volumePath(containerPath);
    const { stream, done } = packTree(hostDir, { limits });
    const [result] = await Promise.all([done, extractTree(stream as unknown as Readable, target, { limits, trusted: true, owner: this.user })]);
    return result;
  }

  /** Reads a volume's tree with the same link-safe walk as copyIn and unpacks it with the hostile-tar rules (tree-extract.ts). */
  async copyOut(containerPath: string, hostDir: string, options: CopyOptions = {}): Promise<CopyResult> {
    const limits = treeLimits(options.limits);
    const { stream, done } = packTree(this.volumePath(containerPath), { limits });
    const [packed, result] = await Promise.all([done, extractTree(stream as unknown as Readable, hostDir, { limits })]);
    // The walk already left out what it could not read (FIFOs, sockets) and dropped setuid bits; the extraction the rest.
    return { ...result, skipped: [...packed.skipped, ...result.skipped], modesStripped: [...packed.modesStripped, ...result.modesStripped] };
  }

  /** The host folder of a sandbox path inside a volume; every folder between the volume and it must be a real folder (candidate code may have planted links). */
  private volumePath(containerPath: string): string {
    const wanted = path.posix.normalize(containerPath);
    const volume = this.volumes.find((v) => wanted === v.containerPath || wanted.startsWith(`${v.containerPath.replace(/\/$/, '')}/`));
    if (volume === undefined || wanted.split('/').includes('..')) {
      throw new UserError(`${containerPath} is not inside a volume of this sandbox (${this.volumes.map((v) => v.containerPath).join(', ') || 'none'})`, {
        code: 'BATON_SANDBOX',
        context: { containerPath },
      });
    }
    let dir = volume.hostPath;
    for (const part of wanted.slice(volume.containerPath.length).split('/').filter(Boolean)) {
      const st = lstatSync(dir, { throwIfNoEntry: false });
      if (!st?.isDirectory())
        throw new UserError(`${containerPath}: a part of it is not a real folder`, { code: 'BATON_UNSAFE_PATH', context: { containerPath } });
      dir = path.join(dir, part);
    }
    return dir;
  }

  private async oomKilledSinceLastExec(): Promise<boolean> {
    if (!this.cgroup) return false;
    const n = await readOomKills(this.cgroup.oomFile);
    if (n === undefined || n <= this.oomSeen) return false;
    this.oomSeen = n;
    return true;
  }

  async status(): Promise<{ running: boolean; cause?: string }> {
    return this.stopped ? { running: false, cause: 'the sandbox was stopped' } : { running: true };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.live.delete(this);
    for (const c of this.running) c.kill('SIGKILL');
    await Promise.allSettled([...this.running]);
    await this.cgroup?.remove();
    await rm(this.dir, { recursive: true, force: true });
    // Every process of the sandbox is gone: what it wrote as the sandbox user goes back to the folders' owners.
    if (this.user) await giveBack(this.user.lend, this.user, this.lendRecord);
  }
}
