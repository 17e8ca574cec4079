/**
 * What `baton check` reads beyond the spec's text, so that a run never
 * starts on an input it would fail on: reference tables read by the same
 * readers the table oracle uses (and their x and compared columns looked
 * up), `expose:` patterns that match no file, the replay worker's script.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { InputError, type Problem } from '../errors.js';
import type { ExperimentPaths } from '../experiment.js';
import type { Spec } from './schema.js';
import { loadReplayScript } from '../workers/replay.js';

/** Problems of the files the spec names, read as the run would read them. */
export async function checkReferences(spec: Spec, paths: ExperimentPaths, specFile: string, lineOf: (p: (string | number)[]) => string): Promise<Problem[]> {
  const problems: Problem[] = [];
  // Loaded on first use: the table readers are only needed when a table oracle is checked.
  const { readTable, resolveColumn } = await import('../../oracles/table/index.js');
  for (const [i, o] of spec.oracles.entries()) {
    if (o.kind !== 'table') continue;
    for (const [j, t] of o.tables.entries()) {
      const key = ['oracles', i, 'tables', j];
      const abs = path.resolve(paths.root, t.reference);
      if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) continue; // checkFiles names it
      let table;
      try {
        table = await readTable(abs, t.format, { displayName: path.relative(process.cwd(), abs) || t.reference });
      } catch (e) {
        problems.push(...asProblems(e, path.relative(process.cwd(), abs), `the reference of ${specFile} ${formatKey([...key, 'reference'])}${lineOf([...key, 'reference'])}`));
        continue;
      }
      const refs: [string | number, (string | number)[], string][] = [
        [t.x, [...key, 'x'], 'x column'],
        ...t.columns.map((c, k): [string | number, (string | number)[], string] => [c, [...key, 'columns', k], 'column']),
      ];
      for (const [ref, at, what] of refs) {
        try {
          resolveColumn(table, ref, what);
        } catch (e) {
          for (const p of asProblems(e, t.reference, '')) {
            problems.push({ ...p, file: specFile, where: `${formatKey(at)}${lineOf(at)}`, message: `${p.message} (in ${t.reference})` });
          }
        }
      }
    }
  }
  return problems;
}

/** `expose:` patterns that match no experiment file: the worker would find nothing where the prompt says to look. */
export function checkExpose(spec: Spec, root: string, specFile: string, lineOf: (p: (string | number)[]) => string): Problem[] {
  if (!spec.expose.length) return [];
  const files: string[] = [];
  const walk = (rel: string, depth: number): void => {
    if (depth > 32 || files.length > 100_000) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (r !== '.baton' && r !== 'workspace') walk(r, depth + 1);
      } else files.push(r);
    }
  };
  walk('', 0);
  return spec.expose.flatMap((pattern, i): Problem[] => {
    const match = picomatch(pattern, { dot: false });
    if (files.some((f) => match(f))) return [];
    return [{
      file: specFile, where: `expose[${i}]${lineOf(['expose', i])}`, message: `matches no file of the experiment folder`,
      expected: 'a path or glob relative to the experiment folder (e.g. oracle/*.dat), outside workspace/ and .baton/', found: JSON.stringify(pattern),
    }];
  });
}

/** The replay worker's script, parsed and validated as the run will (file, key and line of each problem). */
export function checkReplayScript(spec: Spec, root: string): Problem[] {
  if (spec.worker.kind !== 'replay') return [];
  const file = path.resolve(root, spec.worker.script);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return []; // checkFiles names it
  try {
    loadReplayScript(file);
    return [];
  } catch (e) {
    return asProblems(e, path.relative(process.cwd(), file), '');
  }
}

function asProblems(e: unknown, file: string, context: string): Problem[] {
  const suffix = context ? ` (${context})` : '';
  if (e instanceof InputError) return e.problems.map((p) => ({ ...p, file: p.file === undefined ? file : relFile(p.file), message: `${p.message}${suffix}` }));
  return [{ file, where: 'file', message: `${(e as Error)?.message ?? String(e)}${suffix}` }];
}

function relFile(f: string): string {
  return path.isAbsolute(f) ? path.relative(process.cwd(), f) || f : f;
}

function formatKey(p: (string | number)[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}
