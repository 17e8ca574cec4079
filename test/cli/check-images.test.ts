/**
 * Trial row 71: `baton check` on a browser experiment whose oracle image
 * (baton-browser) is missing said "ok"; `measure` then failed. The oracle
 * kind names the images it needs, and check asks the engine for them.
 * Real Docker: an image name that does not exist stands in for a missing
 * baton-browser (the suite needs the real one).
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../../src/spec/check.js';
import { neededImages } from '../../src/oracles/registry.js';
import { specIsolation } from '../../src/sandbox/doctor.js';
import { baton } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { dockerReady } from '../sandbox/guard.js';

const ready = await dockerReady();

describe.runIf(ready.ok)('baton check and the images oracles need', () => {
  it('the browser kind names baton-browser; a missing image is a refusal naming the oracle and the fix', async () => {
    const dir = path.join(tmpDir(), 'ui');
    const init = await baton(['init', dir, '-t', 'browser'], { cwd: path.dirname(dir) });
    expect(init.exitCode, init.stderr).toBe(0);
    const spec = loadExperiment(dir);
    const images = neededImages(spec.oracles);
    expect(images).toEqual([{ name: 'baton-browser', by: `oracles[0] (${spec.oracles[0].id})` }]);

    const ok = await specIsolation('baton.yaml', spec.sandbox, path.join(dir, 'workspace'), undefined, images);
    expect(ok).toHaveProperty('isolation');
    const gone = await specIsolation('baton.yaml', spec.sandbox, path.join(dir, 'workspace'), undefined, [
      { name: 'baton-no-such-image', by: 'oracles[0] (ui)' },
    ]);
    expect(gone).toEqual({
      spec: 'baton.yaml',
      refused: 'oracles[0] (ui) needs the image baton-no-such-image, which the sandbox engine does not have. Run `baton sandbox build`.',
    });

    const check = await baton(['check', dir], { cwd: dir });
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^ok: /m);
  }, 120_000);
});
