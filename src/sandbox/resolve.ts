/**
 * The sandbox a spec gets on this machine, probed by its kind (registry.ts):
 * the provider to use and the isolation it gives (isolation.ts), or a
 * UserError (exit 2) saying why the spec's isolation is not available here
 * and what to do. Never a weaker fallback.
 */
import { UserError } from '../errors.js';
import type { ResolveDeps, ResolvedSandbox, SandboxChoice } from './kind.js';
import { sandboxKind, sandboxKinds } from './registry.js';

export type { ResolveDeps, ResolvedSandbox } from './kind.js';

/** The provider and isolation for `spec` here, the sandbox user decided from `workspace`'s owner; throws UserError when refused. */
export async function resolveSandbox(spec: SandboxChoice, workspace: string | undefined, deps: ResolveDeps = {}): Promise<ResolvedSandbox> {
  const kind = sandboxKind(spec.kind);
  if (!kind)
    throw new UserError(
      `sandbox.kind ${spec.kind} is not a sandbox kind baton knows (${sandboxKinds()
        .map((k) => k.name)
        .join(', ')})`,
      { code: 'BATON_SANDBOX' },
    );
  return kind.resolve(spec, workspace, deps);
}
