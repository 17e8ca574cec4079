/**
 * The recipes of baton's images and their hashes. An image carries its
 * recipe hash as the `baton.recipe` label; a build reuses an image whose label
 * matches, so a second build takes seconds.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { BASE_IMAGE, BROWSER_IMAGE } from './names.js';

export { BASE_IMAGE, BROWSER_IMAGE };
export const ROOTFS_REPO = 'baton-rootfs';
export const RECIPE_LABEL = 'baton.recipe';
export const DEBIAN_SUITE = 'bookworm';
/** Bump when rootfs.ts changes what the bootstrapped rootfs contains. */
const ROOTFS_RECIPE_VERSION = 1;
/** The packages the browser image copies from the harness's own node_modules. */
export const PLAYWRIGHT_PACKAGES = ['@playwright/test', 'playwright', 'playwright-core'];

export type ImageName = typeof BASE_IMAGE | typeof BROWSER_IMAGE;

/** The `containers/` folder shipped with baton (found upward from this module). */
export function containersDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(path.join(dir, 'containers', 'base', 'Dockerfile'))) return path.join(dir, 'containers');
    dir = path.dirname(dir);
  }
  throw new Error('containers/base/Dockerfile not found above ' + fileURLToPath(import.meta.url));
}

/** The folder holding `@playwright/test` and friends for the browser image. */
export function nodeModulesDir(): string {
  return path.join(path.dirname(containersDir()), 'node_modules');
}

function sha(parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** Package names of a packages.txt (comments and blanks dropped). */
export function parsePackageList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/** The hash of the debootstrapped rootfs (tag of baton-rootfs). */
export function rootfsRecipeHash(): string {
  return sha([`rootfs-v${ROOTFS_RECIPE_VERSION}`, DEBIAN_SUITE, 'minbase']);
}

/** The hash of baton-base's recipe: its Dockerfile and package list. */
export async function baseRecipeHash(dir = containersDir()): Promise<string> {
  return sha([await readFile(path.join(dir, 'base/Dockerfile')), await readFile(path.join(dir, 'base/packages.txt'))]);
}

/** The hash of baton-browser's recipe: the base's, its own files, the Playwright and Node versions it copies. */
export async function browserRecipeHash(baseHash: string, dir = containersDir()): Promise<string> {
  const versions: string[] = [];
  for (const name of PLAYWRIGHT_PACKAGES) {
    const pkg = JSON.parse(await readFile(path.join(nodeModulesDir(), name, 'package.json'), 'utf8')) as { version: string };
    versions.push(`${name}@${pkg.version}`);
  }
  return sha([
    baseHash,
    await readFile(path.join(dir, 'browser/Dockerfile')),
    await readFile(path.join(dir, 'browser/packages.txt')),
    versions.join(' '),
    `node ${process.version}`,
  ]);
}
