/**
 * Integrity facts the judge needs: which changed paths are protected, and
 * whether any oracle or reference file changed since the run began.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { oracleKindOf } from '../oracles/registry.js';
import { protectedGlobs } from '../spec/protected.js';
import type { Spec } from '../spec/schema.js';
import { TASKS_FILE } from './lanes/tasks.js';

/** Workspace paths baton writes itself; a worker that edits them is tampering. */
export const HARNESS_FILES = ['PROMPT.md', 'PROGRESS.md', 'reports/**'];

/**
 * The changed paths that match `protected`, the defaults of the spec's oracles (test-runner files), or baton's own
 * files; with lanes also the planner's TASKS.yaml (a session that rewrote it would widen its own scope).
 */
export function protectedTouched(spec: Spec, changed: string[]): string[] {
  const planner = spec.parallel.lanes > 1 ? [TASKS_FILE] : [];
  const isProtected = picomatch([...HARNESS_FILES, ...planner, ...protectedGlobs(spec)], { dot: true });
  return changed.filter((p) => isProtected(p));
}

/** SHA-256 of every file under oracle/ and of every file its oracles' kinds reference (a table's reference), by path relative to the experiment. */
export function oracleFileHashes(spec: Spec, root: string): Record<string, string> {
  const files = new Set<string>();
  const walk = (rel: string): void => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    if (fs.statSync(abs).isDirectory()) {
      for (const e of fs.readdirSync(abs).sort()) walk(path.join(rel, e));
    } else files.add(rel);
  };
  walk('oracle');
  for (const o of spec.oracles) {
    for (const f of oracleKindOf(o).referencedFiles?.(o) ?? []) walk(path.normalize(f.path));
  }
  const out: Record<string, string> = {};
  for (const rel of [...files].sort())
    out[rel] = createHash('sha256')
      .update(fs.readFileSync(path.join(root, rel)))
      .digest('hex');
  return out;
}

/** Files whose hash differs from the recorded one, or that appeared or vanished. */
export function changedHashes(before: Record<string, string>, now: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(now)]);
  return [...keys].filter((k) => before[k] !== now[k]).sort();
}
