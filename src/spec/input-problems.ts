/**
 * How `baton check` turns an error met while reading an input (a reference
 * table, the replay script) into problems naming the file, and how it writes
 * a key path. Shared by check-inputs.ts and the oracle kinds' input checks.
 */
import * as path from 'node:path';
import { InputError, type Problem } from '../errors.js';

/** The problems an error met reading `file` stands for; `context` says which spec key led there. */
export function asProblems(e: unknown, file: string, context: string): Problem[] {
  const suffix = context ? ` (${context})` : '';
  if (e instanceof InputError) return e.problems.map((p) => ({ ...p, file: p.file === undefined ? file : relFile(p.file), message: `${p.message}${suffix}` }));
  return [{ file, where: 'file', message: `${(e as Error)?.message ?? String(e)}${suffix}` }];
}

function relFile(f: string): string {
  return path.isAbsolute(f) ? path.relative(process.cwd(), f) || f : f;
}

/** `oracles[0].tables[1].reference`. */
export function formatKey(p: (string | number)[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}
