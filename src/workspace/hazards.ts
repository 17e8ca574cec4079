/**
 * What a session may have planted in the workspace that the host must never
 * meet: a `.git` below the root (a nested repository whose config, e.g.
 * core.fsmonitor, host git would run as root), and files past the size
 * limits (a 1 GB file that would wedge every later git command). The scan
 * never follows a link; the cleanup removes what it found before any host
 * git command touches the workspace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatBytes } from './text.js';

export interface Hazards {
  /** Paths (relative, `/`-separated) of every `.git` below the root (file, folder or link) and every name git refuses (see gitRefuses). */
  nestedGit: string[];
  /** Files larger than the per-file limit. */
  oversized: { path: string; bytes: number }[];
  /** Bytes of every regular file, the root's .git excluded. */
  totalBytes: number;
  /** Entries visited; the walk stops (and says so) past `maxEntries`. */
  entries: number;
  truncated: boolean;
}

export interface HazardLimits {
  fileBytes: number;
  maxEntries?: number;
}

/** Walks the workspace (never following links) and lists its hazards. */
export function scanHazards(root: string, limits: HazardLimits): Hazards {
  const out: Hazards = { nestedGit: [], oversized: [], totalBytes: 0, entries: 0, truncated: false };
  const maxEntries = limits.maxEntries ?? 1_000_000;
  const walk = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(rel ? path.join(root, rel) : root, { withFileTypes: true });
    } catch {
      return; // unreadable folder: git will say so; nothing of it is followed
    }
    for (const e of entries) {
      if (out.entries++ >= maxEntries) {
        out.truncated = true;
        return;
      }
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.name.toLowerCase() === '.git') {
        if (rel !== '') out.nestedGit.push(r);
        continue;
      }
      if (gitRefuses(e)) {
        out.nestedGit.push(r);
        continue;
      }
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) {
        let bytes = 0;
        try {
          bytes = fs.lstatSync(path.join(root, r)).size;
        } catch {
          continue;
        }
        out.totalBytes += bytes;
        if (bytes > limits.fileBytes) out.oversized.push({ path: r, bytes });
      }
    }
  };
  walk('');
  return out;
}

/**
 * Names git treats as its own or refuses to add: `.git` in any case (a
 * case-insensitive file system, or a later copy onto one, reads .GIT as
 * .git), `.git` followed by dots or spaces and `git~1` (NTFS spellings git
 * refuses everywhere), and a link named `.gitmodules` (refused by `git
 * add`, which would fail at every resume).
 */
function gitRefuses(e: fs.Dirent): boolean {
  const name = e.name.toLowerCase();
  if (/^\.git[. ]+$/.test(name) || /^git~\d+$/.test(name)) return true;
  return e.isSymbolicLink() && ['.gitmodules', '.gitattributes', '.gitignore', '.mailmap'].includes(name);
}

/** One line per hazard, for the session record and the report. */
export function describeHazards(h: Hazards, limits: { fileBytes: number; workspaceBytes: number }): { tamper: string[]; crash?: string } {
  const tamper = h.nestedGit.map(
    (p) =>
      `${p}, a name git treats as a repository or refuses (a nested .git, a .git look-alike, a linked .gitmodules), was planted in the workspace; baton removed it`,
  );
  const crash: string[] = [];
  if (h.oversized.length) {
    crash.push(
      `${h.oversized.map((f) => `${f.path} is ${formatBytes(f.bytes)}`).join(', ')}, over the ${formatBytes(limits.fileBytes)} file limit (limits.file); removed`,
    );
  }
  if (h.totalBytes > limits.workspaceBytes) {
    crash.push(`the workspace holds ${formatBytes(h.totalBytes)}, over the ${formatBytes(limits.workspaceBytes)} limit (limits.workspace)`);
  }
  if (h.truncated) crash.push('the workspace holds more than a million files');
  return { tamper, crash: crash.length ? `workspace-limit: ${crash.join('; ')}` : undefined };
}

/** Removes every nested .git and oversized file the scan found (links themselves, never their targets). */
export function removeHazards(root: string, h: Hazards): void {
  for (const rel of [...h.nestedGit, ...h.oversized.map((f) => f.path)]) {
    fs.rmSync(path.join(root, rel), { recursive: true, force: true });
  }
}
