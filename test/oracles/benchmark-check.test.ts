/** `baton check` and REPORT.md on a benchmark with `time: json`: its seconds come from a candidate-controlled process. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initExperiment } from '../../src/init/init.js';
import { buildModel } from '../../src/report/model.js';
import { integrityWarnings } from '../../src/report/summary.js';
import { checkExperiment } from '../../src/spec/check.js';
import { Spec } from '../../src/spec/schema.js';
import { tmpDir } from '../helpers/tmp.js';

/** The benchmark template with its speed oracle's `time` set to `time` (no key for wall, the default). */
async function benchmarkExperiment(time: 'wall' | 'cpu' | 'json'): Promise<string> {
  const dir = path.join(tmpDir(), 'exp');
  await initExperiment(dir, { template: 'benchmark' });
  const specFile = path.join(dir, 'baton.yaml');
  const spec = fs.readFileSync(specFile, 'utf8');
  const at = spec.indexOf('    run: python3 primes.py\n');
  expect(at).toBeGreaterThan(0);
  const line = time === 'wall' ? '' : `    time: ${time}\n`;
  fs.writeFileSync(specFile, spec.replace('    run: python3 primes.py\n', `    run: python3 primes.py\n${line}`));
  return dir;
}

describe('baton check on a benchmark oracle', () => {
  it('warns that time: json takes its seconds from a candidate-controlled process, naming the key, and still passes', async () => {
    const { spec, problems, warnings } = checkExperiment(await benchmarkExperiment('json'));
    expect(problems).toEqual([]);
    expect(spec).toBeDefined();
    expect(warnings).toEqual([
      expect.objectContaining({
        where: 'oracles[1].time',
        message: expect.stringContaining('benchmark "speed" takes its seconds from a candidate-controlled process'),
        found: 'json',
        hint: expect.stringContaining('time: cpu'),
      }),
    ]);
  });

  for (const time of ['wall', 'cpu'] as const) {
    it(`has no warning under time: ${time}`, async () => {
      expect(checkExperiment(await benchmarkExperiment(time))).toMatchObject({ problems: [], warnings: [] });
    });
  }
});

describe('REPORT.md on a benchmark with time: json', () => {
  it('names it in the integrity warnings, and not a benchmark with time: cpu', () => {
    const spec = Spec.parse({
      name: 'r',
      goal: 'g',
      thresholds: {},
      oracles: [
        { id: 'forgeable', kind: 'benchmark', run: 'python3 bench.py', time: 'json' },
        { id: 'measured', kind: 'benchmark', run: 'python3 bench.py', time: 'cpu' },
      ],
    });
    expect(integrityWarnings(buildModel(spec, [], 'running'))).toEqual([
      expect.stringMatching(/^oracle forgeable: seconds from candidate-controlled process \(a benchmark with `time: json`/),
    ]);
  });
});
