/**
 * The browser template as a user meets it: `baton init -t browser` then
 * `baton run`, against the real Docker engine and Chromium; its replay
 * session adds the Add button and the run ends met. Needs the built CLI
 * (dist/). Skips without an engine; fails instead when BATON_REQUIRE_DOCKER=1.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImages } from '../../src/sandbox/index.js';
import { baton } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { dockerReady } from '../sandbox/guard.js';

const ready = await dockerReady();
const cwd = tmpDir('baton-browser-template-');
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe.skipIf(!ready.ok)('templates/browser', () => {
  beforeAll(async () => {
    await buildImages({ images: ['baton-browser'] });
  }, 900_000);

  it('goes from a failing baseline to met after its replay session', async () => {
    const init = await baton(['init', 'counter', '-t', 'browser'], { cwd });
    expect(init.exitCode).toBe(0);
    const run = await baton(['run', 'counter'], { cwd, timeout: 480_000 });
    const said = `${run.stdout}\n${run.stderr}`;
    expect(said).toContain('[baseline] BASELINE: e2e: ok');
    expect(said).toMatch(/^met: every threshold holds \(after 1 iteration\)$/m);
    expect(run.exitCode).toBe(0);
  }, 500_000);
});
