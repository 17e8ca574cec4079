/** The bubblewrap command line of the local sandbox (pure). */
import path from 'node:path';
import type { Mount } from './types.js';

/** Host folders hidden behind an empty tmpfs (when they are real folders): homes, runtime sockets, shared temp. */
export const HIDDEN = ['/root', '/home', '/run', '/var/tmp'];
/** Top-level entries bwrap provides itself. */
const OWN = new Set(['proc', 'dev', 'sys', 'tmp']);

export interface BwrapLayout {
  /** Top-level names of the host root, with the symlink target of those that are links. */
  rootEntries: { name: string; link?: string }[];
  /** The folders of HIDDEN that exist as real folders on this host. */
  hide: string[];
  mounts: Mount[];
  /** Host folder bound at /tmp (private to this sandbox). */
  tmpDir: string;
  /** Host folder bound at $HOME. */
  homeDir: string;
  home: string;
  network: boolean;
  cwd: string;
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
  for (const m of ordered) args.push(m.readOnly ? '--ro-bind' : '--bind', m.hostPath, m.containerPath);
  args.push('--remount-ro', '/');
  args.push('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try');
  if (!layout.network) args.push('--unshare-net');
  args.push('--die-with-parent', '--new-session', '--hostname', 'baton', '--chdir', layout.cwd);
  return args;
}

/** The host path a sandbox path maps to through the mounts (plain processes have no mount namespace). */
export function hostPathFor(sandboxPath: string, mounts: Mount[]): string | undefined {
  const sorted = [...mounts].sort((a, b) => b.containerPath.length - a.containerPath.length);
  for (const m of sorted) {
    if (sandboxPath === m.containerPath) return m.hostPath;
    if (sandboxPath.startsWith(m.containerPath.replace(/\/$/, '') + '/')) return path.join(m.hostPath, sandboxPath.slice(m.containerPath.length));
  }
  return undefined;
}
