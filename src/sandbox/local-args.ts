/** The bubblewrap command line of the local sandbox (pure). */
import path from 'node:path';
import type { HostMount } from './types.js';

/** Host folders hidden behind an empty tmpfs (when they are real folders): homes, runtime sockets, shared temp. */
export const HIDDEN = ['/root', '/home', '/run', '/var/tmp'];
/** Top-level entries bwrap provides itself. */
const OWN = new Set(['proc', 'dev', 'sys', 'tmp']);

export interface BwrapLayout {
  /** Top-level names of the host root, with the symlink target of those that are links. */
  rootEntries: { name: string; link?: string }[];
  /** The folders of HIDDEN that exist as real folders on this host. */
  hide: string[];
  mounts: HostMount[];
  /** Host folder bound at /tmp (private to this sandbox). */
  tmpDir: string;
  /** Host folder bound at $HOME. */
  homeDir: string;
  home: string;
  network: boolean;
  cwd: string;
  /**
   * The user commands run as when bwrap itself runs as root (a root harness):
   * bwrap makes the mounts as root, then setpriv drops to this user with no
   * capability (see sandboxCommand). Absent: bwrap runs as the harness's own,
   * unprivileged user.
   */
  dropTo?: { uid: number; gid: number };
}

/** bwrap arguments up to (not including) `--`: read-only host root, private /tmp, given mounts. */
export function bwrapArgs(layout: BwrapLayout): string[] {
  const args: string[] = [];
  for (const e of layout.rootEntries) {
    if (OWN.has(e.name)) continue;
    if (e.link !== undefined) args.push('--symlink', e.link, `/${e.name}`);
    else args.push('--ro-bind', `/${e.name}`, `/${e.name}`);
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--ro-bind', '/sys', '/sys');
  for (const dir of layout.hide) args.push('--tmpfs', dir);
  // The experiment folders a mount comes from (its .baton/, oracle/) stay out of sight.
  for (const m of layout.mounts) {
    const parent = path.dirname(m.hostPath);
    if (parent.split('/').filter(Boolean).length >= 2 && !layout.hide.includes(parent)) args.push('--tmpfs', parent);
  }
  args.push('--bind', layout.tmpDir, '/tmp');
  args.push('--bind', layout.homeDir, layout.home);
  // Parents before children, so a read-only `/workspace/.git` lands on top of a writable `/workspace`.
  const ordered = [...layout.mounts].sort((a, b) => a.containerPath.split('/').length - b.containerPath.split('/').length);
  // bwrap makes the missing parents of a mount's path 0700 (root's, when bwrap runs as root): made 0755 first, so the
  // dropped user can reach /baton/out. Only folders of the sandbox's own root, never one bound from the host.
  const own = new Set<string>();
  for (const m of ordered) {
    const parts = m.containerPath.split('/').filter(Boolean);
    if (layout.rootEntries.some((e) => e.name === parts[0] && !OWN.has(e.name))) continue;
    for (let i = 1; i < parts.length; i++) own.add(`/${parts.slice(0, i).join('/')}`);
  }
  for (const dir of [...own].sort()) args.push('--perms', '0755', '--dir', dir);
  for (const m of ordered) args.push(m.readOnly ? '--ro-bind' : '--bind', m.hostPath, m.containerPath);
  args.push('--remount-ro', '/');
  args.push('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try');
  if (!layout.network) args.push('--unshare-net');
  args.push(...capabilityArgs(layout.dropTo));
  // Root without capabilities may not enter the sandbox user's 0700 workspace: then the dropped user changes directory (dropArgs).
  args.push('--die-with-parent', '--new-session', '--hostname', 'baton', '--chdir', layout.dropTo ? '/' : layout.cwd);
  return args;
}

/** What setpriv needs to drop to the sandbox user; bwrap keeps nothing else. */
const DROP_CAPS = ['CAP_SETUID', 'CAP_SETGID', 'CAP_SETPCAP'];

/**
 * bwrap's capability options. Unprivileged: a user namespace and no capability
 * in it. As root: none but the three setpriv spends to become the sandbox
 * user, which it drops with everything else before the command runs.
 */
export function capabilityArgs(dropTo: BwrapLayout['dropTo']): string[] {
  if (!dropTo) return ['--unshare-user-try', '--cap-drop', 'ALL'];
  return ['--cap-drop', 'ALL', ...DROP_CAPS.flatMap((c) => ['--cap-add', c])];
}

/**
 * The whole command line: bwrap, then (as root) setpriv to the sandbox user,
 * then `inner`. Why not bwrap as that user: an unprivileged bwrap could not
 * reach mount sources under a folder only root may enter (an experiment under
 * /root or a 0700 temp folder); root makes the mounts, and the untrusted
 * command still starts with uid and gid not 0, no supplementary group, an
 * empty capability bounding set and no_new_privs (no setuid way back).
 */
export function sandboxCommand(layout: BwrapLayout, inner: string[]): string[] {
  return ['bwrap', ...bwrapArgs(layout), '--', ...dropArgs(layout.dropTo, layout.cwd), ...inner];
}

/** setpriv to `dropTo` with nothing left to regain root by, then into `cwd`; nothing when bwrap already runs unprivileged. */
export function dropArgs(dropTo: BwrapLayout['dropTo'], cwd = '/'): string[] {
  if (!dropTo) return [];
  const setpriv = [
    'setpriv',
    `--reuid=${dropTo.uid}`,
    `--regid=${dropTo.gid}`,
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--no-new-privs',
    '--',
  ];
  return [...setpriv, 'env', `--chdir=${cwd}`, '--'];
}

/** The host path a sandbox path maps to through the mounts (plain processes have no mount namespace). */
export function hostPathFor(sandboxPath: string, mounts: HostMount[]): string | undefined {
  const sorted = [...mounts].sort((a, b) => b.containerPath.length - a.containerPath.length);
  for (const m of sorted) {
    if (sandboxPath === m.containerPath) return m.hostPath;
    if (sandboxPath.startsWith(m.containerPath.replace(/\/$/, '') + '/')) return path.join(m.hostPath, sandboxPath.slice(m.containerPath.length));
  }
  return undefined;
}
