/**
 * The workspace paths a worker may not change: the spec's `protected` globs
 * plus defaults that follow from its oracles (a tests oracle protects the
 * test runner's configuration files: oracles/tests/protected.ts). Pure.
 */
import { oracleKindOf } from '../oracles/registry.js';
import type { Spec } from './schema.js';

/** Globs protected because of the spec's oracles (not written in `protected`). */
export function defaultProtected(spec: Pick<Spec, 'oracles'>): string[] {
  return [...new Set(spec.oracles.flatMap((o) => oracleKindOf(o).protectedGlobs?.(o) ?? []))];
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
