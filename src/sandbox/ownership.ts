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
 * crash hands the files back too, and, before the first chown, in a record
 * file (SandboxStartOptions.lendRecords) that is removed only after the give-
 * back: a kill at any instant of lend, create, stop or give-back leaves the
 * record, and the next run's recovery (restoreLent) hands the folders back.
 * The chowns run in this process, so a SIGKILL stops them too (a `chown -R`
 * child would go on lending after its parent died, racing the recovery).
 */
import * as fs from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { SystemError, UserError } from '../errors.js';
import { failpoint } from '../failpoint.js';
import type { HostMount } from './types.js';

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
export async function sandboxUser(mounts: HostMount[]): Promise<SandboxUser> {
  const writable = [];
  for (const m of mounts.filter((x) => !x.readOnly)) {
    const st = await stat(m.hostPath).catch((e: unknown) => {
      throw new SystemError(`Mount source ${m.hostPath} is not accessible`, { code: 'BATON_SANDBOX', cause: e, context: { path: m.hostPath } });
    });
    writable.push({ path: m.hostPath, uid: st.uid, gid: st.gid });
  }
  return decideUser(writable);
}

/** A lending as recorded before it is made (and in the container's label). */
export interface LendRecord {
  uid: number;
  gid: number;
  lent: Lent[];
}

/** Chowns the lent folders to the sandbox user, after writing `record` (when given) so a kill at any instant can be undone. */
export async function lend(user: SandboxUser, record?: string): Promise<void> {
  if (!user.lend.length) return;
  if (record) writeRecord(record, { uid: user.uid, gid: user.gid, lent: user.lend });
  // The repository itself is never lent: the worker mounts it read-only anyway, and uid 1000 may be a real account
  // on the host that could otherwise rewrite .git/config or hooks while a session runs (red team finding 6).
  for (const l of user.lend) chownTree(l.path, { uid: user.uid, gid: user.gid }, undefined, path.join(l.path, '.git'));
}

/**
 * A root harness over a folder an ordinary user owns (a user's workspace, or
 * one a killed older baton left lent): the sandbox runs as that user, but what
 * host git or baton wrote there since (a revert's `git reset --hard`, the
 * state files) is root's, and the session could not write it: every later
 * session would be judged "changed nothing". Root's entries are handed to the
 * folder's owner for good, the repository excepted (never lent, see lend).
 */
export async function adoptRootEntries(folder: string, user: { uid: number; gid: number }): Promise<void> {
  if (process.getuid?.() !== 0 || user.uid === 0) return;
  chownTree(folder, user, { uid: 0, gid: 0 }, path.join(folder, '.git'));
}

/** Hands lent folders back: what the sandbox user owns there goes back to the original owner; then the record goes. */
export async function giveBack(lent: Lent[], from: { uid: number; gid: number }, record?: string): Promise<void> {
  for (const l of lent) chownTree(l.path, { uid: l.uid, gid: l.gid }, from);
  failpoint('ownership:given-back');
  if (record) fs.rmSync(record, { force: true });
}

/**
 * Recovery: hands back every lending recorded in `dir` (what a killed run left
 * lent) and removes the records. Call it only with every sandbox of those
 * lendings gone (after the sweep), or a live one would lose its files. Returns
 * the folders handed back; a UserError says which folder and how to fix it
 * when this process may not.
 */
export function restoreLent(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  // A record killed before its rename: nothing was chowned yet.
  for (const n of fs.readdirSync(dir).filter((x) => x.endsWith('.json.tmp'))) fs.rmSync(path.join(dir, n), { force: true });
  const restored: string[] = [];
  for (const name of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const file = path.join(dir, name);
    const record = readRecord(file);
    for (const l of record.lent) {
      try {
        chownTree(l.path, { uid: l.uid, gid: l.gid }, record);
      } catch (e) {
        throw new UserError(
          `${l.path} is still lent to the sandbox user ${record.uid}:${record.gid} by a run that was killed (${file}), and this process cannot hand it back: ${(e as Error).message}. ` +
            `Run \`chown -R --from=${record.uid}:${record.gid} ${l.uid}:${l.gid} ${l.path}\` as root, remove ${file}, and run again.`,
          { code: 'BATON_SANDBOX', cause: e, context: { path: l.path, record: file } },
        );
      }
      restored.push(l.path);
    }
    fs.rmSync(file, { force: true });
  }
  return restored;
}

function writeRecord(file: string, record: LendRecord): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(record)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function readRecord(file: string): LendRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file} is not a readable lend record (${(e as Error).message}). Check who owns the folders it names, remove it, and run again.`, {
      code: 'BATON_STATE_CORRUPT',
      cause: e,
      context: { path: file },
    });
  }
  const r = raw as Partial<LendRecord>;
  const id = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0;
  if (
    !id(r.uid) ||
    !id(r.gid) ||
    !Array.isArray(r.lent) ||
    !r.lent.every((l) => typeof l?.path === 'string' && path.isAbsolute(l.path) && id(l.uid) && id(l.gid))
  ) {
    throw new UserError(
      `${file} is not a valid lend record: expected {"uid","gid","lent":[{"path","uid","gid"}]}, found ${JSON.stringify(raw).slice(0, 200)}. Check who owns the folders it names, remove it, and run again.`,
      {
        code: 'BATON_STATE_CORRUPT',
        context: { path: file },
      },
    );
  }
  return r as LendRecord;
}

/**
 * chown -R without following links (lchown on every entry), optionally only
 * entries owned by `from` (chown --from). A folder that vanished is no error.
 */
function chownTree(root: string, to: { uid: number; gid: number }, from?: { uid: number; gid: number }, skip?: string): void {
  const visit = (p: string): void => {
    if (p === skip) return;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw fail(p, e);
    }
    // A file with other links may be a host file hard-linked into the folder: its owner is not the folder's to change.
    const linked = !st.isDirectory() && st.nlink > 1;
    if (!linked && (!from || (st.uid === from.uid && st.gid === from.gid))) {
      try {
        fs.lchownSync(p, to.uid, to.gid);
        failpoint('ownership:chown');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fail(p, e);
      }
    }
    if (!st.isDirectory()) return;
    let names: string[];
    try {
      names = fs.readdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw fail(p, e);
    }
    for (const n of names) visit(path.join(p, n));
  };
  visit(root);
}

function fail(p: string, cause: unknown): SystemError {
  return new SystemError(`could not change the owner of ${p}: ${(cause as Error).message}`, { code: 'BATON_SANDBOX', cause, context: { path: p } });
}
