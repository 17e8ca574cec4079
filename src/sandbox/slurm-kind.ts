/** The Slurm sandbox kind: each sandbox a Slurm job, its commands job steps under bubblewrap on the node (slurm.ts). */
import type { SandboxKind } from './kind.js';

export const slurmKind = {
  name: 'slurm',
  describe(i) {
    return `Slurm jobs (${i.engine ?? 'Slurm'}), ${i.runtime} on the nodes, user ${i.user}, network ${i.network}`;
  },
  resolve: async (spec, workspace) => (await import('./slurm-probe.js')).resolveSlurm(spec, workspace),
  doctor: async () => (await import('./slurm-probe.js')).slurmHealth(),
  sweep: async (filter) => {
    const { SlurmSandboxProvider } = await import('./slurm.js');
    const { LocalSandboxProvider } = await import('./local.js');
    return new SlurmSandboxProvider(new LocalSandboxProvider('bwrap'), { jobTimeMs: 0, dirBase: '/nonexistent' }).sweep(filter);
  },
} as const satisfies SandboxKind;
