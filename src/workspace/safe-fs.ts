/**
 * Host-side reads and writes inside the hostile workspace. Every byte, name
 * and link in it was written by an adversary; the host (often root) must
 * never follow a link out of it, block on a FIFO, read an unbounded file or
 * write through a name the worker planted. These helpers walk each path
 * component with lstat, open with O_NOFOLLOW, check that what they opened is
 * a regular file, cap sizes, and write through exclusive, unguessable
 * temporary names renamed into place (rename replaces a planted link, never
 * writes through it).
 *
 * They are race-free against the worker only while no worker process runs:
 * the host touches the workspace between sessions, or with the worker's
 * sandbox paused (the measure tool).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors.js';

/** State files the prompt reads (PLAN.md, NOTES.md, PROMPT.md) are capped at this many bytes. */
export const STATE_FILE_MAX_BYTES = 256 * 1024;

/** A path the host refused to use: a link, a non-regular file, outside the root, or too big. */
export class UnsafePathError extends UserError {
  constructor(message: string, context: Record<string, unknown>) {
    super(message, { code: 'BATON_UNSAFE_PATH', context });
  }
}

/** `rel` as clean path components under a root; throws for absolute paths and `..`. */
export function components(rel: string): string[] {
  const parts = rel.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (path.isAbsolute(rel) || parts.some((p) => p === '..' || p.includes('\0'))) {
    throw new UnsafePathError(`${JSON.stringify(rel)} is not a path inside the workspace`, { rel });
  }
  return parts;
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Checks that every folder between `root` and the file named by `parts` is a
 * real folder (not a link); creates missing ones when asked. Returns the
 * absolute path of the file, or undefined when a folder is missing.
 */
function realParent(root: string, parts: string[], create: boolean): string | undefined {
  let dir = root;
  const rootStat = lstatOrUndefined(root);
  if (!rootStat?.isDirectory()) throw new UnsafePathError(`${root} is not a folder (or is a link)`, { root });
  for (const part of parts.slice(0, -1)) {
    dir = path.join(dir, part);
    const st = lstatOrUndefined(dir);
    if (st === undefined) {
      if (!create) return undefined;
      fs.mkdirSync(dir, { mode: 0o755 });
      continue;
    }
    if (!st.isDirectory()) {
      throw new UnsafePathError(
        `${path.relative(root, dir)} in ${root} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; baton does not follow it`,
        {
          root,
          path: dir,
        },
      );
    }
  }
  return path.join(dir, parts[parts.length - 1]);
}

export type SafeRead = { ok: true; text: string; truncated: boolean } | { ok: false; missing: boolean; reason: string };

/**
 * Reads a regular file at `rel` under `root` without following any link, at
 * most `maxBytes` of it. A missing file is `{ok: false, missing: true}`; a
 * link, folder, FIFO or device is refused with a reason.
 */
export function safeReadFile(root: string, rel: string, maxBytes = STATE_FILE_MAX_BYTES): SafeRead {
  let file: string | undefined;
  try {
    file = realParent(root, components(rel), false);
  } catch (e) {
    return { ok: false, missing: false, reason: (e as Error).message };
  }
  if (file === undefined) return { ok: false, missing: true, reason: `${rel} does not exist` };
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO the worker planted must not hang the harness.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, missing: true, reason: `${rel} does not exist` };
    if (code === 'ELOOP') return { ok: false, missing: false, reason: `${rel} is a symbolic link; baton does not follow it` };
    return { ok: false, missing: false, reason: `${rel} could not be opened: ${code ?? (e as Error).message}` };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { ok: false, missing: false, reason: `${rel} is not a regular file` };
    const size = Math.min(st.size, maxBytes);
    const buf = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const n = fs.readSync(fd, buf, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return { ok: true, text: buf.subarray(0, read).toString('utf8'), truncated: st.size > maxBytes };
  } finally {
    fs.closeSync(fd);
  }
}

/** The text of a workspace file, '' when it is missing or unsafe (`onProblem` hears why). */
export function readTextOrEmpty(root: string, rel: string, onProblem?: (reason: string) => void, maxBytes = STATE_FILE_MAX_BYTES): string {
  const r = safeReadFile(root, rel, maxBytes);
  if (r.ok) {
    if (r.truncated) onProblem?.(`${rel} is larger than ${maxBytes} bytes; only its start was read`);
    return r.text;
  }
  if (!r.missing) onProblem?.(r.reason);
  return '';
}

/** Whether a regular file (not a link) exists at `rel`. */
export function regularFileExists(root: string, rel: string): boolean {
  try {
    const file = realParent(root, components(rel), false);
    return file !== undefined && (lstatOrUndefined(file)?.isFile() ?? false);
  } catch {
    return false;
  }
}

/**
 * Writes `data` to `rel` under `root`: folders on the way are created or must
 * be real folders, the data goes to an exclusive temporary file with an
 * unguessable name in `tmpDir` (or beside the target when `tmpDir` is on
 * another file system), and is renamed over the target. A link at the
 * target is replaced, never written through; a folder there is an error.
 */
export function safeWriteFile(root: string, rel: string, data: string | Buffer, tmpDir?: string): void {
  const file = realParent(root, components(rel), true)!;
  const existing = lstatOrUndefined(file);
  if (existing?.isDirectory()) throw new UnsafePathError(`${rel} in ${root} is a folder, not a file`, { root, path: file });
  const name = `.baton-tmp-${randomBytes(12).toString('hex')}`;
  let tmp = path.join(tmpDir ?? path.dirname(file), name);
  const write = (p: string): void => {
    const fd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
    try {
      fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  };
  if (tmpDir) fs.mkdirSync(tmpDir, { recursive: true });
  write(tmp);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    tmp = path.join(path.dirname(file), name);
    write(tmp);
    fs.renameSync(tmp, file);
  }
}

/** Removes `rel` under `root` (a file, a link or a whole folder) without following links on the way. */
export function safeRemove(root: string, rel: string): void {
  const file = realParent(root, components(rel), false);
  if (file === undefined) return;
  // rmSync never follows a link: it unlinks the link itself, and recurses only into real folders.
  fs.rmSync(file, { recursive: true, force: true });
}

/** Makes `rel` under `root` a real folder: a link or file in its place is removed (never followed). */
export function ensureRealDir(root: string, rel: string): void {
  const file = realParent(root, components(rel), true)!;
  const st = lstatOrUndefined(file);
  if (st?.isDirectory()) return;
  if (st) fs.rmSync(file, { force: true });
  fs.mkdirSync(file, { mode: 0o755 });
}

/**
 * Removes `target` and everything under it, even where sandboxed code took
 * the owner's own rights away (a 0111 or 0000 folder the harness's user
 * owns, which `rm -r` cannot list): such folders are given back u+rwx, never
 * through a link, then the removal is tried again. Missing is fine. Throws
 * only for what the harness cannot remove at all (another user's folder).
 */
export function removeTree(target: string): void {
  try {
    fs.rmSync(target, { recursive: true, force: true });
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'ENOTEMPTY') throw e;
  }
  const reopen = (dir: string): void => {
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!st?.isDirectory()) return;
    if ((st.mode & 0o700) !== 0o700) fs.chmodSync(dir, (st.mode & 0o7777) | 0o700);
    for (const name of fs.readdirSync(dir)) reopen(path.join(dir, name));
  };
  reopen(target);
  fs.rmSync(target, { recursive: true, force: true });
}
