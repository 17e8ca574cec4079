/**
 * `baton sandbox build`: builds baton-base and baton-browser, reusing images
 * whose recipe hash matches. Two ways to the same images: FROM
 * debian:bookworm-slim where a registry is reachable, or FROM a rootfs
 * debootstrapped from this machine's apt mirror where none is.
 */
import path from 'node:path';
import type Docker from 'dockerode';
import { SystemError, describeError } from '../../errors.js';
import { dockerClient, statusCodeOf } from '../engine.js';
import { contextTar, type ContextEntry } from './context.js';
import { followProgress, type ProgressSink } from './progress.js';
import {
  BASE_IMAGE,
  BROWSER_IMAGE,
  PLAYWRIGHT_PACKAGES,
  RECIPE_LABEL,
  baseRecipeHash,
  browserRecipeHash,
  containersDir,
  nodeModulesDir,
  rootfsRecipeHash,
  type ImageName,
} from './recipe.js';
import { withBuildLock } from './lock.js';
import { importRootfs, rootfsUnavailableReason } from './rootfs.js';

export const UPSTREAM_BASE = 'debian:bookworm-slim';

/** How the base layer is obtained: pulled from a registry, or debootstrapped here. */
export type BuildMethod = 'pull' | 'debootstrap';

export interface BuildProgress {
  image: ImageName;
  message: string;
}

export interface BuildOptions {
  /** Which images; default both (the browser image needs the base one). */
  images?: ImageName[];
  /** Rebuild even when the recipe hash matches. */
  force?: boolean;
  /** Default: pull when debian:bookworm-slim is present, else debootstrap when possible, else pull. */
  method?: BuildMethod;
  onProgress?: (event: BuildProgress) => void;
  docker?: Docker;
}

export interface BuiltImage {
  name: ImageName;
  id: string;
  recipe: string;
  status: 'built' | 'reused';
  method?: BuildMethod;
  durationMs: number;
}

export interface BuildResult {
  images: BuiltImage[];
  durationMs: number;
}

/** The recipe hash an image carries, or undefined when it does not exist. */
export async function imageRecipe(docker: Docker, name: string): Promise<{ id: string; recipe?: string } | undefined> {
  try {
    const info = await docker.getImage(name).inspect();
    return { id: info.Id, recipe: info.Config?.Labels?.[RECIPE_LABEL] };
  } catch (e) {
    if (statusCodeOf(e) === 404) return undefined;
    throw e;
  }
}

/** Builds (or reuses) the requested images; throws SystemError when a build fails. */
export async function buildImages(options: BuildOptions = {}): Promise<BuildResult> {
  const wait = (holder: string) => options.onProgress?.({ image: BASE_IMAGE, message: `waiting for another image build (${holder}) to finish` });
  return withBuildLock(() => buildImagesLocked(options), wait);
}

async function buildImagesLocked(options: BuildOptions): Promise<BuildResult> {
  const docker = options.docker ?? dockerClient();
  const wanted = new Set<ImageName>(options.images ?? [BASE_IMAGE, BROWSER_IMAGE]);
  const started = Date.now();
  const images: BuiltImage[] = [];
  const baseHash = await baseRecipeHash();
  const base = await ensure(docker, BASE_IMAGE, baseHash, options, (progress) => buildBase(docker, baseHash, options, progress));
  if (wanted.has(BASE_IMAGE)) images.push(base);
  if (wanted.has(BROWSER_IMAGE)) {
    const hash = await browserRecipeHash(baseHash);
    images.push(await ensure(docker, BROWSER_IMAGE, hash, options, (progress) => buildBrowser(docker, hash, progress)));
  }
  return { images, durationMs: Date.now() - started };
}

async function ensure(
  docker: Docker,
  name: ImageName,
  hash: string,
  options: BuildOptions,
  build: (progress: ProgressSink) => Promise<BuildMethod>,
): Promise<BuiltImage> {
  const t0 = Date.now();
  const progress: ProgressSink = (message) => options.onProgress?.({ image: name, message });
  const existing = await imageRecipe(docker, name);
  if (existing && existing.recipe === hash && !options.force) {
    progress(`${name} is up to date (recipe ${hash})`);
    return { name, id: existing.id, recipe: hash, status: 'reused', durationMs: Date.now() - t0 };
  }
  progress(existing ? `${name} is outdated (recipe ${existing.recipe ?? 'none'} ≠ ${hash}); rebuilding` : `${name} is missing; building`);
  try {
    const method = await build(progress);
    const built = await imageRecipe(docker, name);
    if (!built || built.recipe !== hash) throw new Error(`${name} was not tagged with recipe ${hash} after the build`);
    // The replaced image is untagged now; drop it unless a container still uses it.
    if (existing && existing.id !== built.id)
      await docker
        .getImage(existing.id)
        .remove()
        .catch(() => undefined);
    return { name, id: built.id, recipe: hash, status: 'built', method, durationMs: Date.now() - t0 };
  } catch (e) {
    if (e instanceof SystemError) throw e;
    throw new SystemError(`Building ${name} failed: ${describeError(e)}`, {
      code: 'BATON_SANDBOX',
      cause: e,
      context: { image: name, hint: 'Run `baton sandbox doctor` for what is missing; the build output above names the failing step.' },
    });
  }
}

async function chooseMethod(docker: Docker, requested: BuildMethod | undefined): Promise<BuildMethod> {
  if (requested) return requested;
  if (await imageRecipe(docker, UPSTREAM_BASE)) return 'pull';
  return (await rootfsUnavailableReason()) === undefined ? 'debootstrap' : 'pull';
}

async function buildBase(docker: Docker, hash: string, options: BuildOptions, progress: ProgressSink): Promise<BuildMethod> {
  const method = await chooseMethod(docker, options.method);
  let from = UPSTREAM_BASE;
  if (method === 'debootstrap') {
    const reason = await rootfsUnavailableReason();
    if (reason) throw new SystemError(`Cannot bootstrap the base image here: ${reason}.`, { code: 'BATON_SANDBOX' });
    from = await importRootfsOnce(docker, progress);
  } else if (!(await imageRecipe(docker, UPSTREAM_BASE))) {
    progress(`pulling ${UPSTREAM_BASE}`);
    await followProgress(docker, await docker.pull(UPSTREAM_BASE), progress);
  }
  const dir = path.join(containersDir(), 'base');
  await dockerBuild(docker, BASE_IMAGE, hash, [{ from: dir, to: '.' }], { BASE: from }, method, progress);
  return method;
}

/** Reuses baton-rootfs:<hash> when it is already imported. */
async function importRootfsOnce(docker: Docker, progress: ProgressSink): Promise<string> {
  const hash = rootfsRecipeHash();
  const ref = `baton-rootfs:${hash}`;
  if (await imageRecipe(docker, ref)) {
    progress(`reusing ${ref}`);
    return ref;
  }
  return importRootfs(docker, hash, progress);
}

async function buildBrowser(docker: Docker, hash: string, progress: ProgressSink): Promise<BuildMethod> {
  const dir = path.join(containersDir(), 'browser');
  const entries: ContextEntry[] = [
    { from: path.join(dir, 'Dockerfile'), to: 'Dockerfile' },
    { from: path.join(dir, 'packages.txt'), to: 'packages.txt' },
    { from: process.execPath, to: 'node' },
    ...PLAYWRIGHT_PACKAGES.map((p) => ({ from: path.join(nodeModulesDir(), p), to: `node_modules/${p}` })),
  ];
  // The base image's apt sources are this machine's mirror when it was bootstrapped.
  const base = await docker.getImage(BASE_IMAGE).inspect();
  const method = (base.Config?.Labels?.['baton.build-method'] as BuildMethod | undefined) ?? 'pull';
  await dockerBuild(docker, BROWSER_IMAGE, hash, entries, { BASE: BASE_IMAGE }, method, progress);
  return method;
}

async function dockerBuild(
  docker: Docker,
  tag: string,
  hash: string,
  context: ContextEntry[],
  buildargs: Record<string, string>,
  method: BuildMethod,
  progress: ProgressSink,
): Promise<void> {
  const stream = await docker.buildImage(contextTar(context), {
    t: tag,
    buildargs,
    labels: { [RECIPE_LABEL]: hash, 'baton.build-method': method },
    // Bootstrapped images use this machine's mirror, reachable the way the host reaches it.
    networkmode: method === 'debootstrap' ? 'host' : 'default',
    rm: true,
    forcerm: true,
  } as Docker.ImageBuildOptions);
  await followProgress(docker, stream, progress);
}
