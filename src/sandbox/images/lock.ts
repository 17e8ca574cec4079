/**
 * A machine-wide lock (per engine) around image builds, so two processes (two test files,
 * two `baton sandbox build`) never build the same image at once: the second
 * waits, then finds the image up to date. A lock whose holder is dead is taken over.
 */
import { createHash } from 'node:crypto';
import { open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SystemError } from '../../errors.js';
import { isProcessAlive } from '../owner.js';

const MAX_WAIT_MS = 40 * 60_000;

/** One lock per engine: builds on different engines do not wait for each other. */
function lockPath(): string {
  const engine = process.env.DOCKER_HOST ?? 'default';
  return path.join(os.tmpdir(), `baton-image-build-${createHash('sha256').update(engine).digest('hex').slice(0, 8)}.lock`);
}

/** Runs `fn` holding the build lock; `onWait` is told once when another process holds it. */
export async function withBuildLock<T>(fn: () => Promise<T>, onWait: (holder: string) => void): Promise<T> {
  const LOCK = lockPath();
  const deadline = Date.now() + MAX_WAIT_MS;
  let told = false;
  for (;;) {
    try {
      const fh = await open(LOCK, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number((await readFile(LOCK, 'utf8').catch(() => '')).trim());
      if (!Number.isInteger(holder) || holder <= 0 || !isProcessAlive(holder)) {
        await rm(LOCK, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new SystemError(`Another image build (pid ${holder}) has held ${LOCK} for over ${MAX_WAIT_MS / 60_000} minutes`, {
          code: 'BATON_SANDBOX',
          context: { path: LOCK, hint: `If pid ${holder} is not building images, remove ${LOCK}.` },
        });
      }
      if (!told) onWait(`pid ${holder}`);
      told = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(LOCK, { force: true });
  }
}
