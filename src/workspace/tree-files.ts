/**
 * Files out of git and out of a live working tree, onto the host, without
 * trusting a name or a link in them: a commit's blobs streamed through one
 * `git cat-file --batch` into a fresh folder, and the listed files of a
 * working tree copied without following links. Used by git.ts (snapshots)
 * and the measure tool (the live tree).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { hostGitArgs, hostGitEnv } from './host-git.js';

export function splitZ(out: string): string[] {
  return out.split('\0').filter(Boolean);
}

export interface TreeEntry {
  mode: string;
  type: string;
  sha: string;
  path: string;
}

export function parseTreeEntry(line: string): TreeEntry {
  const tab = line.indexOf('\t');
  const [mode, type, sha] = line.slice(0, tab).split(' ');
  return { mode, type, sha, path: line.slice(tab + 1) };
}

/** Creates the folders of `rel` under `dest`, refusing to pass through anything but a real folder. */
function ensureParents(dest: string, rel: string): string | undefined {
  const parts = rel.split('/');
  // Never written: a `.git` (any case) inside a snapshot would be a repository the next git command trusts.
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.toLowerCase() === '.git')) return undefined;
  let dir = dest;
  for (const part of parts.slice(0, -1)) {
    dir = path.join(dir, part);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(dir);
    } catch {
      fs.mkdirSync(dir);
      continue;
    }
    if (!st.isDirectory()) throw new Error(`${rel}: ${path.relative(dest, dir)} is not a folder`);
  }
  return path.join(dest, rel);
}

/**
 * Streams every blob through one `git cat-file --batch` into its file. Links
 * are created last, so no file is ever written through one; files are
 * created exclusively (O_EXCL | O_NOFOLLOW).
 */
export async function writeBlobs(repoDir: string, blobs: TreeEntry[], dest: string): Promise<void> {
  const files = blobs.filter((b) => b.mode !== '120000');
  const links = blobs.filter((b) => b.mode === '120000');
  const ordered = [...files, ...links];
  if (!ordered.length) return;
  const child = execa('git', hostGitArgs(['cat-file', '--batch']), {
    cwd: repoDir,
    env: hostGitEnv(),
    extendEnv: false,
    buffer: false,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  child.catch(() => undefined);
  const reader = new BatchReader(child.stdout! as AsyncIterable<Buffer>);
  try {
    for (const entry of ordered) {
      child.stdin!.write(`${entry.sha}\n`);
      const size = await reader.header(entry.sha);
      const target = ensureParents(dest, entry.path);
      if (target === undefined) {
        await reader.stream(size, () => undefined);
      } else if (entry.mode === '120000') {
        const linkTarget = await reader.readAll(size);
        fs.symlinkSync(linkTarget.toString('utf8'), target);
      } else {
        const mode = entry.mode === '100755' ? 0o755 : 0o644;
        const fd = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, mode);
        try {
          await reader.stream(size, (chunk) => {
            fs.writeSync(fd, chunk);
          });
        } finally {
          fs.closeSync(fd);
        }
        fs.chmodSync(target, mode); // the umask must not decide whether a script is executable
      }
      await reader.skipNewline();
    }
  } finally {
    child.stdin!.end();
    await child.catch(() => undefined);
  }
}

/** Reads `git cat-file --batch` output: "<sha> <type> <size>\n<content>\n", chunk by chunk. */
class BatchReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly it: AsyncIterator<Buffer>;
  constructor(source: AsyncIterable<Buffer>) {
    this.it = source[Symbol.asyncIterator]();
  }
  private async more(): Promise<void> {
    const next = await this.it.next();
    if (next.done) throw new Error('git cat-file ended early');
    this.buf = this.buf.length ? Buffer.concat([this.buf, next.value]) : next.value;
  }
  async header(sha: string): Promise<number> {
    let nl: number;
    while ((nl = this.buf.indexOf(10)) < 0) await this.more();
    const line = this.buf.subarray(0, nl).toString('utf8');
    this.buf = this.buf.subarray(nl + 1);
    const m = /^([0-9a-f]+) blob (\d+)$/.exec(line);
    if (!m || m[1] !== sha) throw new Error(`unexpected git cat-file answer for ${sha}: ${line}`);
    return Number(m[2]);
  }
  async stream(size: number, sink: (chunk: Buffer) => void): Promise<void> {
    let left = size;
    while (left > 0) {
      if (!this.buf.length) await this.more();
      const take = Math.min(left, this.buf.length);
      sink(this.buf.subarray(0, take));
      this.buf = this.buf.subarray(take);
      left -= take;
    }
  }
  async readAll(size: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    await this.stream(size, (c) => parts.push(Buffer.from(c)));
    return Buffer.concat(parts);
  }
  async skipNewline(): Promise<void> {
    if (!this.buf.length) await this.more();
    this.buf = this.buf.subarray(1);
  }
}

/**
 * Copies the listed paths of `from` into `dest` without following links:
 * every folder on the way must be a real folder, files are opened with
 * O_NOFOLLOW and must be regular, links are recreated as links, anything
 * else (FIFOs, sockets, devices, nested .git) is skipped. Safe against the
 * worker only while its processes are stopped (paused or gone).
 */
export function copyListedFiles(
  from: string,
  listed: Set<string>,
  dest: string,
  limits: { fileBytes: number; totalBytes: number } = { fileBytes: Infinity, totalBytes: Infinity },
): void {
  let total = 0;
  for (const rel of listed) {
    const parts = rel.split('/');
    if (parts.some((p) => p === '' || p === '..' || p.toLowerCase() === '.git')) continue;
    let ok = true;
    let dir = from;
    for (const part of parts.slice(0, -1)) {
      dir = path.join(dir, part);
      const st = fs.lstatSync(dir, { throwIfNoEntry: false });
      if (!st?.isDirectory()) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    const src = path.join(from, rel);
    const st = fs.lstatSync(src, { throwIfNoEntry: false });
    if (!st) continue; // deleted in the working tree
    const target = ensureParents(dest, rel);
    if (target === undefined) continue;
    if (st.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(src), target);
      continue;
    }
    if (!st.isFile()) continue;
    // Checked before copying: a sparse 10 TB file costs the worker nothing and would fill the host's disk.
    if (st.size > limits.fileBytes) throw new Error(`${rel} is ${st.size} bytes, over the ${limits.fileBytes}-byte file limit (limits.file); not copied`);
    total += st.size;
    if (total > limits.totalBytes)
      throw new Error(`the working tree holds more than ${limits.totalBytes} bytes, the workspace limit (limits.workspace); not copied`);
    let fd: number;
    try {
      fd = fs.openSync(src, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch {
      continue;
    }
    try {
      const opened = fs.fstatSync(fd);
      if (!opened.isFile() || opened.ino !== st.ino) continue;
      const out = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, opened.mode & 0o777);
      try {
        const buf = Buffer.alloc(1024 * 1024);
        let n: number;
        while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) fs.writeSync(out, buf, 0, n);
      } finally {
        fs.closeSync(out);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
}
