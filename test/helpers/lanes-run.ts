/**
 * A lanes run of experiments/stats-lanes killed (SIGKILL) once every lane's
 * session is at work, then started again: what the crash tests of the remote
 * kinds share (test/run/remote-docker-run.test.ts, slurm-run.test.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import { LedgerRecord } from '../../src/ledger/record.js';
import { readJournal } from '../../src/run/journal.js';
import { readJsonl } from '../../src/state/jsonl.js';
import { BATON_BIN } from './cli.js';

/** The judged iterations of the run at `dir` (no baseline, no confirmation). */
export const candidatesOf = (dir: string): LedgerRecord[] =>
  readJsonl(path.join(dir, '.baton', 'ledger.jsonl'), LedgerRecord).records.filter((r) => r.phase !== 'confirm' && r.phase !== 'baseline');

/**
 * Runs `baton run dir`, kills it once `lanes` lanes report their workspace
 * in place (journal `lane-ready`), calls `whileDead` (the killed run's
 * sandboxes are still there), then runs again and checks: exit 0 and met,
 * iterations gap-free, every lane session recorded once.
 */
export async function killThenResume(dir: string, env: Record<string, string>, lanes: number, whileDead: () => Promise<void>): Promise<void> {
  const journal = path.join(dir, '.baton', 'journal.jsonl');
  const first = execa('node', [BATON_BIN, 'run', dir], { reject: false, timeout: 300_000, env });
  const started = Date.now();
  while (Date.now() - started < 120_000) {
    const ready = fs.existsSync(journal) ? readJournal(journal).records.filter((e) => e.type === 'lane-ready').length : 0;
    if (ready >= lanes) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  first.kill('SIGKILL');
  await first;
  await whileDead();
  const second = await execa('node', [BATON_BIN, 'run', dir], { reject: false, timeout: 300_000, env });
  expect(second.exitCode, `${second.stdout}\n${second.stderr}`).toBe(0);
  expect(second.stdout).toMatch(/met: every threshold holds/);
  const its = candidatesOf(dir).map((r) => r.iteration);
  expect(its).toEqual(Array.from({ length: its.length }, (_, i) => i + 1));
  // The sessions the kill cut short were each recorded once, never twice.
  const keys = readJournal(journal).records.flatMap((e) => (e.type === 'iteration-start' && e.key ? [e.key] : []));
  expect(new Set(keys).size).toBe(keys.length);
}
