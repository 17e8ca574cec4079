/**
 * A host folder as a tar stream (copyIn), read without following a link:
 * every folder is walked with lstat, files are opened O_NOFOLLOW |
 * O_NONBLOCK and must still be the regular file lstat saw, links go in as
 * links, and FIFOs, sockets and devices are skipped. Limits are checked
 * before a file is read: a sparse 10 TB file costs whoever made it nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pack as tarPack, type Pack } from 'tar-stream';
import { UserError } from '../errors.js';
import { MAX_COMPONENT_BYTES, shownName, TreeLimitError } from './tree-limits.js';
import type { CopyResult, SkipReason, TreeLimits } from './types.js';

export interface PackOptions {
  limits: TreeLimits;
  /** Owner recorded in every header (the sandbox user); the host's own otherwise. */
  owner?: { uid: number; gid: number };
  /** Mode bits every entry keeps (default 0o777): 0o755 makes a tree its owner alone can change. */
  modeMask?: number;
}

const CHUNK = 1024 * 1024;

/**
 * The tar stream of `root`'s tree (names `./...`, the root folder first) and
 * what went into it. The walk runs as the stream is read; an error (over a
 * limit) destroys the stream and rejects `done`.
 */
export function packTree(root: string, options: PackOptions): { stream: Pack; done: Promise<CopyResult> } {
  const stream = tarPack();
  const done = walkInto(stream, root, options).then(
    (r) => {
      stream.finalize();
      return r;
    },
    (e: unknown) => {
      stream.destroy(e as Error);
      throw e;
    },
  );
  return { stream, done };
}

async function walkInto(stream: Pack, root: string, options: PackOptions): Promise<CopyResult> {
  const { limits } = options;
  const rootStat = fs.lstatSync(root, { throwIfNoEntry: false });
  if (!rootStat?.isDirectory())
    throw new UserError(`${root} is not a folder (or is a link); nothing copied`, { code: 'BATON_UNSAFE_PATH', context: { path: root } });
  const result: CopyResult = { files: 0, dirs: 0, links: 0, bytes: 0, skipped: [], modesStripped: [] };
  const skip = (rel: string, reason: SkipReason, detail?: string) => result.skipped.push({ path: shownName(rel), reason, ...(detail ? { detail } : {}) });
  const owner = { uid: options.owner?.uid ?? rootStat.uid, gid: options.owner?.gid ?? rootStat.gid };
  let entries = 0;
  const mask = 0o777 & (options.modeMask ?? 0o777);
  const header = (rel: string, st: fs.Stats) => ({ name: rel ? `./${rel}` : './', mode: st.mode & mask, mtime: st.mtime, ...owner });
  const count = (rel: string) => {
    if (++entries > limits.maxEntries)
      throw new TreeLimitError(`${root} has more than ${limits.maxEntries} entries; nothing copied`, {
        limit: 'maxEntries',
        max: limits.maxEntries,
        found: entries,
        path: rel,
      });
  };
  await add(stream, { ...header('', rootStat), type: 'directory' });

  const walk = async (relDir: string): Promise<void> => {
    const names = fs.readdirSync(relDir ? path.join(root, relDir) : root).sort();
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      if (Buffer.byteLength(rel) > limits.maxNameBytes || Buffer.byteLength(name) > MAX_COMPONENT_BYTES) {
        skip(rel, 'name-too-long');
        continue;
      }
      const abs = path.join(root, rel);
      const st = fs.lstatSync(abs, { throwIfNoEntry: false });
      if (!st) continue; // removed meanwhile
      if (st.isDirectory()) {
        count(rel);
        await add(stream, { ...header(rel, st), type: 'directory' });
        result.dirs++;
        await walk(rel);
      } else if (st.isSymbolicLink()) {
        count(rel);
        await add(stream, { ...header(rel, st), type: 'symlink', linkname: fs.readlinkSync(abs) });
        result.links++;
      } else if (st.isFile()) {
        count(rel);
        if (st.size > limits.fileBytes)
          throw new TreeLimitError(`${rel} is ${st.size} bytes, over the ${limits.fileBytes}-byte file limit (limits.file); nothing copied`, {
            limit: 'fileBytes',
            max: limits.fileBytes,
            found: st.size,
            path: rel,
          });
        if (result.bytes + st.size > limits.totalBytes)
          throw new TreeLimitError(`${root} holds more than ${limits.totalBytes} bytes (limits.workspace); nothing copied`, {
            limit: 'totalBytes',
            max: limits.totalBytes,
            found: result.bytes + st.size,
            path: rel,
          });
        if (await addFile(stream, abs, st, header(rel, st))) {
          result.files++;
          result.bytes += st.size;
          if (st.mode & 0o7000) result.modesStripped.push(rel);
        } else skip(rel, 'unreadable', 'not the regular file it was a moment before');
      } else skip(rel, 'special', 'not a file, folder or link');
    }
  };
  await walk('');
  return result;
}

function add(stream: Pack, header: Parameters<Pack['entry']>[0]): Promise<void> {
  return new Promise((resolve, reject) => stream.entry(header, (e) => (e ? reject(e) : resolve())));
}

/** Streams one file into the archive; false when it is no longer the regular file lstat saw (nothing added then). */
async function addFile(stream: Pack, abs: string, st: fs.Stats, header: Parameters<Pack['entry']>[0]): Promise<boolean> {
  let fd: number;
  try {
    fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    const opened = fs.fstatSync(fd);
    if (!opened.isFile() || opened.ino !== st.ino || opened.dev !== st.dev) return false;
    const size = st.size;
    const sink = stream.entry({ ...header, type: 'file', size });
    const finished = new Promise<void>((resolve, reject) => {
      sink.on('finish', () => resolve());
      sink.on('error', reject);
    });
    const buf = Buffer.alloc(Math.min(CHUNK, Math.max(size, 1)));
    let sent = 0;
    while (sent < size) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, size - sent), sent);
      // A file that shrank while read is padded with zeros: the header already promised `size` bytes.
      const chunk = n > 0 ? Buffer.from(buf.subarray(0, n)) : Buffer.alloc(Math.min(buf.length, size - sent));
      sent += chunk.length;
      if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', () => r()));
    }
    sink.end(undefined);
    await finished;
    return true;
  } finally {
    fs.closeSync(fd);
  }
}
