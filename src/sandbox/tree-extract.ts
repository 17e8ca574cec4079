/**
 * A tar stream written by candidate code, unpacked into a host folder
 * without trusting anything in it (copyOut). The parser is tar-stream
 * (ustar, pax and GNU long names; its pax headers are capped at 1 MiB); every
 * decision about an entry is made here:
 *  - names: absolute, `..`, outside the archive's root, over the name limits,
 *    or with a `.git` component are skipped (tree-limits.ts entryParts);
 *  - every folder on the way must be a real folder this extraction made
 *    (lstat; a link or file in the way skips the entry), so nothing is ever
 *    written through a link, and files are created O_EXCL | O_NOFOLLOW;
 *  - links are created as links, never followed, and only when their target
 *    stays inside the tree (lexically); hardlinks become copies of a file
 *    this extraction wrote, never a link to a host file;
 *  - devices, FIFOs, sockets and unknown types are skipped; setuid, setgid
 *    and sticky bits are dropped;
 *  - entries, declared bytes and file sizes are counted before anything is
 *    written: over any of them stops the copy with a TreeLimitError at once
 *    (skipping a file would mean reading all of its body).
 * Skips come back as data (CopyResult.skipped).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { extract as tarExtract } from 'tar-stream';
import { BatonError, SystemError, UserError, describeError } from '../errors.js';
import { entryParts, linkStaysInside, shownName, TreeLimitError } from './tree-limits.js';
import type { CopyResult, SkipReason, TreeLimits } from './types.js';

export interface ExtractOptions {
  limits: TreeLimits;
  /** The archive's top folder, stripped from every name (Docker's getArchive names entries `<basename>/...`). */
  root?: string;
  /** Keeps `.git` entries and links that point out of the tree: only for trees the host itself packed (copyIn, local). */
  trusted?: boolean;
  /** Owner given to everything written (the sandbox user when the host is root and fills a sandbox's folder). */
  owner?: { uid: number; gid: number };
}

const O_CREATE_NEW = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/** Unpacks `source` into `hostDir`, which must be missing (its parent existing) or an empty real folder. */
export async function extractTree(source: Readable, hostDir: string, options: ExtractOptions): Promise<CopyResult> {
  prepareDestination(hostDir);
  const { limits } = options;
  const result: CopyResult = { files: 0, dirs: 0, links: 0, bytes: 0, skipped: [], modesStripped: [] };
  /** Files this extraction wrote (relative path -> inode): the only targets a hardlink may copy. */
  const written = new Map<string, number>();
  const dirModes: [string, number][] = [];
  let entries = 0;
  /** Bytes the archive declared so far, plus those of hardlinks copied. */
  const budget = { bytes: 0 };
  const ex = tarExtract();
  source.on('error', (e) => ex.destroy(e));
  source.pipe(ex);
  const skip = (name: string, reason: SkipReason, detail?: string) =>
    result.skipped.push({ path: shownName(relativeName(name, options.root)), reason, ...(detail ? { detail } : {}) });
  try {
    for await (const item of ex as unknown as AsyncIterable<Entry>) {
      const entry = item;
      const h = entry.header;
      const size = h.type === 'file' || h.type === 'contiguous-file' ? (h.size ?? 0) : 0;
      if (++entries > limits.maxEntries) {
        throw new TreeLimitError(`the tree has more than ${limits.maxEntries} entries; copy stopped`, {
          limit: 'maxEntries',
          max: limits.maxEntries,
          found: entries,
        });
      }
      // Stops the copy rather than skipping: skipping would read the whole body (a sparse 2 GB file costs its writer nothing).
      if (size > limits.fileBytes) {
        const rel = shownName(relativeName(h.name, options.root));
        throw new TreeLimitError(`${rel} is ${size} bytes, over the ${limits.fileBytes}-byte file limit (limits.file); copy stopped`, {
          limit: 'fileBytes',
          max: limits.fileBytes,
          found: size,
          path: rel,
        });
      }
      budget.bytes += size;
      if (budget.bytes > limits.totalBytes) {
        throw new TreeLimitError(`the tree holds more than ${limits.totalBytes} bytes (limits.workspace); copy stopped at ${shownName(h.name)}`, {
          limit: 'totalBytes',
          max: limits.totalBytes,
          found: budget.bytes,
          path: shownName(h.name),
        });
      }
      const outcome = await place(entry, hostDir, options, written, dirModes, budget);
      await drain(entry);
      if (typeof outcome === 'object') skip(h.name, outcome.reason, outcome.detail);
      else if (outcome === 'file') {
        result.files++;
        result.bytes += size;
        if ((h.mode ?? 0) & 0o7000) result.modesStripped.push(shownName(relativeName(h.name, options.root)));
      } else if (outcome === 'hardlink') result.files++;
      else if (outcome === 'dir') result.dirs++;
      else if (outcome === 'link') result.links++;
    }
  } catch (e) {
    ex.destroy();
    source.destroy();
    if (e instanceof BatonError) throw e;
    // A malformed archive (a bad checksum, a cut stream) is the tree's fault, said as such.
    throw new SystemError(`The tree's archive could not be read: ${describeError(e)}`, { code: 'BATON_SANDBOX', cause: e });
  }
  // Deepest first, and never without the owner's rwx: the host must be able to remove what it extracted. An untrusted
  // tree's folders are nobody else's to write (a 0777 folder of candidate code's is 0755 on the host).
  const keep = options.trusted ? 0o777 : 0o755;
  for (const [dir, mode] of dirModes.reverse()) fs.chmodSync(dir, (mode & keep) | 0o700);
  return result;
}

/** A name as reported: without leading `./` and the archive's root folder, so skips name paths of the tree. */
function relativeName(name: string, root: string | undefined): string {
  let n = name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (root !== undefined && n.startsWith(`${root}/`)) n = n.slice(root.length + 1);
  return n;
}

function prepareDestination(hostDir: string): void {
  const st = fs.lstatSync(hostDir, { throwIfNoEntry: false });
  if (!st) {
    fs.mkdirSync(hostDir, { mode: 0o755 });
    return;
  }
  if (!st.isDirectory() || fs.readdirSync(hostDir).length > 0) {
    throw new UserError(
      `${hostDir} must be a missing or empty folder to copy a tree into; found ${st.isDirectory() ? 'a folder with files' : 'something else'}`,
      {
        code: 'BATON_UNSAFE_PATH',
        context: { path: hostDir },
      },
    );
  }
}

type Placed = 'file' | 'hardlink' | 'dir' | 'link' | 'root' | { reason: SkipReason; detail?: string };

/** An entry as tar-stream 3 gives it (its bundled types describe version 2). */
type Entry = AsyncIterable<Buffer> & { header: { name: string; type?: string | null; size?: number; mode?: number; linkname?: string | null } };

async function place(
  entry: Entry,
  hostDir: string,
  options: ExtractOptions,
  written: Map<string, number>,
  dirModes: [string, number][],
  budget: { bytes: number },
): Promise<Placed> {
  const h = entry.header;
  const { limits } = options;
  const name = entryParts(h.name, limits, { root: options.root, keepGit: options.trusted });
  if (!name.ok) return name;
  const parts = name.parts;
  if (parts.length === 0) return 'root';
  const parent = realParent(hostDir, parts, options);
  if (typeof parent === 'object') return parent;
  const target = path.join(parent, parts[parts.length - 1]);
  const existing = fs.lstatSync(target, { throwIfNoEntry: false });
  const rel = parts.join('/');
  switch (h.type) {
    case 'directory':
      if (existing) return existing.isDirectory() ? 'dir' : { reason: 'duplicate' };
      fs.mkdirSync(target, { mode: 0o700 });
      own(target, options);
      dirModes.push([target, h.mode ?? 0o755]);
      return 'dir';
    case 'file':
    case 'contiguous-file': {
      if (existing) return { reason: 'duplicate' };
      const fd = fs.openSync(target, O_CREATE_NEW, 0o600);
      try {
        for await (const chunk of entry) fs.writeSync(fd, chunk);
        // Only the permission bits: a setuid file made by candidate code must not become a setuid file of the host.
        // An untrusted tree's files are nobody else's to write either.
        fs.fchmodSync(fd, (h.mode ?? 0o644) & (options.trusted ? 0o777 : 0o755));
        if (options.owner) fs.fchownSync(fd, options.owner.uid, options.owner.gid);
        written.set(rel, fs.fstatSync(fd).ino);
      } finally {
        fs.closeSync(fd);
      }
      return 'file';
    }
    case 'symlink': {
      if (existing) return { reason: 'duplicate' };
      const to = h.linkname ?? '';
      if (Buffer.byteLength(to) > limits.maxNameBytes) return { reason: 'name-too-long', detail: 'the link target' };
      if (!options.trusted && !linkStaysInside(parts, to)) return { reason: 'link-outside', detail: `points to ${shownName(to)}` };
      fs.symlinkSync(to, target);
      if (options.owner) fs.lchownSync(target, options.owner.uid, options.owner.gid);
      return 'link';
    }
    case 'link': {
      if (existing) return { reason: 'duplicate' };
      // A hardlink names another entry of the archive; only a file this extraction wrote is copied, never a host file.
      const of = entryParts(h.linkname ?? '', limits, { root: options.root, keepGit: options.trusted });
      const ino = of.ok ? written.get(of.parts.join('/')) : undefined;
      if (!of.ok || ino === undefined) return { reason: 'hardlink-outside', detail: `to ${shownName(h.linkname ?? '')}, not a file of this tree` };
      const from = path.join(hostDir, ...of.parts);
      const st = fs.lstatSync(from, { throwIfNoEntry: false });
      if (!st?.isFile() || st.ino !== ino) return { reason: 'hardlink-outside', detail: 'its target changed' };
      // A copy costs bytes the archive never declared: a million hardlinks to one big file must still hit the total limit.
      budget.bytes += st.size;
      if (budget.bytes > limits.totalBytes) {
        throw new TreeLimitError(
          `the tree holds more than ${limits.totalBytes} bytes (limits.workspace) with its hardlinks copied; copy stopped at ${shownName(rel)}`,
          {
            limit: 'totalBytes',
            max: limits.totalBytes,
            found: budget.bytes,
            path: shownName(rel),
          },
        );
      }
      fs.copyFileSync(from, target, fs.constants.COPYFILE_EXCL);
      if (options.owner) fs.lchownSync(target, options.owner.uid, options.owner.gid);
      written.set(rel, fs.lstatSync(target).ino);
      return 'hardlink';
    }
    default:
      return { reason: 'special', detail: `a ${h.type ?? 'typeless'} entry` };
  }
}

/** The folder that will hold the entry: every component a real folder (made here when missing), or why not. */
function realParent(hostDir: string, parts: string[], options: ExtractOptions): string | { reason: SkipReason; detail?: string } {
  let dir = hostDir;
  for (const part of parts.slice(0, -1)) {
    dir = path.join(dir, part);
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!st) {
      fs.mkdirSync(dir, { mode: 0o755 });
      own(dir, options);
      continue;
    }
    if (!st.isDirectory()) return { reason: 'through-link', detail: `${path.relative(hostDir, dir)} is ${st.isSymbolicLink() ? 'a link' : 'not a folder'}` };
  }
  return dir;
}

function own(p: string, options: ExtractOptions): void {
  if (options.owner) fs.lchownSync(p, options.owner.uid, options.owner.gid);
}

/** Reads what is left of an entry's body (a skipped or already written one): tar is read in order. */
async function drain(entry: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of entry) {
    // discarded
  }
}
