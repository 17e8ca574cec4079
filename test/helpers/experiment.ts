import * as fs from 'node:fs';
import * as path from 'node:path';
import { Repo } from '../../src/workspace/git.js';
import { ROOT, tmpDir } from './tmp.js';

/** Copies a fixture experiment (test/fixtures/experiments/NAME) to a temporary folder and makes its workspace a repository. */
export async function fixtureExperiment(name: string): Promise<string> {
  const dir = path.join(tmpDir(), name);
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'experiments', name), dir, { recursive: true });
  const repo = await Repo.init(path.join(dir, 'workspace'));
  await repo.commitAll(`fixture ${name}`);
  return dir;
}
