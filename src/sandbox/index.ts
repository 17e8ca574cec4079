/**
 * The sandbox registry and the programmatic API behind `baton sandbox
 * build|sweep|doctor`. Nothing here prints; results are data.
 */
import type Docker from 'dockerode';
import { SystemError, describeError } from '../errors.js';
import { stopAllDockerSandboxes, sweepDocker } from './docker.js';
import { dockerClient } from './engine.js';
import { stopAllLocalSandboxes } from './local.js';
import { resolveSandbox, type ResolveDeps, type ResolvedSandbox } from './resolve.js';
import { currentOwner } from './owner.js';
import type { SweepResult } from './types.js';

export type { DoctorReport, Finding } from './doctor.js';
export { doctor } from './doctor.js';
export { buildImages, type BuildOptions, type BuildResult, type BuiltImage, type BuildProgress, type BuildMethod } from './images/build.js';
export { BASE_IMAGE, BROWSER_IMAGE } from './images/recipe.js';
export { DockerSandboxProvider, stopAllDockerSandboxes, type DockerProviderOptions } from './docker.js';
export { LocalSandboxProvider, localSandboxProvider, NO_ISOLATION_WARNING, bwrapWorks } from './local.js';
export { probeEngine } from './engine.js';
export { sandboxEnv, type SandboxEnv } from './env.js';
export { Isolation, describeIsolation, isolationDifferences } from './isolation.js';
export { resolveSandbox, type ResolvedSandbox, type ResolveDeps } from './resolve.js';
export type * from './types.js';

/**
 * The provider for a spec on this machine and the isolation it gives, or a
 * UserError (exit 2) when the spec's isolation is not available here: never a
 * fallback to weaker isolation (resolve.ts).
 */
export async function chooseSandboxProvider(spec: Parameters<typeof resolveSandbox>[0], workspace?: string, deps: ResolveDeps = {}): Promise<ResolvedSandbox> {
  return resolveSandbox(spec, workspace, deps);
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
