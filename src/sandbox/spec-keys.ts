/**
 * What baton.yaml's schema takes from the sandbox kinds: their names and the
 * keys of `sandbox:` only one kind reads. Zod only, so the spec's schema
 * reaches none of the kinds' code; registry.ts pairs each name with its
 * descriptor, and the compiler refuses a name without one.
 */
import { z } from 'zod';

export const SANDBOX_KIND_KEYS = {
  docker: {
    image: z.string().min(1).default('baton-base'),
  },
  local: {
    allow_plain_processes: z
      .boolean()
      .default(false)
      .describe(
        'kind: local only. Where bubblewrap does not work, run commands as plain processes on the host, with no isolation at all. Refused when baton runs as root; named in REPORT.md.',
      ),
  },
};

export type SandboxKindName = keyof typeof SANDBOX_KIND_KEYS;

/** The values `sandbox.kind` may take in a spec. */
export const SANDBOX_KIND_NAMES = Object.keys(SANDBOX_KIND_KEYS) as [SandboxKindName, ...SandboxKindName[]];

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Every kind's own keys of `sandbox:`, merged into the spec's schema (a key is accepted whatever the kind, as before there were kinds). */
export const SANDBOX_SPEC_FIELDS = Object.assign({}, ...Object.values(SANDBOX_KIND_KEYS)) as UnionToIntersection<(typeof SANDBOX_KIND_KEYS)[SandboxKindName]>;
