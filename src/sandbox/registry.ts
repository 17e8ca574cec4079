/**
 * The sandbox kinds by name: one descriptor each (kind.ts). A new kind is a
 * folder under src/sandbox with its descriptor and its modules, plus its line
 * in BUILT_IN; the spec's `sandbox.kind` values and keys, the isolation's
 * description, `baton sandbox doctor|sweep` and `baton run` all follow from
 * this table. Nothing heavy is imported here: the spec's schema reads it.
 */
import { dockerKind } from './docker-kind.js';
import type { SandboxKind } from './kind.js';
import { localKind } from './local-kind.js';

const BUILT_IN = [dockerKind, localKind] as const;

export type BuiltInSandboxKind = (typeof BUILT_IN)[number]['name'];

/** The values `sandbox.kind` may take in a spec. */
export const SANDBOX_KIND_NAMES = BUILT_IN.map((k) => k.name) as [BuiltInSandboxKind, ...BuiltInSandboxKind[]];

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Every built-in kind's own keys of `sandbox:`, for the spec's schema. */
export const SANDBOX_SPEC_FIELDS = Object.assign({}, ...BUILT_IN.map((k) => k.specFields)) as UnionToIntersection<(typeof BUILT_IN)[number]['specFields']>;

const kinds = new Map<string, SandboxKind>(BUILT_IN.map((k) => [k.name, k]));

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
 * removes it. Specs still accept only SANDBOX_KIND_NAMES: a caller running
 * one sets `sandbox.kind` after loading the spec.
 */
export function registerSandboxKind(kind: SandboxKind): () => void {
  if (kinds.has(kind.name)) throw new Error(`sandbox kind ${kind.name} is already registered`);
  kinds.set(kind.name, kind);
  return () => {
    if (kinds.get(kind.name) === kind) kinds.delete(kind.name);
  };
}
