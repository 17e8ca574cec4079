/**
 * An oracle sandbox that cannot start (the engine lost between a session and
 * its measurement) stops the measurement with a SystemError instead of
 * becoming an `error` measurement the judge would hold against the candidate.
 * The provider here is the fault injection: it refuses every start, as an
 * unreachable engine does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SystemError } from '../../src/errors.js';
import { experimentPaths } from '../../src/experiment.js';
import { measureSnapshot } from '../../src/run/measure.js';
import type { SandboxProvider } from '../../src/sandbox/types.js';
import { Spec } from '../../src/spec/schema.js';
import { tmpDir } from '../helpers/tmp.js';

const lostEngine: SandboxProvider = {
  kind: 'docker',
  start: () => Promise.reject(new SystemError('connect ENOENT /var/run/docker.sock', { code: 'BATON_SANDBOX' })),
  sweep: () => Promise.resolve({ removed: [], kept: [] }),
  stopAll: () => Promise.resolve(),
};

describe('an engine lost before the measurement', () => {
  it('stops the measurement unjudged (fails if the start failure became an oracle error)', async () => {
    const dir = tmpDir('baton-engine-loss-');
    const snap = path.join(dir, 'snap');
    fs.mkdirSync(snap);
    const spec = Spec.parse({
      name: 'x',
      goal: 'g',
      oracles: [{ id: 'c', kind: 'command', run: 'true', evaluate: 'echo "{\\"x\\": 0}"' }],
      thresholds: { 'c.x': '< 1' },
    });
    const run = measureSnapshot({ spec, paths: experimentPaths(dir), provider: lostEngine, runId: 'r', iteration: 1, tag: '0001', snapshotDir: snap });
    await expect(run).rejects.toThrow(/could not start the c oracle's sandbox: .*docker\.sock.*not judged/);
  });
});
