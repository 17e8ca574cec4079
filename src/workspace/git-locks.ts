/**
 * Git's lock files left by a killed run. Host git takes `.git/index.lock`,
 * `HEAD.lock`, `refs/.../*.lock` for the length of one command; a kill that
 * takes git with it (a power cut, `kill -9` of the process group) leaves the
 * file, and every later git command then fails the same way, forever. Only
 * the process holding the run's lock calls this: no other baton git runs in
 * the workspace, and the worker's view of .git is read-only, so a lock file
 * that outlives a short grace (an orphaned git of the killed run finishing)
 * is stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where git puts lock files (objects/ uses temporary files, never locks). */
const LOCK_PLACES = ['.', 'refs', 'logs'];

/** The lock files under `gitDir`, relative to it; links are never followed. */
export function gitLockFiles(gitDir: string): string[] {
  const found: string[] = [];
  const walk = (rel: string, deep: boolean): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(gitDir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel === '.' ? e.name : `${rel}/${e.name}`;
      if (e.isFile() && e.name.endsWith('.lock')) found.push(r);
      else if (deep && e.isDirectory()) walk(r, true);
    }
  };
  for (const place of LOCK_PLACES) walk(place, place !== '.');
  return found.sort();
}

/**
 * Waits up to `graceMs` for lock files to go (a killed run's orphaned git
 * finishing), then removes the rest; returns those removed, relative to the workspace.
 */
export async function clearStaleGitLocks(workspace: string, graceMs = 3000): Promise<string[]> {
  const gitDir = path.join(workspace, '.git');
  // A .git that is a link or a gitdir file is not baton's to tidy.
  if (!fs.lstatSync(gitDir, { throwIfNoEntry: false })?.isDirectory()) return [];
  const deadline = Date.now() + graceMs;
  let locks = gitLockFiles(gitDir);
  while (locks.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    locks = gitLockFiles(gitDir);
  }
  for (const l of locks) fs.rmSync(path.join(gitDir, l), { force: true });
  return locks.map((l) => `.git/${l}`);
}
