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
import { HOST_GIT_CONFIG, hostGitArgs, hostGitEnv } from './host-git.js';
import { copyListedFiles, parseTreeEntry, splitZ, writeBlobs } from './tree-files.js';

export { HOST_GIT_CONFIG, hostGitArgs, hostGitEnv };
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
      code: 'BATON_GIT',
      context: { dir: this.dir, args },
      cause,
    });
  }

  /** Runs a git command and returns its stdout. */
  async run(args: string[]): Promise<string> {
    try {
      const r = await execa('git', hostGitArgs(args), {
        cwd: this.dir,
        env: hostGitEnv(),
        extendEnv: false,
        stripFinalNewline: false,
        maxBuffer: MAX_BUFFER,
        stdin: 'ignore',
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
    fs.writeFileSync(file, "# written by baton: the workspace's .gitattributes never apply to host git\n* !filter !ident !working-tree-encoding !eol -text\n");
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
        code: 'BATON_GIT',
        context: { dir: this.dir, commit, dest },
        cause,
      });
    }
  }
}

/** The Baton-* trailers of a commit message, if it has them. */
export function parseTrailers(message: string): { iteration?: number; verdict?: string } {
  const it = /^Baton-Iteration: (\d+)$/m.exec(message);
  const verdict = /^Baton-Verdict: (\S+)$/m.exec(message);
  return { iteration: it ? Number(it[1]) : undefined, verdict: verdict?.[1] };
}
