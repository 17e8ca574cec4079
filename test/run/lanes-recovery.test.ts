/**
 * A lane's session in flight when `baton run` dies keeps its work: the run is
 * killed (SIGKILL, at the failpoint after a replay step) while three lanes'
 * sessions run; the next `baton run` copies each orphaned sandbox's
 * /workspace out before sweeping it, records the session `crashed` with its
 * work saved as a patch, plays the session again, and ends met.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { experimentId } from '../../src/experiment.js';
import { LedgerRecord } from '../../src/ledger/record.js';
import { readJsonl } from '../../src/state/jsonl.js';
import { Repo } from '../../src/workspace/git.js';
import { BATON_BIN } from '../helpers/cli.js';
import { fixtureExperiment } from '../helpers/experiment.js';
import { dockerReady } from '../sandbox/guard.js';

const ready = await dockerReady();

describe.runIf(ready.ok)('SIGKILL with lane sessions in flight: their work is saved from their sandboxes', () => {
  it('records each in-flight session crashed with its diff, then ends met', async () => {
    const dir = await fixtureExperiment('lanes-chaos');
    const id = experimentId(dir, 'lanes-chaos');
    // Killed after the first replay step (a write) of whichever lane gets there first: every lane's sandbox is up.
    const killed = await execa('node', [BATON_BIN, 'run', dir], { reject: false, env: { BATON_FAILPOINT: 'replay:step@2' } });
    expect(killed.signal).toBe('SIGKILL');
    const orphans = await new Docker().listContainers({ all: true, filters: { label: [`baton.experiment=${id}`, 'baton.role=worker'] } });
    expect(orphans.length).toBeGreaterThan(0);

    const resumed = await execa('node', [BATON_BIN, 'run', dir], { reject: false });
    expect(resumed.exitCode, String(resumed.stderr)).toBe(0);
    expect(resumed.stderr).toMatch(/saved the work of \d lane session\(s\) a killed run left in flight/);
    const ledger = readJsonl(path.join(dir, '.baton', 'ledger.jsonl'), LedgerRecord).records;
    const crashed = ledger.filter((r) => r.verdict.kind === 'crashed');
    expect(crashed.length).toBeGreaterThan(0);
    const repo = new Repo(path.join(dir, 'workspace'));
    const saved = crashed.filter((r) => /copied out of its sandbox/.test(r.session?.cause ?? ''));
    expect(saved.length, JSON.stringify(crashed.map((r) => r.session?.cause))).toBeGreaterThan(0);
    for (const r of saved) {
      // The saved patch holds what the session wrote before the kill: its lane's file raised to 2.
      const patch = fs.readFileSync(path.join(dir, '.baton', 'attempts', `${String(r.iteration).padStart(4, '0')}.patch`), 'utf8');
      expect(patch).toMatch(/^\+2$/m);
      expect(await repo.refExists(`refs/baton/attempts/${r.iteration}`)).toBe(true);
    }
    const left = await new Docker().listContainers({ all: true, filters: { label: [`baton.experiment=${id}`] } });
    expect(left).toEqual([]);
  }, 300_000);
});
