/**
 * Reads the report file a suite left in $BATON_OUT on the host. The suite is
 * candidate code, so the file is not trusted to be what it seems: a symbolic
 * link (to the report or to a folder on its path) could point the harness
 * at a host file of the candidate's choosing, and a huge file could exhaust
 * memory.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** Largest report read (bytes); a bigger one is refused rather than buffered. */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024;

/** Host path of `rel` inside `dir`, or undefined when it leaves `dir`. */
export function insideDir(dir: string, rel: string): string | undefined {
  const full = path.resolve(dir, rel);
  const r = path.relative(dir, full);
  return r === '' || r.startsWith('..') || path.isAbsolute(r) ? undefined : full;
}

export type ReportFile = { ok: true; text: string } | { ok: false; missing: boolean; reason: string };

/** Reads `file` (inside `outDir`) as UTF-8 when it is a plain file that really lies inside `outDir`. */
export function readReportFile(outDir: string, file: string, label: string): ReportFile {
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return { ok: false, missing: true, reason: `no report at ${label}` };
  }
  if (!st.isFile()) {
    return {
      ok: false,
      missing: false,
      reason: `${label} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; the report must be a plain file`,
    };
  }
  if (insideDir(realpathSync(outDir), realpathSync(file)) === undefined) {
    return { ok: false, missing: false, reason: `${label} resolves outside $BATON_OUT` };
  }
  let fd: number;
  try {
    // O_NOFOLLOW: a link swapped in after the checks above is refused, not followed.
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    return { ok: false, missing: false, reason: `${label} could not be opened: ${(e as Error).message}` };
  }
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_REPORT_BYTES) return { ok: false, missing: false, reason: `${label} is ${size} bytes, over the ${MAX_REPORT_BYTES}-byte limit` };
    return { ok: true, text: readFileSync(fd, 'utf8') };
  } finally {
    closeSync(fd);
  }
}
