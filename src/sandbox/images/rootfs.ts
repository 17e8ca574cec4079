/**
 * The no-registry path: debootstrap a minbase Debian rootfs from the mirror
 * this machine's apt configuration names, and `docker import` it as
 * baton-rootfs:<hash>. The package layers are then built FROM it with the
 * same Dockerfile machines with a registry use.
 */
import { mkdtemp, rm, writeFile, mkdir, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { SystemError, describeError } from '../../errors.js';
import { carriedAptOptions, pickDebianMirrors, readHostAptSources, renderSources } from './apt-sources.js';
import { DEBIAN_SUITE, ROOTFS_REPO } from './recipe.js';
import { followProgress, type ProgressSink } from './progress.js';

const DEBOOTSTRAP_TIMEOUT_MS = 20 * 60_000;

/** Why this machine cannot bootstrap a rootfs, or undefined when it can. */
export async function rootfsUnavailableReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'debootstrap needs root';
  const which = await execa('sh', ['-c', 'command -v debootstrap'], { reject: false });
  if (which.exitCode !== 0) return 'debootstrap is not installed (apt-get install debootstrap)';
  const mirrors = pickDebianMirrors(await readHostAptSources(), DEBIAN_SUITE);
  if (!mirrors) return `no apt source of this machine serves Debian ${DEBIAN_SUITE} main`;
  return undefined;
}

/** Bootstraps the rootfs and imports it as `baton-rootfs:<hash>`; returns that reference. */
export async function importRootfs(docker: Docker, hash: string, progress: ProgressSink): Promise<string> {
  const ref = `${ROOTFS_REPO}:${hash}`;
  const mirrors = pickDebianMirrors(await readHostAptSources(), DEBIAN_SUITE);
  if (!mirrors) {
    throw new SystemError(`No apt source of this machine serves Debian ${DEBIAN_SUITE} main; cannot bootstrap the image.`, {
      code: 'BATON_SANDBOX',
      context: { hint: 'Add a Debian mirror to /etc/apt/sources.list.d/, or build on a machine that can pull debian:bookworm-slim.' },
    });
  }
  const work = await mkdtemp(path.join(os.tmpdir(), 'baton-rootfs-'));
  const root = path.join(work, 'root');
  try {
    progress(`debootstrap ${DEBIAN_SUITE} (minbase) from ${mirrors.main}`);
    const boot = execa('debootstrap', ['--variant=minbase', '--components=main', DEBIAN_SUITE, root, mirrors.main], {
      reject: false,
      all: true,
      buffer: { all: false },
      timeout: DEBOOTSTRAP_TIMEOUT_MS,
      lines: false,
    });
    const tail: string[] = [];
    boot.all?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        if (line.startsWith('I: ') && !line.startsWith('I: Validating')) progress(line);
      }
    });
    const done = await boot;
    if (done.exitCode !== 0) {
      throw new SystemError(`debootstrap failed (exit ${done.exitCode ?? done.signal})`, {
        code: 'BATON_SANDBOX',
        context: { command: 'debootstrap', output: tail.join('\n'), timedOut: done.timedOut },
      });
    }
    await configureApt(root, mirrors);
    progress(`importing the rootfs as ${ref}`);
    const tar = execa('tar', ['-C', root, '--numeric-owner', '-c', '.'], { buffer: false, reject: false });
    const stream = await docker.importImage(tar.stdout as NodeJS.ReadableStream, { repo: ROOTFS_REPO, tag: hash });
    await followProgress(docker, stream, progress);
    const tarDone = await tar;
    if (tarDone.exitCode !== 0) throw new Error(`tar exited ${tarDone.exitCode}: ${String(tarDone.stderr)}`);
    return ref;
  } catch (e) {
    if (e instanceof SystemError) throw e;
    throw new SystemError(`Could not import the rootfs: ${describeError(e)}`, { code: 'BATON_SANDBOX', cause: e });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Points the rootfs's apt at this machine's mirrors and options, and drops caches. */
async function configureApt(root: string, mirrors: NonNullable<ReturnType<typeof pickDebianMirrors>>): Promise<void> {
  await rm(path.join(root, 'etc/apt/sources.list'), { force: true });
  await mkdir(path.join(root, 'etc/apt/sources.list.d'), { recursive: true });
  await writeFile(path.join(root, 'etc/apt/sources.list.d/debian.sources'), renderSources(mirrors, DEBIAN_SUITE));
  const dump = await execa('apt-config', ['dump'], { reject: false });
  const carried = carriedAptOptions(String(dump.stdout ?? ''));
  if (carried) await writeFile(path.join(root, 'etc/apt/apt.conf.d/90baton-host'), carried + '\n');
  // The same cleanups the official debian images make: no apt caches in layers.
  await writeFile(
    path.join(root, 'etc/apt/apt.conf.d/docker-clean'),
    'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb || true"; };\n' +
      'Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";\n',
  );
  for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
    const names = await readdir(path.join(root, dir)).catch(() => [] as string[]);
    for (const n of names) if (n !== 'partial' && n !== 'lock') await rm(path.join(root, dir, n), { recursive: true, force: true });
  }
}
