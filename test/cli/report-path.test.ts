/**
 * `baton report` and the run's own report step are one code path
 * (report/regenerate.ts): on the same ledger, the REPORT.md and metrics.csv
 * `baton report` writes equal the ones the run committed to the workspace,
 * byte for byte (the footer's date is the last record's, so there is no
 * timestamp to mask). Fails if either path gets an input the other lacks,
 * as when `baton report` wrote "Nothing yet." where the run's commit showed
 * the next session's brief.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { baton } from '../helpers/cli.js';
import { fixtureExperiment } from '../helpers/experiment.js';
import { tmpDir } from '../helpers/tmp.js';
import { dockerReady } from '../sandbox/guard.js';

const ready = await dockerReady();

async function git(ws: string, ...args: string[]): Promise<string> {
  return (await execa('git', ['-C', ws, ...args], { stripFinalNewline: false })).stdout;
}

/** REPORT.md and metrics.csv as committed in the workspace at `rev`. */
async function committed(ws: string, rev: string): Promise<Record<string, string>> {
  return { 'REPORT.md': await git(ws, 'show', `${rev}:reports/REPORT.md`), 'metrics.csv': await git(ws, 'show', `${rev}:reports/metrics.csv`) };
}

/** `baton report DIR --out OUT`: its REPORT.md and metrics.csv; the workspace must be left as it was. */
async function reported(dir: string): Promise<Record<string, string>> {
  const ws = path.join(dir, 'workspace');
  const before = [await git(ws, 'rev-parse', 'HEAD'), await git(ws, 'status', '--porcelain', '--ignored')];
  const out = tmpDir();
  const r = await baton(['report', dir, '--out', out], { cwd: dir });
  expect(r.exitCode, r.stderr).toBe(0);
  expect([await git(ws, 'rev-parse', 'HEAD'), await git(ws, 'status', '--porcelain', '--ignored')]).toEqual(before);
  const read = (f: string) => fs.readFileSync(path.join(out, f), 'utf8');
  return { 'REPORT.md': read('REPORT.md'), 'metrics.csv': read('metrics.csv') };
}

describe.runIf(ready.ok)("baton report = the run's report step (real Docker and git)", () => {
  it("on a finished run, and on a run stopped before its end (the next session's brief included)", async () => {
    const dir = await fixtureExperiment('recover');
    const specFile = path.join(dir, 'baton.yaml');
    fs.writeFileSync(specFile, fs.readFileSync(specFile, 'utf8').replace('iterations: 200', 'iterations: 2'));
    const run = await baton(['run', dir], { cwd: dir, timeout: 300_000 });
    expect(run.exitCode, run.stderr).toBe(EXIT.budget);
    const ws = path.join(dir, 'workspace');

    // Finished: the run's last commit holds the report with state budget.
    const finished = await reported(dir);
    expect(finished['REPORT.md']).toMatch(/budget/i);
    expect(finished).toEqual(await committed(ws, 'HEAD'));

    // Stopped before its end (killed after iteration 2 settled: no run-end in the journal): the report is the
    // running one of iteration 2's commit, with what the next session is told.
    const journal = path.join(dir, '.baton', 'journal.jsonl');
    const lines = fs.readFileSync(journal, 'utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[lines.length - 1]).type).toBe('run-end');
    fs.writeFileSync(journal, `${lines.slice(0, -1).join('\n')}\n`);
    const settled = (await git(ws, 'log', '--format=%H %s'))
      .trimEnd()
      .split('\n')
      .find((l) => / baton: iteration 2 /.test(l))
      ?.split(' ')[0];
    expect(settled).toBeTruthy();
    const running = await reported(dir);
    expect(running['REPORT.md']).toContain('Last verdict (iteration 2');
    expect(running['REPORT.md']).not.toContain('Nothing yet.');
    expect(running).toEqual(await committed(ws, settled!));
  }, 400_000);
});
