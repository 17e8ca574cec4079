/**
 * The experiment's Playwright tests, read on the host into a bounded payload
 * the oracle hands to its root-only runner inside the sandbox over stdin (they
 * are never mounted: see oracle.ts for why).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Bounds of a tests folder: it holds test files and small fixtures, not data sets. */
export const MAX_SUITE_FILES = 2000;
export const MAX_SUITE_BYTES = 32 * 1024 * 1024;
const MAX_DEPTH = 16;

/** One file of the suite: its path relative to the tests folder and its bytes in base64. */
export interface SuiteFile {
  path: string;
  data: string;
}

export type ReadSuite = { ok: true; files: SuiteFile[]; bytes: number } | { ok: false; reason: string };

/** Reads every regular file under `dir` (links followed, as the experiment's author made them). */
export function readSuite(dir: string, label: string): ReadSuite {
  let st;
  try {
    st = statSync(dir);
  } catch {
    return { ok: false, reason: `the tests folder ${label} does not exist` };
  }
  if (!st.isDirectory()) return { ok: false, reason: `the tests folder ${label} is not a folder` };
  const files: SuiteFile[] = [];
  let bytes = 0;
  const walk = (abs: string, rel: string, depth: number): string | undefined => {
    if (depth > MAX_DEPTH) return `${label}/${rel} is nested more than ${MAX_DEPTH} folders deep (a link loop?)`;
    for (const entry of readdirSync(abs).sort()) {
      if (entry === 'node_modules') continue;
      const a = path.join(abs, entry);
      const r = rel === '' ? entry : `${rel}/${entry}`;
      const s = statSync(a, { throwIfNoEntry: false });
      if (s === undefined) continue; // a dangling link
      if (s.isDirectory()) {
        const problem = walk(a, r, depth + 1);
        if (problem) return problem;
      } else if (s.isFile()) {
        bytes += s.size;
        if (files.length >= MAX_SUITE_FILES) return `${label} holds more than ${MAX_SUITE_FILES} files`;
        if (bytes > MAX_SUITE_BYTES) return `${label} holds more than ${MAX_SUITE_BYTES} bytes`;
        files.push({ path: r, data: readFileSync(a).toString('base64') });
      }
    }
    return undefined;
  };
  const problem = walk(dir, '', 0);
  if (problem) return { ok: false, reason: problem };
  return { ok: true, files, bytes };
}
