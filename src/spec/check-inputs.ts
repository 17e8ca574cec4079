/**
 * What `baton check` reads beyond the spec's text, so that a run never
 * starts on an input it would fail on: what each oracle kind reads (a table
 * oracle's reference tables, by the readers the oracle uses), `expose:`
 * patterns that match no file, the replay worker's script.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import type { Problem } from '../errors.js';
import type { ExperimentPaths } from '../experiment.js';
import { oracleKindOf } from '../oracles/registry.js';
import { asProblems } from './input-problems.js';
import type { Spec } from './schema.js';
import { loadReplayScript } from '../workers/replay.js';

/** Problems of the files the spec names, read as the run would read them (each kind's `checkInputs`: a table oracle's reference tables). */
export async function checkReferences(spec: Spec, paths: ExperimentPaths, specFile: string, lineOf: (p: (string | number)[]) => string): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const [index, o] of spec.oracles.entries()) {
    const check = oracleKindOf(o).checkInputs;
    if (check) problems.push(...(await check(o, { index, root: paths.root, specFile, lineOf })));
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
    return [
      {
        file: specFile,
        where: `expose[${i}]${lineOf(['expose', i])}`,
        message: `matches no file of the experiment folder`,
        expected: 'a path or glob relative to the experiment folder (e.g. oracle/*.dat), outside workspace/ and .baton/',
        found: JSON.stringify(pattern),
      },
    ];
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
