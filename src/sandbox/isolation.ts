/**
 * The isolation a run gets, as data: which provider, runtime, image, user and
 * network its sandboxes use. A run uses what its spec names or does not start
 * (no fallback from Docker to the local sandbox, nor from bubblewrap to plain
 * processes without the spec's opt-in); the isolation is recorded at the first
 * start and in every ledger record, and a resume that would get a different
 * one is refused. The decisions here are pure; resolve.ts probes the machine.
 */
import type { Isolation } from './isolation-record.js';
import { sandboxKind } from './registry.js';

export { Isolation } from './isolation-record.js';

/** The fields whose change makes a resume refuse (the engine's address and version may change). */
const COMPARED = ['provider', 'runtime', 'image', 'imageId', 'user', 'network'] as const;

/** What differs between the isolation a run was started with and the one it would get now; empty when none. */
export function isolationDifferences(recorded: Isolation, now: Isolation): string[] {
  return COMPARED.filter((k) => recorded[k] !== now[k]).map((k) => `${k}: ${recorded[k] ?? '(none)'} at the start, ${now[k] ?? '(none)'} now`);
}

/** One line naming the isolation, for the report header, `baton check` and `baton sandbox doctor`; each kind words its own. */
export function describeIsolation(i: Isolation): string {
  return sandboxKind(i.provider)?.describe(i) ?? `${i.provider} sandbox (${i.runtime}), user ${i.user}, network ${i.network}`;
}

/** Why a `kind: docker` spec cannot run here, with the two fixes. */
export function unreachableEngineMessage(endpoint: string, error: string | undefined): string {
  return (
    `sandbox.kind is docker, but the Docker engine at ${endpoint} does not answer (${error ?? 'no answer'}). ` +
    'baton never runs a worker with weaker isolation than its spec asks for. Either start the engine ' +
    `(\`sudo systemctl start docker\`, or \`sudo dockerd &\` without systemd${endpoint.startsWith('unix://') ? '' : `, or fix DOCKER_HOST=${endpoint}`}) ` +
    'and run again, or change the spec to `sandbox: { kind: local }` to use bubblewrap. `baton sandbox doctor` checks the machine.'
  );
}

export type LocalDecision = { runtime: 'bubblewrap' | 'none' } | { refuse: string };

/**
 * The local sandbox's runtime: bubblewrap when it works; plain processes only
 * with the spec's opt-in and never as root (a root process on the host is the
 * whole machine).
 */
export function decideLocal(facts: { bwrap: boolean; allowPlain: boolean; root: boolean }): LocalDecision {
  if (facts.bwrap) return { runtime: 'bubblewrap' };
  const base = 'sandbox.kind is local, but bubblewrap (bwrap) does not work on this machine';
  if (!facts.allowPlain) {
    return {
      refuse:
        `${base}, and running commands as plain processes on the host (no isolation at all) needs \`sandbox.allow_plain_processes: true\` in the spec. ` +
        'Install bubblewrap (`apt-get install bubblewrap`), use `sandbox.kind: docker`, or opt in.',
    };
  }
  if (facts.root) {
    return {
      refuse: `${base}; sandbox.allow_plain_processes is set, but baton runs as root, and plain processes of root own the machine. Run baton as an unprivileged user, install bubblewrap, or use Docker.`,
    };
  }
  return { runtime: 'none' };
}
