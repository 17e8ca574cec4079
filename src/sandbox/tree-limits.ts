/**
 * The rules both directions of a tree copy share (tree-pack.ts, in;
 * tree-extract.ts, out): the limits, the error for going over one, and the
 * pure decision of what an entry's name may be. Names are data written by
 * candidate code: a name is turned into path components here or refused
 * with a reason, never interpreted by the file system first.
 */
import { BatonError } from '../errors.js';
import type { SkipReason, TreeLimits } from './types.js';

/** The spec's default limits.file (256m) and limits.workspace (2g); 200,000 entries; PATH_MAX. */
export const DEFAULT_TREE_LIMITS: TreeLimits = {
  fileBytes: 256 * 1024 ** 2,
  totalBytes: 2 * 1024 ** 3,
  maxEntries: 200_000,
  maxNameBytes: 4096,
};

/** NAME_MAX of Linux file systems: a longer component cannot be created, so it is refused before trying. */
export const MAX_COMPONENT_BYTES = 255;

export function treeLimits(over: Partial<TreeLimits> | undefined): TreeLimits {
  return { ...DEFAULT_TREE_LIMITS, ...over };
}

/** A tree went over one of its limits: the copy stopped there. */
export class TreeLimitError extends BatonError {
  constructor(message: string, context: { limit: keyof TreeLimits; max: number; found: number; path?: string }) {
    super(message, { code: 'BATON_SANDBOX', context });
  }
}

/** A `.git` (any case), a look-alike git also reads as one (`.git.`, `.git `, `git~1`). */
export function isGitName(component: string): boolean {
  const name = component.toLowerCase();
  return name === '.git' || /^\.git[. ]+$/.test(name) || /^git~\d+$/.test(name);
}

export type NameDecision = { ok: true; parts: string[] } | { ok: false; reason: SkipReason; detail?: string };

/**
 * The path components of an archive entry's name under the tree's root, or
 * why it is refused. `root`: the archive's top folder (Docker names every
 * entry `<basename of the path>/...`), stripped; an entry outside it is
 * refused. Zero components: the root folder itself.
 */
export function entryParts(name: string, limits: TreeLimits, options: { root?: string; keepGit?: boolean } = {}): NameDecision {
  if (Buffer.byteLength(name) > limits.maxNameBytes) return { ok: false, reason: 'name-too-long', detail: `${Buffer.byteLength(name)} bytes` };
  if (name.includes('\0')) return { ok: false, reason: 'absolute', detail: 'a NUL byte in the name' };
  if (name.startsWith('/')) return { ok: false, reason: 'absolute' };
  let parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { ok: false, reason: 'dot-dot' };
  if (options.root !== undefined) {
    if (parts[0] !== options.root) return { ok: false, reason: 'outside-root', detail: `not under ${options.root}/` };
    parts = parts.slice(1);
  }
  const long = parts.find((p) => Buffer.byteLength(p) > MAX_COMPONENT_BYTES);
  if (long !== undefined) return { ok: false, reason: 'name-too-long', detail: `a component of ${Buffer.byteLength(long)} bytes` };
  if (!options.keepGit && parts.some(isGitName))
    return { ok: false, reason: 'git', detail: 'a repository inside the tree would be trusted by the next git command' };
  return { ok: true, parts };
}

/**
 * Whether a link at `parts` with this target stays inside the tree however
 * its components resolve: relative, its `..` only leading (they climb real
 * folders of the tree, never past its root), then names only. A `..` after a
 * name is refused: that name may be a link itself, and `d/up/..` with
 * `d/up -> ..` resolves outside although it reads as inside. By induction
 * every link of the tree then resolves inside it, whatever later follows it.
 */
export function linkStaysInside(parts: string[], target: string): boolean {
  if (target === '' || target.startsWith('/')) return false;
  const stack = parts.slice(0, -1);
  let named = false;
  for (const p of target.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (named || stack.length === 0) return false;
      stack.pop();
    } else named = true;
  }
  return true;
}

/** A name as reported back: cut, so a 5000-byte name does not flood a record. */
export function shownName(name: string): string {
  return name.length > 300 ? `${name.slice(0, 300)}…` : name;
}
