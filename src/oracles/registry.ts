/**
 * The oracle kinds by name. Descriptors are imported statically (they are
 * light: names, rules, report builders); each oracle itself is loaded on
 * first use through its descriptor's `load()`, because the table oracle
 * pulls in mathjs, the browser oracle Playwright, and a `baton` command that
 * measures nothing (status, log, the resume path of run) should not pay
 * seconds for them at start-up.
 *
 * Import direction: oracles/<kind>/ imports the contract (descriptor.ts,
 * types.ts) and shared helpers from src/; src/ reaches a kind only through
 * this file (and specs.ts, for the kinds' spec schemas).
 */
import { benchmarkKind } from '../../oracles/benchmark/descriptor.js';
import { browserKind } from '../../oracles/browser/descriptor.js';
import { commandKind } from '../../oracles/command/descriptor.js';
import { tableKind } from '../../oracles/table/descriptor.js';
import { testsKind } from '../../oracles/tests/descriptor.js';
import type { OracleDescriptor, OracleSpecBase } from './descriptor.js';
import { ORACLE_SPECS } from './specs.js';
import type { Oracle } from './types.js';

/**
 * The built-in kinds. Where findings of several kinds are listed together
 * (`baton check`'s warnings, the report's integrity list), they come kind by
 * kind in this order.
 */
const BUILT_IN: readonly OracleDescriptor[] = [tableKind, testsKind, browserKind, commandKind, benchmarkKind];

/** Kinds registered at run time (a test's own kind), after the built-in ones. */
const registered = new Map<string, OracleDescriptor>();

/** Every kind: the built-in ones, then the registered ones. */
export function oracleKinds(): OracleDescriptor[] {
  return [...BUILT_IN, ...registered.values()];
}

/** The descriptor of a kind, if there is one. */
export function oracleKind(kind: string): OracleDescriptor | undefined {
  return BUILT_IN.find((d) => d.kind === kind) ?? registered.get(kind);
}

/** The descriptor of a spec's oracle. Specs only parse with known kinds, so a missing one is a programming error. */
export function oracleKindOf(oracle: { kind: string }): OracleDescriptor {
  const d = oracleKind(oracle.kind);
  if (!d) throw new Error(`no oracle kind "${oracle.kind}" is registered`);
  return d;
}

/**
 * Adds a kind (its spec then parses, and spec/, run/, judge/ and report/
 * treat it like a built-in one). Returns the function that removes it again.
 */
export function registerOracleKind(d: OracleDescriptor): () => void {
  if (oracleKind(d.kind)) throw new Error(`oracle kind "${d.kind}" is already registered`);
  registered.set(d.kind, d);
  return () => {
    if (registered.get(d.kind) === d) registered.delete(d.kind);
  };
}

/** The kinds of the spec's static oracle union (schema.ts), which `baton schema` prints and the Spec type knows. */
export function staticKinds(): string[] {
  return ORACLE_SPECS.map((o) => o.shape.kind.value);
}

/** The kinds the spec's static union lacks (the ones registered at run time), whose schemas the spec must add. */
export function extraKinds(): OracleDescriptor[] {
  const known = new Set<string>(staticKinds());
  return oracleKinds().filter((d) => !known.has(d.kind));
}

/** The spec's oracles with their descriptors and indexes, kind by kind in registry order (spec order within a kind). */
export function oraclesByKind<O extends { kind: string }>(oracles: readonly O[]): { oracle: O; index: number; kind: OracleDescriptor }[] {
  return oracleKinds().flatMap((kind) => oracles.flatMap((oracle, index) => (oracle.kind === kind.kind ? [{ oracle, index, kind }] : [])));
}

/** The oracle implementing a kind. */
export async function oracleFor(kind: string): Promise<Oracle | undefined> {
  return oracleKind(kind)?.load();
}

/** The images the spec's oracles start their sandboxes from besides `sandbox.image`, each with the oracle that needs it (`baton check`). */
export function neededImages(oracles: readonly OracleSpecBase[]): { name: string; by: string }[] {
  return oracles.flatMap((o, i) => (oracleKindOf(o).images?.(o) ?? []).map((name) => ({ name, by: `oracles[${i}] (${o.id})` })));
}
