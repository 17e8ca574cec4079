/**
 * The sandbox kinds by name: one descriptor each (kind.ts). A new kind is a
 * folder under src/sandbox with its descriptor and its modules, its line in
 * BUILT_IN, and its name (with any keys of `sandbox:` only it reads) in
 * spec-keys.ts; the compiler holds the two lists together. The spec's values
 * and keys, the isolation's description, `baton sandbox doctor|sweep` and
 * `baton run` all follow. Nothing heavy is imported here: descriptors load
 * their modules when called.
 */
import { dockerKind } from './docker-kind.js';
import type { SandboxKind } from './kind.js';
import { localKind } from './local-kind.js';
import { slurmKind } from './slurm-kind.js';
import type { SandboxKindName } from './spec-keys.js';

const BUILT_IN: { [K in SandboxKindName]: SandboxKind & { name: K } } = {
  docker: dockerKind,
  local: localKind,
  slurm: slurmKind,
};

const kinds = new Map<string, SandboxKind>(Object.values(BUILT_IN).map((k) => [k.name, k]));

/** The kind named `name`; undefined when none is registered. */
export function sandboxKind(name: string): SandboxKind | undefined {
  return kinds.get(name);
}

/** Every registered kind, built-in ones first. */
export function sandboxKinds(): SandboxKind[] {
  return [...kinds.values()];
}

/**
 * Adds a kind beyond the built-in ones (a test's); returns the function that
 * removes it. Specs still accept only the built-in names (spec-keys.ts): a
 * caller running one sets `sandbox.kind` after loading the spec.
 */
export function registerSandboxKind(kind: SandboxKind): () => void {
  if (kinds.has(kind.name)) throw new Error(`sandbox kind ${kind.name} is already registered`);
  kinds.set(kind.name, kind);
  return () => {
    if (kinds.get(kind.name) === kind) kinds.delete(kind.name);
  };
}
