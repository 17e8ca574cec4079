/**
 * The sandbox API behind `baton run` and `baton sandbox build|sweep|doctor`:
 * every kind comes from the registry (registry.ts). Nothing here prints;
 * results are data.
 */
import type Docker from 'dockerode';
import { resolveSandbox, type ResolveDeps, type ResolvedSandbox } from './resolve.js';
import { sandboxKinds } from './registry.js';
import type { SweepResult } from './types.js';

export type { DoctorReport, Finding } from './doctor.js';
export { doctor } from './doctor.js';
export { buildImages, type BuildOptions, type BuildResult, type BuiltImage, type BuildProgress, type BuildMethod } from './images/build.js';
export { BASE_IMAGE, BROWSER_IMAGE } from './images/recipe.js';
export { DockerSandboxProvider, type DockerProviderOptions } from './docker.js';
export { LocalSandboxProvider, localSandboxProvider, NO_ISOLATION_WARNING, bwrapWorks } from './local.js';
export { probeEngine } from './engine.js';
export { DEFAULT_TREE_LIMITS, TreeLimitError } from './tree-limits.js';
export { sandboxEnv, type SandboxEnv } from './env.js';
export { Isolation, describeIsolation, isolationDifferences } from './isolation.js';
export { resolveSandbox, type ResolvedSandbox, type ResolveDeps } from './resolve.js';
export { registerSandboxKind, sandboxKind, sandboxKinds } from './registry.js';
export type { SandboxKind, KindHealth } from './kind.js';
export type * from './types.js';

/**
 * The provider for a spec on this machine and the isolation it gives, or a
 * UserError (exit 2) when the spec's isolation is not available here: never a
 * fallback to weaker isolation (resolve.ts).
 */
export async function chooseSandboxProvider(spec: Parameters<typeof resolveSandbox>[0], workspace?: string, deps: ResolveDeps = {}): Promise<ResolvedSandbox> {
  return resolveSandbox(spec, workspace, deps);
}

/** `baton sandbox sweep`: every kind removes its sandboxes whose owner process is gone from this host; SystemError when an engine fails. */
export async function sweep(filter: { experiment?: string } = {}, docker?: Docker): Promise<SweepResult> {
  const deps: ResolveDeps = docker ? { docker } : {};
  const all: SweepResult = { removed: [], kept: [] };
  for (const kind of sandboxKinds()) {
    const r = await kind.sweep(filter, deps);
    all.removed.push(...r.removed);
    all.kept.push(...r.kept);
  }
  return all;
}
