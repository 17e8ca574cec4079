/**
 * The workspace paths a worker may not change: the spec's `protected` globs
 * plus defaults that follow from its oracles (a tests oracle protects the
 * test runner's configuration files: oracles/tests/protected.ts). Pure.
 */
import { oracleKindOf } from '../oracles/registry.js';
import type { Spec } from './schema.js';

/** Globs protected because of the spec's oracles (not written in `protected`). */
export function defaultProtected(spec: Pick<Spec, 'oracles'>): string[] {
  return [...new Set(defaultProtectedGroups(spec).flatMap((g) => g.globs))];
}

/** The same globs by the reason each oracle kind gives for them, one group per reason. */
export function defaultProtectedGroups(spec: Pick<Spec, 'oracles'>): { reason: string; globs: string[] }[] {
  const groups = new Map<string, Set<string>>();
  for (const o of spec.oracles) {
    const kind = oracleKindOf(o);
    const globs = kind.protectedGlobs?.(o) ?? [];
    if (globs.length === 0) continue;
    const reason = kind.protectedReason ?? `${kind.kind} oracle`;
    const set = groups.get(reason) ?? new Set<string>();
    for (const g of globs) set.add(g);
    groups.set(reason, set);
  }
  return [...groups].map(([reason, globs]) => ({ reason, globs: [...globs] }));
}

/**
 * What else Python imports in place of a protected module `X.py`: the
 * package `X/`, an extension module `X.so` / `X.<tag>.so`, and its cached
 * bytecode. Protecting `grader.py` alone lets `grader/__init__.py` shadow it.
 */
export function moduleShadows(glob: string): string[] {
  if (!glob.endsWith('.py')) return [];
  const stem = glob.slice(0, -3);
  const slash = stem.lastIndexOf('/');
  const dir = slash >= 0 ? stem.slice(0, slash + 1) : '';
  const name = stem.slice(slash + 1);
  return [`${stem}/**`, `${stem}.so`, `${stem}.*.so`, `${stem}.pyd`, `${dir}__pycache__/${name}.*`];
}

/** Every protected glob of the spec: its own (with the Python modules that would shadow them), then the defaults its oracles add. */
export function protectedGlobs(spec: Pick<Spec, 'oracles' | 'protected'>): string[] {
  return [...new Set([...spec.protected, ...spec.protected.flatMap(moduleShadows), ...defaultProtected(spec)])];
}
