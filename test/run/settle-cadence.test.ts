/**
 * Issue 16: a settle's cost does not grow with the run. While a run goes on,
 * the whole report (charts, PNGs, metrics.csv) is regenerated only when due
 * (report/cadence.ts); other settles rewrite PROGRESS.md (incrementally) and
 * stamp the last REPORT.md with the iteration it is as of. These tests run the
 * real writeStateFiles on a synthetic ledger, on a real filesystem, and count
 * which files each settle rewrites: they fail if every settle regenerates the
 * plots again, if PROGRESS.md ever lags, or if the report the run ends with
 * differs from the one `baton report` writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../src/ledger/record.js';
import { fullReportDue, lagNotice, REPORT_CADENCE, withLagNotice } from '../../src/report/cadence.js';
import { regenerateReport } from '../../src/report/regenerate.js';
import { serializeSeries } from '../../src/report/series.js';
import type { RunContext } from '../../src/run/context.js';
import { writeStateFiles } from '../../src/run/settle.js';
import { ProgressTracker, progressFile } from '../../src/workspace/progress.js';
import { type SyntheticRun, syntheticRun, writeSeries } from '../fixtures/ledgers/synthetic.js';
import { tmpDir } from '../helpers/tmp.js';

/** The part of a RunContext writeStateFiles reads, over real folders. */
function context(run: SyntheticRun) {
  const root = tmpDir('baton-settle-');
  const paths = {
    workspace: path.join(root, 'workspace'),
    scratch: path.join(root, 'scratch'),
    reports: path.join(root, 'reports-full'),
    artifacts: path.join(root, 'artifacts'),
  };
  for (const p of Object.values(paths)) fs.mkdirSync(p, { recursive: true });
  const warnings: string[] = [];
  const ctx = {
    spec: run.spec,
    ledger: [] as LedgerRecord[],
    paths,
    now: () => new Date(Date.UTC(2026, 0, 5)),
    emit: (e: { type: string; text?: string }) => {
      if (e.type === 'warning') warnings.push(e.text ?? '');
    },
  };
  return { ctx: ctx as unknown as RunContext, root, paths, warnings };
}

async function seriesOf(run: SyntheticRun, root: string, records: LedgerRecord[]): Promise<void> {
  await writeSeries(run, root, 'kept');
  for (const r of records)
    for (const m of r.measurements)
      for (const a of m.artifacts) {
        const s = a.kind === 'series' ? run.series(a.path) : undefined;
        if (!s) continue;
        fs.mkdirSync(path.dirname(path.join(root, a.path)), { recursive: true });
        fs.writeFileSync(path.join(root, a.path), serializeSeries(s));
      }
}

/** Inode of a file: atomic writes rename a fresh file into place, so a new inode means the file was rewritten. */
const ino = (f: string) => fs.statSync(f).ino;

describe('the report cadence (pure)', () => {
  it('regenerates in full at the end, on a fresh process, on a short ledger, and every `every` iterations', () => {
    const c = { fullBelow: 100, every: 10 };
    const due = (iteration: number, lastFull: number | undefined, state: 'running' | 'met' | 'budget' = 'running', records = 500) =>
      fullReportDue({ iteration, records, state, lastFull }, c);
    expect(due(500, undefined)).toBe(true);
    expect(due(501, 500)).toBe(false);
    expect(due(509, 500)).toBe(false);
    expect(due(510, 500)).toBe(true);
    expect(due(501, 500, 'met')).toBe(true);
    expect(due(501, 500, 'budget')).toBe(true);
    expect(due(51, 50, 'running', 52)).toBe(true);
    expect(due(499, 500)).toBe(true);
  });

  it('puts the lag notice under the title, saying what the report and its plots are as of', () => {
    const md = '# exp: running\n\n> the goal\n\nbody\n';
    const notice = lagNotice(140, 147);
    expect(notice).toContain('plots as of iteration 140; the run is at iteration 147');
    expect(notice).toContain(`every ${REPORT_CADENCE.every} iterations`);
    expect(withLagNotice(md, notice)).toBe(`# exp: running\n\n${notice}\n\n> the goal\n\nbody\n`);
    expect(withLagNotice('no title', notice)).toBe(`${notice}\n\nno title`);
  });
});

describe('ProgressTracker: PROGRESS.md from only the appended records', () => {
  it('equals progressFile at every length of a growing ledger, confirmations and crashes included', () => {
    const run = syntheticRun({ seed: 7, iterations: 120, crashRate: 0.1, tamperRate: 0.05 });
    // a confirmation: a second record of an iteration, appended right after it, changes its verdict
    const records: LedgerRecord[] = [];
    for (const r of run.records) {
      records.push(r);
      if (r.iteration % 9 === 4) records.push({ ...r, phase: 'confirm', verdict: { kind: 'keep', reason: 'confirmed' } } as LedgerRecord);
    }
    const tracker = new ProgressTracker(run.spec);
    const ledger: LedgerRecord[] = [];
    for (const r of records) {
      ledger.push(r);
      expect(tracker.file(ledger)).toBe(progressFile(run.spec, ledger));
    }
    expect(tracker.file(ledger)).toContain('## Earlier iterations');
  });

  it('reads again from the start when the ledger did not just grow at its end', () => {
    const run = syntheticRun({ seed: 3, iterations: 40 });
    const tracker = new ProgressTracker(run.spec);
    expect(tracker.file(run.records)).toBe(progressFile(run.spec, run.records));
    const other = run.records.slice(0, 30);
    expect(tracker.file(other)).toBe(progressFile(run.spec, other));
    const unordered = [...run.records.slice(0, 20), run.records[5], ...run.records.slice(20)];
    expect(tracker.file(unordered)).toBe(progressFile(run.spec, unordered));
  });
});

describe('writeStateFiles while a run goes on (real filesystem, real charts)', () => {
  it('regenerates the plots only when due, keeps PROGRESS.md current, and ends with the report `baton report` writes', async () => {
    // a ledger past REPORT_CADENCE.fullBelow, settled record by record from iteration `from`
    const total = REPORT_CADENCE.fullBelow + 50;
    const run = syntheticRun({ seed: 42, iterations: total - 1, crashRate: 0 });
    const from = total - 2 * REPORT_CADENCE.every - 1;
    const { ctx, paths, warnings, root } = context(run);
    try {
      await seriesOf(run, paths.artifacts, run.records.slice(from));
      const ledger = (ctx as unknown as { ledger: LedgerRecord[] }).ledger;
      ledger.push(...run.records.slice(0, from));
      const ws = paths.workspace;
      const plot = path.join(ws, 'reports', 'plots', 'cost.svg');
      const fullPlot = path.join(paths.reports, 'plots', 'cost.svg');
      const csv = path.join(ws, 'reports', 'metrics.csv');
      const regenerated: number[] = [];
      let last: { plot: number; full: number; csv: number } | undefined;
      for (const r of run.records.slice(from)) {
        ledger.push(r);
        await writeStateFiles(ctx, 'running');
        const now = { plot: ino(plot), full: ino(fullPlot), csv: ino(csv) };
        const md = fs.readFileSync(path.join(ws, 'reports', 'REPORT.md'), 'utf8');
        const fullMd = fs.readFileSync(path.join(paths.reports, 'REPORT.md'), 'utf8');
        if (!last || now.plot !== last.plot) {
          regenerated.push(r.iteration);
          // a regeneration rewrites everything, and says nothing lags
          expect(now.full).not.toBe(last?.full);
          expect(now.csv).not.toBe(last?.csv);
          expect(md).not.toContain('as of iteration');
        } else {
          // any other settle rewrites neither copy's plots nor metrics.csv, and REPORT.md says how far it lags
          expect(now).toEqual(last);
          const asOf = regenerated[regenerated.length - 1];
          expect(md).toContain(lagNotice(asOf, r.iteration));
          expect(fullMd).toContain(lagNotice(asOf, r.iteration));
        }
        last = now;
        // what the next session reads is current at every settle
        expect(fs.readFileSync(path.join(ws, 'PROGRESS.md'), 'utf8')).toBe(progressFile(run.spec, ledger));
      }
      const first = run.records[from].iteration;
      expect(regenerated).toEqual([first, first + REPORT_CADENCE.every, first + 2 * REPORT_CADENCE.every]);

      // the run's end regenerates in full: byte for byte what `baton report` writes from the same ledger
      await writeStateFiles(ctx, 'budget');
      const out = path.join(root, 'baton-report');
      await regenerateReport({ spec: run.spec, records: ledger, state: 'budget', paths: ctx.paths, outDir: out, fallbackNow: ctx.now() });
      const files = (fs.readdirSync(out, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(out, f)).isFile()).sort();
      expect(files).toContain('REPORT.md');
      expect(files).toContain('metrics.csv');
      expect(files.filter((f) => f.endsWith('.png')).length).toBeGreaterThan(3);
      expect(
        (fs.readdirSync(path.join(ws, 'reports'), { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(ws, 'reports', f)).isFile()).sort(),
      ).toEqual(files);
      for (const f of files) expect(fs.readFileSync(path.join(ws, 'reports', f)).equals(fs.readFileSync(path.join(out, f))), f).toBe(true);
      expect(fs.readFileSync(path.join(ws, 'reports', 'REPORT.md'), 'utf8')).not.toContain('as of iteration');
      expect(warnings).toEqual([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 180_000);
});
