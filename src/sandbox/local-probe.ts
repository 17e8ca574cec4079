/**
 * What the local kind gets on this machine: bubblewrap when it works, plain
 * processes only with the spec's opt-in and never as root (isolation.ts
 * decides), and the bubblewrap check of `baton sandbox doctor`.
 */
import * as path from 'node:path';
import { UserError } from '../errors.js';
import { decideLocal } from './isolation.js';
import type { KindHealth, ResolveDeps, ResolvedSandbox, SandboxChoice } from './kind.js';
import { LocalSandboxProvider, NO_ISOLATION_WARNING, bwrapWorks } from './local.js';
import { sandboxUser } from './ownership.js';

/** The local provider and isolation for `spec` here; throws UserError when refused. */
export async function resolveLocal(spec: SandboxChoice, workspace: string | undefined, deps: ResolveDeps): Promise<ResolvedSandbox> {
  const network = spec.network ?? 'none';
  const decision = decideLocal({
    bwrap: await (deps.bwrap ?? bwrapWorks)(),
    allowPlain: spec.allow_plain_processes === true,
    root: deps.root ?? process.getuid?.() === 0,
  });
  if ('refuse' in decision) throw new UserError(decision.refuse, { code: 'BATON_SANDBOX' });
  const plain = decision.runtime === 'none';
  // As root, bubblewrap's commands run as the sandbox user (local.ts), decided like Docker's; else as this process's user.
  const asRoot = !plain && process.getuid?.() === 0;
  const user = asRoot
    ? workspace
      ? await sandboxUser([{ hostPath: workspace, containerPath: '/workspace', readOnly: false }])
      : { uid: 1000, gid: 1000 }
    : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  return {
    // The experiment's folder (oracle/, .baton/) out of sight of every sandbox; mounts still come from it.
    provider: new LocalSandboxProvider(plain ? 'none' : 'bwrap', workspace ? [path.dirname(path.resolve(workspace))] : []),
    isolation: { provider: 'local', runtime: decision.runtime, user: `${user.uid}:${user.gid}`, network },
    warnings: plain ? [NO_ISOLATION_WARNING] : [],
  };
}

/** Whether bubblewrap works here, and how to make it. */
export async function localHealth(deps: ResolveDeps): Promise<KindHealth> {
  const bwrap = await (deps.bwrap ?? bwrapWorks)();
  return {
    ready: bwrap,
    findings: [
      bwrap
        ? { check: 'bubblewrap', status: 'ok', message: 'bubblewrap works: a spec with sandbox.kind local runs its commands under it.' }
        : {
            check: 'bubblewrap',
            status: 'warn',
            message:
              'bubblewrap is missing or cannot create namespaces: a spec with sandbox.kind local will not run (unless it opts in to plain processes with sandbox.allow_plain_processes, refused as root).',
            fix: 'Install it (`apt-get install bubblewrap`); if it is installed, allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1).',
          },
    ],
  };
}
