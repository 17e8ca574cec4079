/**
 * The workspace repository through simple-git. baton commits as its own
 * author; commit messages carry trailers so `git log` tells the run's story.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { simpleGit, type SimpleGit } from 'simple-git';
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

/** A thin adapter over one repository. Every failure is a SystemError naming the git command. */
export class Repo {
  readonly dir: string;
  private readonly git: SimpleGit;

  constructor(dir: string) {
    this.dir = dir;
    this.git = simpleGit({
      baseDir: dir,
      maxConcurrentProcesses: 1,
      // Hooks never run: a worker-planted hook must not execute on the host.
      unsafe: { allowUnsafeHooksPath: true },
      // safe.directory: while a sandbox borrows the workspace, its files belong to the sandbox user.
      config: ['user.name=baton', 'user.email=baton@localhost', 'commit.gpgsign=false', 'core.hooksPath=/dev/null', 'safe.directory=*'],
    });
  }

  /** Creates a repository with `main` as its branch. */
  static async init(dir: string): Promise<Repo> {
    fs.mkdirSync(dir, { recursive: true });
    const repo = new Repo(dir);
    await repo.run(['init', '-q', '-b', 'main']);
    return repo;
  }

  /** Runs a git command and returns its stdout. */
  async run(args: string[]): Promise<string> {
    try {
      return await this.git.raw(args);
    } catch (cause) {
      throw new SystemError(`git ${args.join(' ')} failed in ${this.dir}: ${(cause as Error).message.trim()}`, {
        code: 'BATON_GIT',
        context: { dir: this.dir, args },
        cause,
      });
    }
  }

  async head(): Promise<string> {
    return (await this.run(['rev-parse', 'HEAD'])).trim();
  }

  /** The full message of a commit. */
  async message(commit = 'HEAD'): Promise<string> {
    return this.run(['log', '-1', '--format=%B', commit]);
  }

  async hasCommits(): Promise<boolean> {
    try {
      await this.git.raw(['rev-parse', '--verify', '-q', 'HEAD']);
      return true;
    } catch {
      return false;
    }
  }

  /** Stages everything and commits (even when nothing changed); returns the new commit. */
  async commitAll(subject: string, trailers?: CommitTrailers): Promise<string> {
    await this.run(['add', '-A']);
    failpoint('git:add');
    await this.run(['commit', '-q', '--allow-empty', '--no-verify', '-m', commitMessage(subject, trailers)]);
    return this.head();
  }

  /** Paths changed between two commits (renames as both paths). */
  async changedPaths(from: string, to: string): Promise<string[]> {
    const out = await this.run(['diff', '--name-only', '--no-renames', from, to]);
    return out.split('\n').filter(Boolean);
  }

  /** Paths changed in the working tree against a commit, untracked included. */
  async dirtyPaths(): Promise<string[]> {
    const out = await this.run(['status', '--porcelain', '-uall', '--no-renames']);
    return out.split('\n').filter(Boolean).map((l) => l.slice(3));
  }

  async diff(from: string, to: string): Promise<string> {
    return this.run(['diff', '--binary', from, to]);
  }

  /** Discards every change and untracked file (ignored files stay), then moves the branch to `commit`. */
  async resetHard(commit: string): Promise<void> {
    await this.run(['reset', '-q', '--hard', commit]);
    await this.run(['clean', '-q', '-fd']);
  }

  async updateRef(ref: string, commit: string): Promise<void> {
    await this.run(['update-ref', ref, commit]);
  }

  async refExists(ref: string): Promise<boolean> {
    try {
      await this.git.raw(['rev-parse', '--verify', '-q', ref]);
      return true;
    } catch {
      return false;
    }
  }

  async isAncestor(ancestor: string, of: string): Promise<boolean> {
    try {
      await this.git.raw(['merge-base', '--is-ancestor', ancestor, of]);
      return true;
    } catch {
      return false;
    }
  }

  async logOneline(n: number): Promise<string> {
    return this.run(['log', '--oneline', '-n', String(n)]);
  }

  /** Copies the working tree (tracked and untracked files, ignored ones left out) into `dest`, without .git. */
  async exportWorkingTree(dest: string): Promise<void> {
    const out = await this.run(['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
    for (const rel of new Set(out.split('\0').filter(Boolean))) {
      const from = path.join(this.dir, rel);
      if (!fs.existsSync(from)) continue; // deleted but not staged
      fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
      fs.cpSync(from, path.join(dest, rel), { verbatimSymlinks: true });
    }
  }

  /** Writes the tree of `commit` into `dest` (a fresh folder), without .git. */
  async exportTree(commit: string, dest: string): Promise<void> {
    fs.mkdirSync(dest, { recursive: true });
    try {
      await execa('git', ['archive', '--format=tar', commit], { cwd: this.dir }).pipe('tar', ['-x', '-C', dest]);
    } catch (cause) {
      throw new SystemError(`could not export commit ${commit} of ${this.dir} to ${dest}`, {
        code: 'BATON_GIT', context: { dir: this.dir, commit, dest }, cause,
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
