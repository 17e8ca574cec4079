/**
 * Reads a timed run's named output files on the host, after its sandbox has
 * stopped (so nothing can swap them while they are read). The candidate wrote
 * them, so every path component must be a real folder or file inside the
 * run's $BATON_OUT: a symlink (to a host file, say) is refused, never followed,
 * and a file over the cap is refused rather than read whole.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type { FileOutput } from './output-compare.js';

/** Largest output file compared (bytes). */
export const MAX_OUTPUT_FILE_BYTES = 64 * 1024 * 1024;

/** Reads `rel` under `outDir` without following any symlink. */
export function readOutputFile(outDir: string, rel: string, maxBytes = MAX_OUTPUT_FILE_BYTES): FileOutput {
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  let at = outDir;
  for (const [i, part] of parts.entries()) {
    at = path.join(at, part);
    let st;
    try {
      st = lstatSync(at);
    } catch {
      return { ok: false, why: i === parts.length - 1 ? 'no such file' : `no folder ${parts.slice(0, i + 1).join('/')}` };
    }
    if (st.isSymbolicLink()) return { ok: false, why: `${parts.slice(0, i + 1).join('/')} is a symlink, which is never followed` };
    if (i < parts.length - 1 && !st.isDirectory()) return { ok: false, why: `${parts.slice(0, i + 1).join('/')} is not a folder` };
  }
  let fd: number;
  try {
    fd = openSync(at, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    return { ok: false, why: `cannot open it (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, why: 'not a regular file' };
    if (st.size > maxBytes) return { ok: false, why: `${st.size} bytes, over the ${maxBytes}-byte cap of a compared file` };
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    return { ok: true, bytes: buf.subarray(0, got) };
  } finally {
    closeSync(fd);
  }
}
