import * as fs from 'node:fs';
import * as path from 'node:path';
import { Repo } from '../../src/workspace/git.js';
import { ROOT, tmpDir } from './tmp.js';

export interface ExperimentCopyOptions {
  /** Where NAME lives: test/fixtures/experiments (default) or the runnable examples under experiments/. */
  from?: 'fixtures' | 'examples';
}

/** Host state a previous run may have left in an example folder; a fresh copy never takes it along. */
const RUN_STATE = new Set(['.baton', '.git']);

/**
 * Copies an experiment (test/fixtures/experiments/NAME, or experiments/NAME with
 * `from: 'examples'`) to a temporary folder and makes its workspace a repository.
 */
export async function fixtureExperiment(name: string, options: ExperimentCopyOptions = {}): Promise<string> {
  const examples = options.from === 'examples';
  const source = examples ? path.join(ROOT, 'experiments', name) : path.join(ROOT, 'test', 'fixtures', 'experiments', name);
  const dir = path.join(tmpDir(), name);
  fs.cpSync(source, dir, {
    recursive: true,
    filter: examples ? (src) => !RUN_STATE.has(path.basename(src)) && path.basename(src) !== '__pycache__' : undefined,
  });
  const repo = await Repo.init(path.join(dir, 'workspace'));
  await repo.commitAll(`${examples ? 'example' : 'fixture'} ${name}`);
  return dir;
}

/** Copies the runnable example experiments/NAME as a user would before `baton run`: a fresh folder, its workspace a new repository. */
export function exampleExperiment(name: string): Promise<string> {
  return fixtureExperiment(name, { from: 'examples' });
}
