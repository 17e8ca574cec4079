/**
 * Trees into and out of a Docker sandbox through the engine (putArchive,
 * getArchive), so no host path is shared: what a remote engine needs, and
 * what gives parallel sessions private copies. The tar that comes out was
 * made from files candidate code wrote; tree-extract.ts trusts none of it.
 */
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { SystemError, describeError } from '../errors.js';
import { ENGINE_CALL_MS, withTimeout } from './engine.js';
import { extractTree } from './tree-extract.js';
import { treeLimits } from './tree-limits.js';
import { packTree } from './tree-pack.js';
import type { CopyOptions, CopyResult } from './types.js';

const COPY_TIMEOUT_MS = 10 * 60_000;

export async function dockerCopyIn(
  container: Docker.Container,
  owner: { uid: number; gid: number },
  hostDir: string,
  containerPath: string,
  options: CopyOptions & { modeMask?: number } = {},
): Promise<CopyResult> {
  const { stream, done } = packTree(hostDir, { limits: treeLimits(options.limits), owner, modeMask: options.modeMask });
  // The walk's own error (over a limit) is the one to report, not the engine's "unexpected EOF" after it.
  const walked = done.then(
    (r) => ({ ok: true as const, r }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  try {
    await withTimeout(
      container.putArchive(stream as unknown as NodeJS.ReadableStream, { path: containerPath }),
      options.timeoutMs ?? COPY_TIMEOUT_MS,
      'copying a tree in',
    );
  } catch (e) {
    const w = await Promise.race([walked, new Promise<undefined>((r) => setTimeout(r, 100))]);
    if (w && !w.ok) throw w.e;
    stream.destroy();
    throw new SystemError(`Could not copy ${hostDir} into the sandbox at ${containerPath}: ${describeError(e)}`, { code: 'BATON_SANDBOX', cause: e });
  }
  const w = await walked;
  if (!w.ok) throw w.e;
  return w.r;
}

export async function dockerCopyOut(container: Docker.Container, containerPath: string, hostDir: string, options: CopyOptions = {}): Promise<CopyResult> {
  const timeoutMs = options.timeoutMs ?? COPY_TIMEOUT_MS;
  let archive: Readable;
  try {
    archive = (await withTimeout(container.getArchive({ path: containerPath }), timeoutMs, 'copying a tree out')) as unknown as Readable;
  } catch (e) {
    throw new SystemError(`Could not read ${containerPath} out of the sandbox: ${describeError(e)}`, { code: 'BATON_SANDBOX', cause: e });
  }
  // The engine names every entry `<basename>/...`; anything else in the stream is refused as outside the root.
  const root = path.posix.basename(path.posix.normalize(containerPath)) || '/';
  const timer = setTimeout(() => archive.destroy(new Error(`copying ${containerPath} out took more than ${timeoutMs} ms`)), timeoutMs);
  try {
    return await extractTree(archive, hostDir, { limits: treeLimits(options.limits), root });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Lets the sandbox user write to each volume's root folder. An anonymous
 * volume starts root's, and putArchive cannot change its root (it keeps the
 * folder, applying only what is below); with every capability dropped, root
 * can still chmod a folder it owns. Runs before any command of the sandbox.
 */
export async function openVolumes(container: Docker.Container, volumes: string[]): Promise<void> {
  const exec = await withTimeout(
    container.exec({ Cmd: ['chmod', '0777', '--', ...volumes], User: '0:0', AttachStdout: true, AttachStderr: true }),
    ENGINE_CALL_MS,
    'preparing the volumes',
  );
  const stream = await withTimeout(exec.start({}), ENGINE_CALL_MS, 'preparing the volumes');
  stream.resume();
  await withTimeout(new Promise((resolve) => stream.on('end', resolve)), ENGINE_CALL_MS, 'preparing the volumes');
  for (let i = 0; i < 50; i++) {
    const info = await withTimeout(exec.inspect(), ENGINE_CALL_MS, 'preparing the volumes');
    if (!info.Running) {
      if (info.ExitCode !== 0)
        throw new SystemError(`Could not prepare the sandbox's volumes ${volumes.join(', ')}: chmod exited ${info.ExitCode}`, { code: 'BATON_SANDBOX' });
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
