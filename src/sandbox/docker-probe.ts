/**
 * What the Docker kind gets on this machine: the engine and image a spec
 * would use, probed (a UserError when unavailable, never a fallback), and
 * the engine and images `baton sandbox doctor` reports on.
 */
import type Docker from 'dockerode';
import { execa } from 'execa';
import { UserError, describeError } from '../errors.js';
import { DockerSandboxProvider } from './docker.js';
import { dockerClient, probeEngine, statusCodeOf, withTimeout } from './engine.js';
import { imageRecipe } from './images/build.js';
import { BASE_IMAGE, BROWSER_IMAGE, baseRecipeHash, browserRecipeHash } from './images/recipe.js';
import { rootfsUnavailableReason } from './images/rootfs.js';
import { unreachableEngineMessage } from './isolation.js';
import type { Finding, KindHealth, ResolveDeps, ResolvedSandbox, SandboxChoice } from './kind.js';
import { sandboxUser } from './ownership.js';

/** The Docker provider and isolation for `spec` here, the sandbox user decided from `workspace`'s owner; throws UserError when refused. */
export async function resolveDocker(spec: SandboxChoice, workspace: string | undefined, deps: ResolveDeps): Promise<ResolvedSandbox> {
  const hosts = Array.isArray(spec.hosts) ? (spec.hosts as string[]) : [];
  if (hosts.length > 0) return (await import('./remote-docker-probe.js')).resolveRemoteDocker(spec, hosts);
  const network = spec.network ?? 'none';
  const docker = deps.docker ?? dockerClient();
  const endpoint = deps.docker ? describeClient(docker) : engineEndpoint();
  const engine = await probeEngine(docker);
  if (!engine.reachable) throw new UserError(unreachableEngineMessage(endpoint, engine.error), { code: 'BATON_SANDBOX', context: { engine: endpoint } });
  const image = typeof spec.image === 'string' ? spec.image : 'baton-base';
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

/** The endpoint of an injected client (tests), from its options. */
/** The Docker endpoint dockerode uses with this environment; here, not in isolation.ts, whose decisions are pure. */
function engineEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

function describeClient(docker: Docker): string {
  // dockerode's default client holds a socket resolver function here, not a path.
  const m = (docker as unknown as { modem?: { socketPath?: unknown; host?: unknown; port?: unknown } }).modem;
  if (typeof m?.socketPath === 'string') return `unix://${m.socketPath}`;
  if (typeof m?.host === 'string') return `tcp://${m.host}:${String(m.port ?? '')}`;
  return engineEndpoint();
}

/** The engine, the images and (when the base image is missing) whether it can be built without a registry. */
export async function dockerHealth(deps: ResolveDeps): Promise<KindHealth> {
  const docker = deps.docker ?? dockerClient();
  const findings: Finding[] = [];
  const engine = await probeEngine(docker);
  let baseOk = false;
  if (engine.reachable) {
    findings.push({
      check: 'engine',
      status: 'ok',
      message: `The Docker engine answers (version ${engine.version ?? '?'}, cgroup v${engine.cgroupVersion ?? '?'}).`,
    });
    const baseHash = await baseRecipeHash();
    const wanted: [string, string][] = [
      [BASE_IMAGE, baseHash],
      [BROWSER_IMAGE, await browserRecipeHash(baseHash).catch(() => '')],
    ];
    for (const [name, hash] of wanted) {
      const img = await imageRecipe(docker, name).catch(() => undefined);
      const check = `image:${name}`;
      const role = name === BASE_IMAGE ? 'every worker and oracle sandbox' : 'the browser oracle';
      if (!img)
        findings.push({
          check,
          status: name === BASE_IMAGE ? 'error' : 'warn',
          message: `Image ${name} (needed by ${role}) does not exist.`,
          fix: 'Run `baton sandbox build`.',
        });
      else if (img.recipe !== hash)
        findings.push({
          check,
          status: 'warn',
          message: `Image ${name} exists but was built from an older recipe.`,
          fix: 'Run `baton sandbox build` to rebuild it.',
        });
      else {
        findings.push({ check, status: 'ok', message: `Image ${name} is present and up to date.` });
        if (name === BASE_IMAGE) baseOk = true;
      }
    }
  } else {
    findings.push({
      check: 'engine',
      status: 'error',
      message: `No Docker engine is reachable (${engine.error ?? 'no answer'}); a spec with sandbox.kind docker (the default) will not run.`,
      fix: process.env.DOCKER_HOST
        ? `Check that the engine at DOCKER_HOST=${process.env.DOCKER_HOST} is running and reachable.`
        : 'Start Docker (`sudo systemctl start docker`, or `sudo dockerd &` where there is no systemd), and make sure this user may use /var/run/docker.sock.',
    });
  }
  if (engine.reachable && !baseOk) {
    const reason = await rootfsUnavailableReason();
    const which = await execa('sh', ['-c', 'command -v debootstrap'], { reject: false });
    findings.push(
      reason === undefined
        ? { check: 'debootstrap', status: 'ok', message: 'This machine can build the images without a registry (debootstrap from its own apt mirror).' }
        : {
            check: 'debootstrap',
            status: 'warn',
            message: `Building without a registry is not possible here: ${reason}. The build will pull debian:bookworm-slim instead.`,
            fix:
              which.exitCode === 0
                ? 'Run the build as root, or on a machine that can pull debian:bookworm-slim.'
                : 'apt-get install debootstrap, or use a machine that can pull debian:bookworm-slim.',
          },
    );
  }
  return { ready: engine.reachable && baseOk, findings };
}
