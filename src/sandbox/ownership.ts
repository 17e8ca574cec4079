/**
 * Who the sandbox runs as, and who owns what it writes on the host.
 *
 * Rule: the sandbox runs as the owner of its writable mounts, so the files a
 * worker writes belong on the host to whoever owns the workspace, with no
 * chown afterwards. The exception is a root-owned workspace (a harness running
 * as root, as in CI): untrusted code never runs as uid 0, so the sandbox runs
 * as `baton` (1000:1000) and the writable mounts are *lent* to it: chowned to
 * 1000:1000 at start and handed back (`chown --from=1000:1000`) at stop. The
 * lending is recorded in the container's `baton.lent` label so a sweep after a
 * crash hands the files back too.
 */
import { stat } from 'node:fs/promises';
import { execa } from 'execa';
import { SystemError } from '../errors.js';
import type { Mount } from './types.js';

export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;

/** A host folder lent to the sandbox user, and its owner to give it back to. */
export interface Lent {
  path: string;
  uid: number;
  gid: number;
}

export interface SandboxUser {
  uid: number;
  gid: number;
  lend: Lent[];
}

/** Decides the sandbox user from the owners of the writable mounts (pure). */
export function decideUser(writable: { path: string; uid: number; gid: number }[]): SandboxUser {
  const first = writable.find((m) => m.uid !== 0);
  if (first) return { uid: first.uid, gid: first.gid, lend: writable.filter((m) => m.uid === 0) };
  return { uid: SANDBOX_UID, gid: SANDBOX_GID, lend: writable.filter((m) => m.uid !== SANDBOX_UID) };
}

/** Stats the writable mounts and decides (see the module comment). */
export async function sandboxUser(mounts: Mount[]): Promise<SandboxUser> {
  const writable = [];
  for (const m of mounts.filter((x) => !x.readOnly)) {
    const st = await stat(m.hostPath).catch((e: unknown) => {
      throw new SystemError(`Mount source ${m.hostPath} is not accessible`, { code: 'BATON_SANDBOX', cause: e, context: { path: m.hostPath } });
    });
    writable.push({ path: m.hostPath, uid: st.uid, gid: st.gid });
  }
  return decideUser(writable);
}

/** Chowns the lent folders to the sandbox user (only when this process may). */
export async function lend(user: SandboxUser): Promise<void> {
  for (const l of user.lend) await chown(['-R', `${user.uid}:${user.gid}`, l.path]);
}

/** Hands lent folders back: what the sandbox user owns there goes back to the original owner. */
export async function giveBack(lent: Lent[], from: { uid: number; gid: number }): Promise<void> {
  for (const l of lent) await chown(['-R', `--from=${from.uid}:${from.gid}`, `${l.uid}:${l.gid}`, l.path]);
}

async function chown(args: string[]): Promise<void> {
  const r = await execa('chown', args, { reject: false, timeout: 120_000 });
  if (r.exitCode !== 0 && !/No such file/.test(String(r.stderr))) {
    throw new SystemError(`chown ${args.join(' ')} failed: ${String(r.stderr).trim()}`, { code: 'BATON_SANDBOX', context: { command: `chown ${args.join(' ')}` } });
  }
}
