/**
 * Trial row H3: the time budget counts the time baton ran, not the wall-clock
 * time since the first start. A run stopped by its iteration budget and
 * resumed an hour later with more iterations goes on; it is not "out of
 * time". The pure sum, then the loop through real git and Docker.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { activeMsBefore } from '../../src/run/active-time.js';
import type { JournalEntry } from '../../src/run/journal.js';
import { runExperiment } from '../../src/run/run.js';
import type { Spec } from '../../src/spec/schema.js';
import { baton } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const at = (s: number): string => new Date(Date.UTC(2026, 11, 1, 8, 0, s)).toISOString();
const entry = (type: string, s: number): JournalEntry => ({ v: 1, at: at(s), type, run: 'r1', pid: 1, resumed: false }) as unknown as JournalEntry;

describe('activeMsBefore', () => {
  it('sums each run from its start to its last entry, leaving out the pauses between runs', () => {
    const journal = [entry('run-start', 0), entry('iteration-start', 2), entry('run-end', 5), entry('run-start', 40), entry('settled', 47)];
    expect(activeMsBefore(journal)).toBe(12_000);
  });
  it('counts a killed run until its last entry, and nothing before the first start', () => {
    expect(activeMsBefore([entry('run-start', 10), entry('iteration-start', 13)])).toBe(3_000);
    expect(activeMsBefore([])).toBe(0);
  });
});

const dockerUp = (await execa('docker', ['info'], { reject: false })).exitCode === 0;
const need = dockerUp || process.env.BATON_REQUIRE_DOCKER === '1' ? describe : describe.skip;

need('the time budget across a pause', () => {
  it('a resume an hour later with more iterations runs them', async () => {
    const dir = path.join(tmpDir(), 'exp');
    expect((await baton(['init', dir, '-t', 'blank'], { cwd: path.dirname(dir) })).exitCode).toBe(0);
    // a session that does not meet the goal, so the run ends on its iteration budget
    fs.writeFileSync(path.join(dir, 'replay.yaml'), 'sessions:\n  - summary: "a note"\n    steps:\n      - write: NOTE.txt\n        content: "later\\n"\n');
    const budget =
      (iterations: number) =>
      (s: Spec): Spec => ({
        ...s,
        budget: { ...s.budget, iterations, time: '60s', session: { ...s.budget.session, time: '30s' } },
      });
    const first = await runExperiment(dir, { adjustSpec: budget(1) });
    expect(first.state).toBe('budget');
    expect(first.reason).not.toMatch(/time budget/);
    const anHourLater = () => new Date(Date.now() + 3_600_000);
    const second = await runExperiment(dir, { adjustSpec: budget(2), now: anHourLater });
    expect(second.reason).not.toMatch(/time budget/);
    expect(second.iterations).toBe(2);
  }, 300_000);
});
