/** The local sandbox kind: commands under bubblewrap on this machine, or, with the spec's opt-in, plain processes. */
import type { SandboxKind } from './kind.js';

export const localKind = {
  name: 'local',
  describe(i) {
    if (i.runtime === 'none') {
      return `NONE: plain processes on the host as user ${i.user}, network ${i.network === 'none' ? 'not cut off' : i.network} (sandbox.allow_plain_processes)`;
    }
    return `local sandbox under bubblewrap, user ${i.user}, network ${i.network}`;
  },
  resolve: async (spec, workspace, deps) => (await import('./local-probe.js')).resolveLocal(spec, workspace, deps),
  doctor: async (deps) => (await import('./local-probe.js')).localHealth(deps),
  // Local sandboxes die with their parent (bwrap --die-with-parent); nothing outlives the harness.
  sweep: async () => ({ removed: [], kept: [] }),
} as const satisfies SandboxKind;
