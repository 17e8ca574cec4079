/**
 * What `sandbox.hosts` gets: every host's engine reached over SSH, probed,
 * and the spec's image on each (a UserError naming the host otherwise, never
 * a fallback to fewer hosts or to the local engine).
 */
import { UserError, describeError } from '../errors.js';
import { probeEngine, statusCodeOf, withTimeout } from './engine.js';
import type { ResolvedSandbox, SandboxChoice } from './kind.js';
import { SANDBOX_GID, SANDBOX_UID } from './ownership.js';
import { RemoteDockerProvider } from './remote-docker.js';
import { acceptedHostKeys, SshEngine, sshAuth, type SshSettings } from './ssh-engine.js';
import { parseSshUrl, type SshTarget } from './ssh-url.js';

/** How long one host gets to answer `info` (an SSH handshake included). */
const HOST_PROBE_MS = 20_000;

/** The engines of `hosts`, connected but not probed; a UserError for a bad URL, a missing key or host key. */
export function sshEngines(hosts: string[], settings: SshSettings | undefined, nameOf = (i: number) => `sandbox.hosts[${i}]`): SshEngine[] {
  const auth = sshAuth(settings);
  return hosts.map((url, i) => {
    const target = parseSshUrl(url);
    if (typeof target === 'string') throw new UserError(`${nameOf(i)}: ${target}`, { code: 'BATON_SPEC_INVALID' });
    return new SshEngine(target, auth, acceptedHostKeys(target, auth.knownHostsFile));
  });
}

export async function resolveRemoteDocker(spec: SandboxChoice, hosts: string[]): Promise<ResolvedSandbox> {
  const network = spec.network ?? 'none';
  const image = typeof spec.image === 'string' ? spec.image : 'baton-base';
  const engines = sshEngines(hosts, spec.ssh as SshSettings | undefined);
  const described: string[] = [];
  let runtime: string | undefined;
  const imageIds = new Set<string>();
  try {
    for (const engine of engines) {
      const info = await probeEngine(engine.docker, HOST_PROBE_MS);
      if (!info.reachable) throw new UserError(unreachable(engine.target, info.error), { code: 'BATON_SANDBOX', context: { host: engine.target.url } });
      runtime ??= info.runtime;
      described.push(`${engine.target.url}${info.version ? ` ${info.version}` : ''}`);
      imageIds.add(await imageOn(engine, image));
    }
  } catch (e) {
    await Promise.all(engines.map((x) => x.close()));
    throw e;
  }
  return {
    provider: new RemoteDockerProvider(engines),
    isolation: {
      provider: 'docker',
      runtime: runtime ?? 'runc',
      engine: described.join(', '),
      image,
      // One id when every host has the same build; else none (the hosts' images differ, which the report should not hide).
      ...(imageIds.size === 1 ? { imageId: [...imageIds][0] } : {}),
      user: `${SANDBOX_UID}:${SANDBOX_GID}`,
      network,
    },
    warnings: imageIds.size > 1 ? [`The hosts of sandbox.hosts hold different builds of ${image}; run \`baton sandbox build --host URL\` for each.`] : [],
  };
}

async function imageOn(engine: SshEngine, image: string): Promise<string> {
  try {
    return (await withTimeout(engine.docker.getImage(image).inspect(), HOST_PROBE_MS, 'inspecting the image')).Id;
  } catch (e) {
    throw new UserError(
      statusCodeOf(e) === 404
        ? `sandbox.image ${image} does not exist on ${engine.target.url}. Run \`baton sandbox build --host ${engine.target.url}\`, or name an image that host has.`
        : `Could not inspect sandbox.image ${image} on ${engine.target.url}: ${describeError(e)}`,
      { code: 'BATON_SANDBOX', cause: e, context: { image, host: engine.target.url } },
    );
  }
}

function unreachable(target: SshTarget, error: string | undefined): string {
  return `The Docker engine at ${target.url} did not answer: ${error ?? 'no answer'}. Check that \`ssh -p ${target.port} ${target.user}@${target.host} docker info\` works (the login must be in the docker group).`;
}
