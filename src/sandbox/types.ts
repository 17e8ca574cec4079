/**
 * The one interface every sandbox implements (DESIGN.md §5 Sandbox): start a
 * fresh isolated place, run commands in it, stop it. Commands return data;
 * they never throw because the command failed.
 */
import type { SandboxSpec } from '../spec/schema.js';

/**
 * A folder of the machine baton runs on, made visible inside the sandbox.
 * The docker and local kinds bind `hostPath` as it is: their engine (the
 * Docker daemon, bubblewrap) runs on this machine. A kind whose sandboxes run
 * elsewhere (a remote Docker host, a cluster node) cannot: it must copy the
 * folder there, or translate the path to a shared filesystem, and bring a
 * writable one back before stop() returns.
 */
export interface HostMount {
  /** Absolute path on the machine baton runs on. */
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/** Who the sandbox is for; recorded as the `baton.role` label. */
export type SandboxRole = 'worker' | 'oracle';

export interface SandboxStartOptions {
  spec: SandboxSpec;
  role: SandboxRole;
  /** Overrides spec.image (the browser oracle uses baton-browser). */
  image?: string;
  mounts: HostMount[];
  /** Environment of every exec: only what the spec allows by name, plus baton's own variables. */
  env: Record<string, string>;
  /** `lane` and `key` name a lane's session (lanes.ts) before the judge numbers it. */
  labels: { experiment: string; run: string; iteration: number; lane?: number; key?: string };
  /** Working directory of execs by default, inside the sandbox. */
  workdir?: string;
  /**
   * Private, writable, initially empty folders of the sandbox (container
   * paths) that copyIn fills and copyOut reads: an anonymous volume removed
   * with the container (docker), a folder of the sandbox's own temp dir bound
   * there (local). Unlike a mount, nothing of the host is shared.
   */
  volumes?: string[];
  /** Folder where a lending of writable mounts to the sandbox user is recorded until it is handed back (ownership.ts). */
  lendRecords?: string;
}

export interface ExecOptions {
  /** Killed inside the sandbox after this long, and abandoned by the host shortly after. */
  timeoutMs?: number;
  cwd?: string;
  env?: Record<string, string>;
  stdin?: string;
  /** Cap of each of stdout and stderr; the head and the tail are kept. Default 1 MiB. */
  maxOutputBytes?: number;
  /**
   * Runs the command as this user inside the sandbox (`uid[:gid]`, e.g.
   * `0:0`) instead of the sandbox's own user. Still without capabilities:
   * the browser oracle uses it to keep its test files from the candidate's
   * server. Docker only; the local sandbox runs everything as the harness's
   * user and answers an exec with `user` with exitCode null and a cause.
   */
  user?: string;
}

/** What one command did. `exitCode` is null when it never finished (timeout, sandbox died). */
export interface ExecResult {
  command: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  oomKilled: boolean;
  /** The sandbox itself died during the command (killed, OOM of PID 1, engine restart). */
  sandboxDied: boolean;
  /** Why, when something other than the command's own exit ended it. */
  cause?: string;
  outputTruncated: boolean;
  durationMs: number;
}

/** CPU time of every process a sandbox ran, from its cgroup. */
export interface CpuUsage {
  seconds: number;
  /** Times the sandbox was restarted so far; a restart starts `seconds` again from zero. */
  restarts: number;
}

export interface SandboxHandle {
  readonly id: string;
  /** The name of the kind that started it (registry.ts). */
  readonly kind: string;
  /**
   * Whether ExecOptions.user runs a command as that user (docker). Unset or
   * false: every command runs as the sandbox's one user, so a caller that
   * needs the separation (the command oracle's `evaluate`) must refuse.
   */
  readonly execAsUser?: boolean;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Whether the sandbox still runs; when not, why. */
  status(): Promise<{ running: boolean; cause?: string }>;
  /** Removes the sandbox; safe to call twice. */
  stop(): Promise<void>;
  /**
   * Ends every command running in the sandbox now, keeping the sandbox, its
   * volumes and files (a lane's session stopped by `met` or a signal still
   * has its work copied out). Providers that cannot leave it undefined: the
   * caller then waits for the commands' own timeouts.
   */
  interrupt?(): Promise<void>;
  /**
   * Freezes every process of the sandbox until the returned function is
   * called, so the host can read the sandbox's folders without racing it
   * (a worker swapping a folder for a link mid-copy). Providers that cannot
   * freeze leave it undefined.
   */
  pause?(): Promise<() => Promise<void>>;
  /**
   * CPU seconds used by every process of the sandbox since it (re)started,
   * read by the host from the sandbox's cgroup, which nothing inside can
   * change; undefined when it cannot tell. Providers without a cgroup of
   * their own leave it undefined.
   */
  cpuUsage?(): Promise<CpuUsage | undefined>;
  /**
   * Puts the tree of `hostDir` at `containerPath` (a volume of the sandbox,
   * SandboxStartOptions.volumes), owned by the sandbox user. The host side
   * never follows a link: regular files, folders and links (as links) only,
   * anything else skipped; over a limit is a TreeLimitError. Providers that
   * cannot move trees leave it undefined.
   */
  copyIn?(hostDir: string, containerPath: string, options?: CopyOptions): Promise<CopyResult>;
  /**
   * Brings the tree at `containerPath` into `hostDir` (missing or empty),
   * treating every entry as hostile (tree-extract.ts): nothing is written
   * outside `hostDir`, no device, FIFO, socket, setuid bit or `.git` is
   * created; what was left out is in the result, over a limit is a
   * TreeLimitError (hostDir then holds a part: discard it). For a consistent
   * tree, call it while no command runs (or the sandbox is paused).
   */
  copyOut?(containerPath: string, hostDir: string, options?: CopyOptions): Promise<CopyResult>;
}

/** Caps of one copy; every one is checked before the bytes it counts are written. */
export interface TreeLimits {
  /** Largest regular file (spec limits.file). */
  fileBytes: number;
  /** Sum of every file's bytes in the tree (spec limits.workspace). */
  totalBytes: number;
  /** Files, folders and links together. */
  maxEntries: number;
  /** Longest path (bytes, relative to the tree's root); every component is also capped at 255 bytes. */
  maxNameBytes: number;
}

export interface CopyOptions {
  /** Defaults: tree-limits.ts DEFAULT_TREE_LIMITS (the spec's default limits.file and limits.workspace). */
  limits?: Partial<TreeLimits>;
  /** The whole copy is abandoned (an error) after this long. Default 10 minutes. */
  timeoutMs?: number;
}

/** Why an entry of a tree was not copied. */
export type SkipReason =
  | 'absolute'
  | 'dot-dot'
  | 'outside-root'
  | 'name-too-long'
  | 'git'
  | 'through-link'
  | 'duplicate'
  | 'link-outside'
  | 'hardlink-outside'
  | 'special'
  | 'unreadable';

export interface SkippedEntry {
  /** The entry's name as the tree or archive gave it (cut to 300 characters). */
  path: string;
  reason: SkipReason;
  detail?: string;
}

/** What a copy did: counts, and what it left out and why (data: a skipped entry is not an error). */
export interface CopyResult {
  files: number;
  dirs: number;
  links: number;
  /** Bytes of file content written. */
  bytes: number;
  skipped: SkippedEntry[];
  /** Files written without their setuid, setgid or sticky bit. */
  modesStripped: string[];
}

export interface SweepResult {
  removed: string[];
  kept: string[];
}

/** A sandbox kind's provider on this machine, from the kind's `resolve` (kind.ts, registry.ts). */
export interface SandboxProvider {
  /** The name of its kind (registry.ts). */
  readonly kind: string;
  start(options: SandboxStartOptions): Promise<SandboxHandle>;
  /** Whether its sandboxes take `volumes` and move trees in and out (copyIn/copyOut): what lanes need. */
  readonly privateWorkspaces?: boolean;
  /**
   * False when its sandboxes run where this machine's folders are not (remote
   * hosts): mounts become copies, and a session cannot work on the live
   * workspace, so every session runs as a lane (lanes/). Unset: mounts bind.
   */
  readonly sharesHostFolders?: boolean;
  /** Removes this kind's sandboxes (of one experiment) that a crashed run left: with baton's labels, their owner process gone. */
  sweep(filter?: { experiment?: string }): Promise<SweepResult>;
  /**
   * Before a sweep: copies `containerPath` out of each orphaned worker
   * sandbox of the experiment that names a lane session (its `key` label),
   * into `destFor(key)` (skipped when that returns undefined), frozen and with
   * copyOut's hostile-tree rules, so a session in flight when the harness died
   * keeps its work. Returns the keys copied; a sandbox that cannot be read is
   * left to the sweep. Kinds whose sandboxes die with the harness leave it out.
   */
  salvage?(filter: { experiment: string }, containerPath: string, destFor: (key: string) => string | undefined, options?: CopyOptions): Promise<string[]>;
  /** Stops every sandbox this provider started and has not stopped yet (an interrupted run), but those in `spare`; never throws. */
  stopAll(spare?: ReadonlySet<SandboxHandle>): Promise<void>;
  /** Ends its connections to engines (remote hosts), which would keep the process alive; it starts nothing after. */
  close?(): Promise<void>;
  /** Of the named images, those its sandboxes cannot start from here (`baton check`); kinds without images leave it out. */
  missingImages?(names: string[]): Promise<string[]>;
}
