/**
 * Where `baton report` may write, decided before anything is written: never
 * inside the workspace (the worker's files: a report there would be judged
 * as the next session's change, or a live session's), and into a folder that
 * exists or can be made, with a clear error otherwise.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors.js';
import type { ExperimentPaths } from '../experiment.js';
import { lockHolder } from '../state/lock.js';
import { detailFor } from './generate.js';

/** Where the report goes: `<experiment>/reports` unless `--out` names another folder outside the workspace. */
export async function reportTarget(paths: ExperimentPaths, out: string | undefined): Promise<string> {
  const dir = path.resolve(out ?? paths.reports);
  if ((await detailFor(dir, paths.workspace)) === 'coarse') {
    throw new UserError(
      `--out ${out}: the report cannot be written inside the workspace (${paths.workspace}): every file there is the worker's, and a report file would be judged as the next session's change (tamper). ` +
        `The run keeps workspace/reports current itself; write yours elsewhere, e.g. --out ${path.join(paths.root, 'reports')}`,
      { code: 'BATON_INPUT_INVALID', context: { option: '--out', path: dir } },
    );
  }
  const holder = out === undefined ? lockHolder(paths.lock) : undefined;
  if (holder) {
    throw new UserError(
      `a baton run (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}) holds this experiment and rewrites ${dir} after every iteration; ` +
        `its report there is current as of the last iteration. To write one now, pass a folder of your own: baton report ${paths.root} --out DIR`,
      { code: 'BATON_LOCKED', context: { path: dir, ...holder } },
    );
  }
  prepareDir(dir, out === undefined ? dir : `--out ${out}`);
  prepareDir(path.join(dir, 'plots'), out === undefined ? dir : `--out ${out}`);
  return dir;
}

/**
 * Makes `dir` (one level at a time: a recursive mkdir spins forever under
 * /proc) and checks it is a writable folder; a UserError naming `shown` otherwise.
 */
export function prepareDir(dir: string, shown: string): void {
  const fail = (found: string, cause?: unknown): never => {
    throw new UserError(`${shown}: cannot write the report to ${dir}: ${found}; expected a writable folder (or a path where one can be made)`, {
      code: 'BATON_INPUT_INVALID',
      context: { path: dir },
      cause,
    });
  };
  const missing: string[] = [];
  let at = dir;
  for (;;) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') fail(`a part of ${at} is a file, not a folder`, e);
      if (code !== 'ENOENT') fail(`${at}: ${code}`, e);
    }
    if (st) {
      if (!st.isDirectory()) fail(`${at} is not a folder`);
      break;
    }
    const parent = path.dirname(at);
    if (parent === at) fail(`no existing folder above it`);
    missing.unshift(at);
    at = parent;
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') fail(`mkdir ${d}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, e);
    }
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    // access() says yes to root on a read-only mount; a probe file says what a write would do.
    const probe = path.join(dir, `.baton-probe-${process.pid}`);
    fs.writeFileSync(probe, '', { flag: 'wx' });
    fs.rmSync(probe, { force: true });
  } catch (e) {
    fail(`${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, e);
  }
}
