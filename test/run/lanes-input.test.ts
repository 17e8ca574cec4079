/**
 * Bad lane settings are caught before anything is written: `--lanes` out of
 * range, `parallel.lanes` over the cap, and lanes on a sandbox that cannot
 * give each session a private workspace (the real local provider running
 * plain processes), which `baton run` refuses before its first journal entry.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/run/run.js';
import { refuseLanes } from '../../src/sandbox/doctor.js';
import { LocalSandboxProvider } from '../../src/sandbox/local.js';
import { baton } from '../helpers/cli.js';
import { fixtureExperiment } from '../helpers/experiment.js';

describe('lane settings that cannot run', () => {
  it('--lanes outside 1..16 is a usage error that says what it found; nothing is written', async () => {
    const dir = await fixtureExperiment('lanes');
    for (const bad of ['0', '17', 'four', '2.5']) {
      const r = await baton(['run', dir, '--lanes', bad], { cwd: dir });
      expect(r.exitCode, bad).toBe(2);
      expect(r.stderr).toContain(`--lanes: expected a whole number from 1 to 16, found "${bad}"`);
    }
    expect(fs.existsSync(path.join(dir, '.baton'))).toBe(false);
  });

  it('parallel.lanes over the cap is a spec problem naming the key, line and limit', async () => {
    const dir = await fixtureExperiment('lanes');
    const file = path.join(dir, 'baton.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('parallel: { lanes: 4 }', 'parallel: { lanes: 40 }'));
    const r = await baton(['check', dir], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/parallel\.lanes \(line \d+\)/);
    expect(r.stderr).toMatch(/16/);
  });

  it('a sandbox without private workspaces is refused for lanes before the first journal entry', async () => {
    const dir = await fixtureExperiment('lanes');
    const plain = new LocalSandboxProvider('none');
    await expect(runExperiment(dir, { provider: plain })).rejects.toThrow(
      /parallel\.lanes: 4 gives each session its own copy of the workspace.*install bubblewrap.*parallel\.lanes: 1/,
    );
    expect(fs.existsSync(path.join(dir, '.baton', 'journal.jsonl'))).toBe(false);
    expect(refuseLanes(plain, 1)).toBeUndefined();
    expect(refuseLanes(new LocalSandboxProvider('bwrap'), 4)).toBeUndefined();
    expect(refuseLanes({ kind: 'docker', privateWorkspaces: true }, 16)).toBeUndefined();
  });
});
