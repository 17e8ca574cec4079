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

  /** Runs a git command and returns its stdout; `env` adds to host git's fixed environment (GIT_INDEX_FILE). */
  async run(args: string[], env: Record<string, string> = {}): Promise<string> {
    try {
      const r = await execa('git', hostGitArgs(args), {
        cwd: this.dir,
        env: { ...hostGitEnv(), ...env },
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
    fs.writeFileSync(
      file,
      "# written by baton: the workspace's .gitattributes never apply to host git\n* !filter !ident !working-tree-encoding !eol -text !merge\n" +
        '# lanes append to the notes at once: integrating one onto another keeps both sides\n/NOTES.md merge=union\n/PLAN.md merge=union\n',
    );
  }

  /**
   * Commits the files of `dir`, a folder outside the repository (a lane's
   * workspace copied out of its sandbox, already stripped of .git and
   * everything tree-extract.ts refuses), as a child of `parent`, through an
   * index of its own: main's index and work tree are untouched, so this runs
   * while the judge works on main. Paths under `keep` stay as in `parent`
   * (baton's own files, which a session does not write). The workspace's
   * .gitignore applies as it does to a session on main.
   */
  async commitFolder(dir: string, parent: string, message: string, keep: string[], indexFile: string): Promise<string> {
    const env = { GIT_INDEX_FILE: indexFile };
    fs.rmSync(indexFile, { force: true });
    try {
      await this.run(['read-tree', parent], env);
      await this.run(['--work-tree', dir, 'add', '-A', '--', '.', ...keep.map((k) => `:(exclude,literal)${k}`)], env);
      const tree = (await this.run(['write-tree'], env)).trim();
      return (await this.run(['commit-tree', tree, '-p', parent, '-m', message])).trim();
    } finally {
      fs.rmSync(indexFile, { force: true });
    }
  }

  /**
   * The tree of `theirs` applied onto `ours` (three-way, from their merge
   * base), without touching the work tree; or the paths that conflict.
   * Attributes come from info/attributes only (pinAttributes): a union merge
   * for the notes files, nothing the workspace's .gitattributes says.
   */
  async mergeTree(ours: string, theirs: string): Promise<{ tree: string } | { conflicts: string[] }> {
    const args = ['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', ours, theirs];
    const r = await execa('git', hostGitArgs(args), {
      cwd: this.dir,
      env: hostGitEnv(),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      maxBuffer: MAX_BUFFER,
    });
    if (r.exitCode !== 0 && r.exitCode !== 1) throw this.fail(args, r);
    const [tree, ...rest] = r.stdout.split('\0');
    if (r.exitCode === 0) return { tree: tree.trim() };
    // With --name-only -z: the tree, then each conflicted path, then an empty field before the (suppressed) messages.
    const end = rest.indexOf('');
    return { conflicts: [...new Set(end < 0 ? rest : rest.slice(0, end))] };
  }

  /** A commit of `tree` with one parent, made without touching the work tree or index. */
  async commitTree(tree: string, parent: string, message: string): Promise<string> {
    return (await this.run(['commit-tree', tree, '-p', parent, '-m', message])).trim();
  }

  /**
   * The text of file `rel` in `commit`: undefined when it is not a regular
   * file there (missing, a link, a folder) or is over `maxBytes`.
   */
  async blobText(commit: string, rel: string, maxBytes: number): Promise<string | undefined> {
    const line = await this.run(['ls-tree', '-z', commit, '--', `:(literal)${rel}`]);
    const entry = splitZ(line).map(parseTreeEntry)[0];
    if (!entry || (entry.mode !== '100644' && entry.mode !== '100755')) return undefined;
    if (Number((await this.run(['cat-file', '-s', entry.sha])).trim()) > maxBytes) return undefined;
    return this.run(['cat-file', 'blob', entry.sha]);
  }

  /** The first parent of a commit. */
  async parentOf(commit: string): Promise<string> {
    return (await this.run(['rev-parse', `${commit}^`])).trim();
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
    // -ff: also removes untracked nested repositories, which a single -f leaves behind. Again until nothing is left:
    // a file an untracked .gitignore hid survives the clean that removes that .gitignore, and the next `add -A` would
    // commit it unseen; each round removes one layer of hiding (ignored ignore files stay, and keep hiding what they hide).
    for (let round = 0; round < 10; round++) {
      if (!(await this.run(['clean', '-ffd'])).trim()) break;
    }
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
