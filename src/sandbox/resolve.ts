/**
 * The sandbox a spec gets on this machine, probed: the provider to use and
 * the isolation it gives (isolation.ts), or a UserError (exit 2) saying why
 * the spec's isolation is not available here and what to do. Never a weaker
 * fallback.
 */
import type Docker from 'dockerode';
import { UserError, describeError } from '../errors.js';
import type { SandboxSpec } from '../spec/schema.js';
import { DockerSandboxProvider } from './docker.js';
import { dockerClient, probeEngine, statusCodeOf, withTimeout } from './engine.js';
import { decideLocal, engineEndpoint, unreachableEngineMessage, type Isolation } from './isolation.js';
import { LocalSandboxProvider, NO_ISOLATION_WARNING, bwrapWorks } from './local.js';
import { sandboxUser } from './ownership.js';
import type { SandboxProvider } from './types.js';

export interface ResolvedSandbox {
  provider: SandboxProvider;
  isolation: Isolation;
  /** Things the caller must show the user once (plain processes). */
  warnings: string[];
}

export interface ResolveDeps {
  docker?: Docker;
  bwrap?: () => Promise<boolean>;
  root?: boolean;
}

type SandboxChoice = Pick<SandboxSpec, 'kind'> & Partial<Pick<SandboxSpec, 'image' | 'network' | 'allow_plain_processes'>>;

/** The provider and isolation for `spec` here, the sandbox user decided from `workspace`'s owner; throws UserError when refused. */
export async function resolveSandbox(spec: SandboxChoice, workspace: string | undefined, deps: ResolveDeps = {}): Promise<ResolvedSandbox> {
  const network = spec.network ?? 'none';
  if (spec.kind === 'docker') {
    const docker = deps.docker ?? dockerClient();
    const endpoint = deps.docker ? describeClient(docker) : engineEndpoint();
    const engine = await probeEngine(docker);
    if (!engine.reachable) throw new UserError(unreachableEngineMessage(endpoint, engine.error), { code: 'BATON_SANDBOX', context: { engine: endpoint } });
    const image = spec.image ?? 'baton-base';
    let imageId: string;
    try {
      imageId = (await withTimeout(docker.getImage(image).inspect(), 30_000, 'inspecting the image')).Id;
    } catch (e) {
      const missing = statusCodeOf(e) === 404;
      throw new UserError(
        missing
          ? `sandbox.image ${image} does not exist on the Docker engine at ${endpoint}. Run \`baton sandbox build\`, or name an existing image in the spec.`
          : `Could not inspect sandbox.image ${image} on the Docker engine at ${endpoint}: ${describeError(e)}`,
        { code: 'BATON_SANDBOX', cause: e, context: { image, engine: endpoint } },
      );
    }
    const user = workspace ? await sandboxUser([{ hostPath: workspace, containerPath: '/workspace', readOnly: false }]) : { uid: 1000, gid: 1000 };
    return {
      provider: new DockerSandboxProvider(docker),
      isolation: {
        provider: 'docker',
        runtime: engine.runtime ?? 'runc',
        engine: `${endpoint}${engine.version ? ` ${engine.version}` : ''}`,
        image,
        imageId,
        user: `${user.uid}:${user.gid}`,
        network,
      },
      warnings: [],
    };
  }
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
    ? workspace ? await sandboxUser([{ hostPath: workspace, containerPath: '/workspace', readOnly: false }]) : { uid: 1000, gid: 1000 }
    : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  return {
    provider: new LocalSandboxProvider(plain ? 'none' : 'bwrap'),
    isolation: { provider: 'local', runtime: decision.runtime, user: `${user.uid}:${user.gid}`, network },
    warnings: plain ? [NO_ISOLATION_WARNING] : [],
  };
}

/** The endpoint of an injected client (tests), from its options. */
function describeClient(docker: Docker): string {
  // dockerode's default client holds a socket resolver function here, not a path.
  const m = (docker as unknown as { modem?: { socketPath?: unknown; host?: unknown; port?: unknown } }).modem;
  if (typeof m?.socketPath === 'string') return `unix://${m.socketPath}`;
  if (typeof m?.host === 'string') return `tcp://${m.host}:${String(m.port ?? '')}`;
  return engineEndpoint();
}
