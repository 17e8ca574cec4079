/**
 * What baton.yaml's schema takes from the sandbox kinds: their names and the
 * keys of `sandbox:` only one kind reads. Zod only, so the spec's schema
 * reaches none of the kinds' code; registry.ts pairs each name with its
 * descriptor, and the compiler refuses a name without one.
 */
import { z } from 'zod';
import { DURATION_PATTERN } from '../spec/units.js';
import { parseSshUrl } from './ssh-url.js';

export const SANDBOX_KIND_KEYS = {
  docker: {
    image: z.string().min(1).default('baton-base'),
    hosts: z
      .array(
        z.string().refine((u) => typeof parseSshUrl(u) !== 'string', {
          message: 'expected ssh://user@host, ssh://user@host:port or ssh://user@host/path/to/docker.sock',
        }),
      )
      .max(64)
      .default([])
      .describe(
        'kind: docker only. Docker engines on other machines, reached over SSH (ssh://user@host[:port][/docker.sock]); sessions and measurements spread over them, the workspace copied in and out through the engine. Empty: the local engine (or DOCKER_HOST).',
      ),
    ssh: z
      .object({
        identity: z.string().min(1).optional().describe('Private key file for sandbox.hosts (default: ~/.ssh/id_ed25519, id_ecdsa or id_rsa, and ssh-agent).'),
        known_hosts: z.string().min(1).optional().describe("File with the hosts' keys (default ~/.ssh/known_hosts); a host without a key there is refused."),
      })
      .strict()
      .default({}),
  },
  slurm: {
    partition: z.string().min(1).optional().describe('kind: slurm only. The partition of every sandbox job (sbatch --partition); unset: the cluster default.'),
    runtime: z
      .enum(['bubblewrap'])
      .default('bubblewrap')
      .describe('kind: slurm only. What isolates commands on the nodes: bubblewrap (no daemon needed). Docker and podman on nodes: designed, not built.'),
    job_time: z
      .string()
      .regex(DURATION_PATTERN, 'expected a duration such as 30m, 6h')
      .default('6h')
      .describe("kind: slurm only. --time of each sandbox's job: longer than any session or measurement in it (each command has its own timeout inside)."),
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
