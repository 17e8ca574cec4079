/**
 * The sandbox registry and the programmatic API behind `baton sandbox
 * build|sweep|doctor`. Nothing here prints; results are data.
 */
import type Docker from 'dockerode';
import { SystemError, UserError, describeError } from '../errors.js';
import type { SandboxSpec } from '../spec/schema.js';
import { DockerSandboxProvider, stopAllDockerSandboxes, sweepDocker } from './docker.js';
import { dockerClient, probeEngine } from './engine.js';
import { localSandboxProvider, stopAllLocalSandboxes } from './local.js';
import { currentOwner } from './owner.js';
import type { SandboxProvider, SweepResult } from './types.js';

export type { DoctorReport, Finding } from './doctor.js';
export { doctor } from './doctor.js';
export { buildImages, type BuildOptions, type BuildResult, type BuiltImage, type BuildProgress, type BuildMethod } from './images/build.js';
export { BASE_IMAGE, BROWSER_IMAGE } from './images/recipe.js';
export { DockerSandboxProvider, stopAllDockerSandboxes, type DockerProviderOptions } from './docker.js';
export { LocalSandboxProvider, localSandboxProvider, NO_ISOLATION_WARNING, bwrapWorks } from './local.js';
export { probeEngine } from './engine.js';
export { sandboxEnv, type SandboxEnv } from './env.js';
export type * from './types.js';

/** The provider of one kind: docker (through DOCKER_HOST or the local socket) or local (bwrap, else plain). */
export async function getSandboxProvider(kind: 'docker' | 'local'): Promise<SandboxProvider> {
  if (kind === 'docker') return new DockerSandboxProvider();
  if (kind === 'local') return localSandboxProvider();
  throw new UserError(`unknown sandbox kind ${JSON.stringify(kind)} (expected docker or local)`, { code: 'BATON_INPUT_INVALID' });
}

export interface ChosenProvider {
  provider: SandboxProvider;
  /** Things the caller must show the user once (fallback to local, no isolation). */
  warnings: string[];
}

/** The provider for a spec: docker when asked and reachable, else local, with the warnings to print once. */
export async function chooseSandboxProvider(spec: Pick<SandboxSpec, 'kind'>, docker: Docker = dockerClient()): Promise<ChosenProvider> {
  const warnings: string[] = [];
  if (spec.kind === 'docker') {
    const engine = await probeEngine(docker);
    if (engine.reachable) return { provider: new DockerSandboxProvider(docker), warnings };
    warnings.push(`No Docker engine is reachable (${engine.error ?? 'no answer'}); using the local sandbox instead. Run \`baton sandbox doctor\` for what to do.`);
  }
  const local = await localSandboxProvider();
  if (local.warning) warnings.push(local.warning);
  return { provider: local, warnings };
}

/** `baton sandbox sweep`: removes baton containers whose owner process is gone from this host; SystemError when the engine fails. */
export async function sweep(filter: { experiment?: string } = {}, docker: Docker = dockerClient()): Promise<SweepResult> {
  try {
    return await sweepDocker(docker, currentOwner().host, filter);
  } catch (e) {
    throw new SystemError(`Could not sweep baton's containers: ${describeError(e)}`, {
      code: 'BATON_SANDBOX',
      cause: e,
      context: { hint: 'Run `baton sandbox doctor` to check the Docker engine.' },
    });
  }
}

/** Stops every sandbox this process started; for exit and SIGINT/SIGTERM handlers. */
export async function stopAllSandboxes(): Promise<void> {
  await Promise.all([stopAllDockerSandboxes(), stopAllLocalSandboxes()]);
}
