import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initExperiment } from '../../src/init/init.js';
import { checkExperiment } from '../../src/spec/check.js';
import { tmpDir } from '../helpers/tmp.js';

describe('checkExperiment', () => {
  it('passes on every template as created', async () => {
    for (const template of ['table', 'benchmark', 'tests', 'browser', 'blank']) {
      const dir = path.join(tmpDir(), template);
      await initExperiment(dir, { template });
      expect(checkExperiment(dir).problems, template).toEqual([]);
    }
  });

  it('reports a missing reference file, a missing replay script and a workspace that is not a repository, all at once', async () => {
    const dir = path.join(tmpDir(), 'exp');
    await initExperiment(dir, { template: 'table' });
    fs.rmSync(path.join(dir, 'oracle', 'reference.csv'));
    fs.rmSync(path.join(dir, 'replay.yaml'));
    fs.rmSync(path.join(dir, 'workspace', '.git'), { recursive: true });
    const { spec, problems } = checkExperiment(dir);
    expect(spec).toBeUndefined();
    expect(problems.map((p) => [p.where, p.message])).toEqual([
      ['oracles[0].tables[0].reference', 'file not found: oracle/reference.csv'],
      ['worker.script', 'file not found: replay.yaml'],
      ['folder', 'the workspace is not a git repository'],
    ]);
  });

  it('refuses reference files outside the experiment', async () => {
    const dir = path.join(tmpDir(), 'exp');
    await initExperiment(dir, { template: 'table' });
    const spec = fs.readFileSync(path.join(dir, 'baton.yaml'), 'utf8').replace('reference: oracle/reference.csv', 'reference: ../elsewhere.csv');
    fs.writeFileSync(path.join(dir, 'baton.yaml'), spec);
    const { problems } = checkExperiment(dir);
    expect(problems).toEqual([expect.objectContaining({ where: 'oracles[0].tables[0].reference', message: 'file outside the experiment folder' })]);
  });

  it('says so when there is no baton.yaml', () => {
    const { problems } = checkExperiment(tmpDir());
    expect(problems[0].message).toBe('no baton.yaml in the experiment folder');
  });
});
