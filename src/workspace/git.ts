/**
 * The workspace repository. The workspace is hostile, so host git runs with
 * a fixed environment: no system or global config, no hooks, no fsmonitor,
 * no submodule recursion, no external diff or textconv, and every path list
 * read NUL-separated. A snapshot is written from the commit's objects, not
 * by `git archive` (which honours the tree's own .gitattributes:
 * export-ignore and export-subst would make the measured tree differ from
 * the committed one). Large outputs stream to files; nothing unbounded is
 * buffered.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { SystemError } from '../errors.js';
import { failpoint } from '../failpoint.js';
export interface CommitTrailers {
  iteration: number;
  verdict: string;
  metrics?: Record<string, number>;
}

/** The commit message of an iteration: subject plus Baton-* trailers. */
export function commitMessage(subject: string, trailers?: CommitTrailers): string {
  if (!trailers) return subject;
  const lines = [`Baton-Iteration: ${trailers.iteration}`, `Baton-Verdict: ${trailers.verdict}`];
  if (trailers.metrics && Object.keys(trailers.metrics).length) lines.push(`Baton-Metrics: ${JSON.stringify(trailers.metrics)}`);
  return `${subject}\n\n${lines.join('\n')}`;
}

/** Settings every host git command runs with, whatever the repository's own config says. */
export const HOST_GIT_CONFIG = [
  'user.name=baton', 'user.email=baton@localhost', 'commit.gpgsign=false', 'tag.gpgsign=false',
  'core.hooksPath=/dev/null', 'core.fsmonitor=false', 'core.untrackedCache=false', 'core.attributesFile=/dev/null',
  'core.excludesFile=/dev/null', 'core.pager=cat', 'core.quotePath=false', 'core.autocrlf=false', 'core.symlinks=true',
  'submodule.recurse=false', 'diff.ignoreSubmodules=all', 'status.submoduleSummary=false', 'diff.external=',
  'protocol.allow=never', 'credential.helper=', 'gc.auto=0', 'maintenance.auto=false',
  // While a sandbox borrows the workspace its files belong to the sandbox user.
  'safe.directory=*',
];

/** The environment of host git: only what git needs, never the harness's secrets or the user's git config. */
export function hostGitEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: '/nonexistent',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_NO_REPLACE_OBJECTS: '1',
  };
}

/** Arguments that put HOST_GIT_CONFIG in force for one command. */
export function hostGitArgs(args: string[]): string[] {
  return [...HOST_GIT_CONFIG.flatMap((c) => ['-c', c]), ...args];
}

/** stdout of one command is capped at this (path lists, logs); larger outputs stream to files. */
const MAX_BUFFER = 64 * 1024 * 1024;

/** A thin adapter over one repository. Every failure is a SystemError naming the git command. */
export class Repo {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Creates a repository with `main` as its branch. */
  static async init(dir: string): Promise<Repo> {
    fs.mkdirSync(dir, { recursive: true });
    const repo = new Repo(dir);
    await repo.run(['init', '-q', '-b', 'main']);
    return repo;
  }

  private fail(args: string[], cause: unknown, detail?: string): SystemError {
    const msg = detail ?? ((cause as { stderr?: string }).stderr?.trim() || (cause as Error).message);
    return new SystemError(`git ${args.join(' ')} failed in ${this.dir}: ${msg}`, {
      code: 'BATON_GIT', context: { dir: this.dir, args }, cause,
    });
  }

  /** Runs a git command and returns its stdout. */
  async run(args: string[]): Promise<string> {
    try {
      const r = await execa('git', hostGitArgs(args), {
        cwd: this.dir, env: hostGitEnv(), extendEnv: false, stripFinalNewline: false, maxBuffer: MAX_BUFFER, stdin: 'ignore',
      });
      return r.stdout;
    } catch (cause) {
      throw this.fail(args, cause);
    }
  }

  /** Whether a command exits 0 (for yes/no questions such as rev-parse --verify). */
  private async succeeds(args: string[]): Promise<boolean> {
    const r = await execa('git', hostGitArgs(args), { cwd: this.dir, env: hostGitEnv(), extendEnv: false, reject: false, stdin: 'ignore' });
    return r.exitCode === 0;
  }

  async head(): Promise<string> {
    return (await this.run(['rev-parse', 'HEAD'])).trim();
  }

  /** The full message of a commit. */
  async message(commit = 'HEAD'): Promise<string> {
    return this.run(['log', '-1', '--format=%B', commit]);
  }

  /** Whether HEAD names a branch (an unborn one included), not a detached commit. */
  async onBranch(): Promise<boolean> {
    return this.succeeds(['symbolic-ref', '-q', 'HEAD']);
  }

  /** Puts the listed tracked paths back as HEAD has them (index and working tree). */
  async restoreFromHead(paths: string[]): Promise<void> {
    await this.run(['checkout', '-q', 'HEAD', '--', ...paths.map((p) => `:(literal)${p}`)]);
  }

  async hasCommits(): Promise<boolean> {
    return this.succeeds(['rev-parse', '--verify', '-q', 'HEAD']);
  }

  /** Stages everything and commits (even when nothing changed); returns the new commit. */
  async commitAll(subject: string, trailers?: CommitTrailers): Promise<string> {
    await this.run(['add', '-A']);
    failpoint('git:add');
    await this.run(['commit', '-q', '--allow-empty', '--no-verify', '-m', commitMessage(subject, trailers)]);
    return this.head();
  }

  /**
   * Writes `.git/info/attributes`, which outranks every `.gitattributes` in
   * the tree: no filter, ident, encoding or eol conversion applies when the
   * host adds or checks out files, so the worker's attributes can neither
   * change what is committed nor make `git add` fail at every resume.
   */
  async pinAttributes(): Promise<void> {
    const rel = (await this.run(['rev-parse', '--git-path', 'info/attributes'])).trim();
    const file = path.resolve(this.dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '# written by baton: the workspace\'s .gitattributes never apply to host git\n* !filter !ident !working-tree-encoding !eol -text\n');
  }

  /** Paths changed between two commits (renames as both paths). */
  async changedPaths(from: string, to: string): Promise<string[]> {
    return splitZ(await this.run(['diff', '--name-only', '-z', '--no-renames', '--no-ext-diff', '--no-textconv', from, to]));
  }

  /** Paths changed in the working tree against HEAD, untracked included. */
  async dirtyPaths(): Promise<string[]> {
    // -z: names are raw bytes, never quoted; each entry is "XY path".
    return splitZ(await this.run(['status', '--porcelain=v1', '-z', '-uall', '--no-renames', '--ignore-submodules=all'])).map((l) => l.slice(3));
  }

  /** Whether `rel` is tracked at HEAD's index. */
  async isTracked(rel: string): Promise<boolean> {
    return (await this.run(['ls-files', '-z', '--', `:(literal)${rel}`])) !== '';
  }

  /** The binary diff between two commits, at most `maxBytes` of it (the rest is cut and marked). */
  async diff(from: string, to: string, maxBytes = 1024 * 1024, pathspec: string[] = []): Promise<{ text: string; truncated: boolean }> {
    const args = ['diff', '--binary', '--no-ext-diff', '--no-textconv', from, to, ...(pathspec.length ? ['--', ...pathspec] : [])];
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const child = execa('git', hostGitArgs(args), { cwd: this.dir, env: hostGitEnv(), extendEnv: false, buffer: false, stdin: 'ignore', reject: false });
    for await (const chunk of child.stdout! as AsyncIterable<Buffer>) {
      if (size + chunk.length > maxBytes) {
        chunks.push(chunk.subarray(0, maxBytes - size));
        size = maxBytes;
        truncated = true;
        child.kill();
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
    const r = await child;
    if (!truncated && r.exitCode !== 0) throw this.fail(args, r);
    return { text: Buffer.concat(chunks).toString('utf8'), truncated };
  }

  /** Streams the binary diff between two commits into `file` (a patch of any size, never buffered). */
  async diffToFile(from: string, to: string, file: string): Promise<void> {
    const args = ['diff', '--binary', '--no-ext-diff', '--no-textconv', from, to];
    const tmp = `${file}.partial`;
    try {
      await execa('git', hostGitArgs(args), { cwd: this.dir, env: hostGitEnv(), extendEnv: false, stdout: { file: tmp }, stdin: 'ignore' });
      fs.renameSync(tmp, file);
    } catch (cause) {
      fs.rmSync(tmp, { force: true });
      throw this.fail(args, cause);
    }
  }

  /** Discards every change and untracked file (ignored files stay), then moves the branch to `commit`. */
  async resetHard(commit: string): Promise<void> {
    await this.run(['reset', '-q', '--hard', commit]);
    // -ff: also removes untracked nested repositories, which a single -f leaves behind.
    await this.run(['clean', '-q', '-ffd']);
  }

  async updateRef(ref: string, commit: string): Promise<void> {
    await this.run(['update-ref', ref, commit]);
  }

  async refExists(ref: string): Promise<boolean> {
    return this.succeeds(['rev-parse', '--verify', '-q', ref]);
  }

  async isAncestor(ancestor: string, of: string): Promise<boolean> {
    return this.succeeds(['merge-base', '--is-ancestor', ancestor, of]);
  }

  async logOneline(n: number): Promise<string> {
    return this.run(['log', '--oneline', '-n', String(n)]);
  }

  /** Copies the working tree (tracked and untracked files, ignored ones left out) into `dest`, without .git. */
  async exportWorkingTree(dest: string): Promise<void> {
    const listed = splitZ(await this.run(['ls-files', '-z', '--cached', '--others', '--exclude-standard']));
    copyListedFiles(this.dir, new Set(listed), dest);
  }

  /**
   * Writes the tree of `commit` into `dest` (a fresh folder), without .git,
   * from the commit's objects: no attribute, filter or eol conversion applies.
   */
  async exportTree(commit: string, dest: string): Promise<void> {
    fs.mkdirSync(dest, { recursive: true });
    const args = ['ls-tree', '-r', '-z', '--full-tree', commit];
    try {
      const entries = splitZ(await this.run(args)).map(parseTreeEntry);
      const blobs = entries.filter((e) => e.type === 'blob');
      await writeBlobs(this.dir, blobs, dest);
    } catch (cause) {
      throw new SystemError(`could not export commit ${commit} of ${this.dir} to ${dest}: ${(cause as Error).message}`, {
        code: 'BATON_GIT', context: { dir: this.dir, commit, dest }, cause,
      });
    }
  }
}

function splitZ(out: string): string[] {
  return out.split('\0').filter(Boolean);
}

interface TreeEntry {
  mode: string;
  type: string;
  sha: string;
  path: string;
}

function parseTreeEntry(line: string): TreeEntry {
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
async function writeBlobs(repoDir: string, blobs: TreeEntry[], dest: string): Promise<void> {
  const files = blobs.filter((b) => b.mode !== '120000');
  const links = blobs.filter((b) => b.mode === '120000');
  const ordered = [...files, ...links];
  if (!ordered.length) return;
  const child = execa('git', hostGitArgs(['cat-file', '--batch']), {
    cwd: repoDir, env: hostGitEnv(), extendEnv: false, buffer: false, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe',
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
export function copyListedFiles(from: string, listed: Set<string>, dest: string, limits: { fileBytes: number; totalBytes: number } = { fileBytes: Infinity, totalBytes: Infinity }): void {
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
    if (total > limits.totalBytes) throw new Error(`the working tree holds more than ${limits.totalBytes} bytes, the workspace limit (limits.workspace); not copied`);
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

/** The Baton-* trailers of a commit message, if it has them. */
export function parseTrailers(message: string): { iteration?: number; verdict?: string } {
  const it = /^Baton-Iteration: (\d+)$/m.exec(message);
  const verdict = /^Baton-Verdict: (\S+)$/m.exec(message);
  return { iteration: it ? Number(it[1]) : undefined, verdict: verdict?.[1] };
}
