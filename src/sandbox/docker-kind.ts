/** The Docker sandbox kind (the default): a fresh container per session or measurement on a Docker engine. */
import type { SandboxKind } from './kind.js';

export const dockerKind = {
  name: 'docker',
  describe(i) {
    const id = i.imageId ? ` ${i.imageId.replace(/^sha256:/, '').slice(0, 12)}` : '';
    return `Docker (${i.runtime}${i.engine ? `, ${i.engine}` : ''}), image ${i.image ?? '?'}${id}, user ${i.user}, network ${i.network}`;
  },
  resolve: async (spec, workspace, deps) => (await import('./docker-probe.js')).resolveDocker(spec, workspace, deps),
  doctor: async (deps) => (await import('./docker-probe.js')).dockerHealth(deps),
  sweep: async (filter, deps) => {
    const { DockerSandboxProvider } = await import('./docker.js');
    return new DockerSandboxProvider(deps.docker).sweep(filter);
  },
} as const satisfies SandboxKind;
