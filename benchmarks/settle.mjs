#!/usr/bin/env node
/**
 * Benchmark (issue 16): the settle step's report work does not grow with the
 * run. What `writeStateFiles` does after every iteration (PROGRESS.md, then
 * the report: REPORT.md, metrics.csv, plots, the researcher's copy), timed on
 * synthetic ledgers of 10, 1,000 and 10,000 records, each against the
 * 10-record case measured in the same run.
 *
 * For each size the ledger is filled up to `size - window` records, then the
 * last `window` records are appended one by one, each followed by one settle,
 * as a run would: so a report that is rate-limited or incremental is measured
 * as it behaves, its complete regenerations included. Per size: p50, mean and
 * max of the window's settles, and the CPU time of this process (the PNG
 * worker thread included); then the same split into settles that regenerated
 * the whole report and settles that only stamped REPORT.md "as of iteration
 * N" (report/cadence.ts), since the mean hides that the former still grow.
 * Git (the settle's commit) is not timed: it does not depend on the ledger's
 * length.
 *
 * Target: mean(10,000) <= 1.2x mean(10), and the same for p50. The mean is
 * the cost per iteration over the window (every 10th settle regenerates past
 * 100 records, so a 20-settle window holds two); at 10 records every settle
 * regenerates, as it did before.
 *
 *   node benchmarks/settle.mjs [--window 20] [--sizes 10,1000,10000] [--json out.json]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { register } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { arg, finish, main, machine, stats } from './lib.mjs';

register('./report.loader.mjs', import.meta.url);
const { syntheticRun, writeSeries } = await import('../test/fixtures/ledgers/synthetic.ts');
const { serializeSeries } = await import('../src/report/series.ts');
const { writeStateFiles } = await import('../src/run/settle.ts');
const { REPORT_CADENCE } = await import('../src/report/cadence.ts');
const { writeFile } = await import('node:fs/promises');

const TARGET = 1.2;
const WINDOW = Number(arg('window', '20'));
const SIZES = arg('sizes', '10,1000,10000')
  .split(',')
  .map((s) => Number(s.trim()));

/** The paths and callbacks writeStateFiles reads of a RunContext. */
function context(root, spec) {
  const paths = {
    workspace: path.join(root, 'workspace'),
    scratch: path.join(root, 'scratch'),
    reports: path.join(root, 'reports-full'),
    artifacts: path.join(root, 'artifacts'),
  };
  for (const p of Object.values(paths)) mkdirSync(p, { recursive: true });
  const warnings = [];
  return {
    ctx: { spec, ledger: [], paths, now: () => new Date(Date.UTC(2026, 0, 5)), emit: (e) => e.type === 'warning' && warnings.push(e.text) },
    warnings,
  };
}

/** Series files of the window's records too: each is "the latest" when it settles. */
async function writeWindowSeries(run, root, from) {
  for (const r of run.records.slice(from))
    for (const m of r.measurements)
      for (const a of m.artifacts) {
        const s = a.kind === 'series' && run.series(a.path);
        if (!s) continue;
        mkdirSync(path.dirname(path.join(root, a.path)), { recursive: true });
        await writeFile(path.join(root, a.path), serializeSeries(s));
      }
}

/** Settles of the last `window` records of a `size`-record ledger: each one's wall and CPU time. */
async function measure(root, size) {
  const run = syntheticRun({ seed: 42, iterations: size - 1 });
  const dir = path.join(root, `size-${size}`);
  const { ctx, warnings } = context(dir, run.spec);
  await writeSeries(run, ctx.paths.artifacts, 'kept');
  const window = Math.min(WINDOW, size);
  const from = run.records.length - window;
  await writeWindowSeries(run, ctx.paths.artifacts, from);
  ctx.ledger.push(...run.records.slice(0, from));
  const wall = [];
  const cpu = [];
  const full = [];
  const stamped = [];
  for (const r of run.records.slice(from)) {
    ctx.ledger.push(r);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await writeStateFiles(ctx, 'running');
    const t = performance.now() - t0;
    wall.push(t);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    // a settle that regenerated the report says nothing lags; one that did not stamps REPORT.md "as of iteration N"
    const md = readFileSync(path.join(ctx.paths.workspace, 'reports', 'REPORT.md'), 'utf8');
    (md.includes('plots as of iteration') ? stamped : full).push(t);
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    size,
    records: ctx.ledger.length,
    window,
    wall: { ...stats(wall), mean: mean(wall) },
    cpu: { ...stats(cpu), mean: mean(cpu) },
    full: full.length ? stats(full) : undefined,
    stamped: stamped.length ? stats(stamped) : undefined,
    samples: wall,
    warnings,
  };
}

main(async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'baton-bench-settle-'));
  const results = [];
  const load0 = machine();
  try {
    // warm the JIT, the imports (vega, resvg) and the font cache once, as a running harness would be
    await measure(path.join(root, 'warm'), 10);
    for (const size of SIZES) results.push(await measure(root, size));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const base = results[0];
  const big = results[results.length - 1];
  const fmt = (x) => `${x.toFixed(1).padStart(8)} ms`;
  const out = [
    `settle (PROGRESS.md + report) per iteration, last ${WINDOW} settles of each ledger, ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  ];
  out.push('  records       p50       mean        max   cpu mean   mean ratio   p50 ratio | regenerated: n, p50 | stamped: n, p50');
  const part = (x) => (x ? `${String(x.n).padStart(2)} ${fmt(x.p50)}` : ' 0          -');
  for (const r of results) {
    r.ratioMean = r.wall.mean / base.wall.mean;
    r.ratioP50 = r.wall.p50 / base.wall.p50;
    out.push(
      `  ${String(r.records).padStart(7)} ${fmt(r.wall.p50)} ${fmt(r.wall.mean)} ${fmt(r.wall.max)} ${fmt(r.cpu.mean)}   x${r.ratioMean.toFixed(2).padEnd(9)} x${r.ratioP50.toFixed(2).padEnd(7)} | ${part(r.full)} | ${part(r.stamped)}`,
    );
  }
  // the settles that regenerate the whole report still grow with the ledger: said, not hidden in the mean
  const fullGrowth = big.full && base.full ? big.full.p50 / base.full.p50 : undefined;
  if (fullGrowth !== undefined)
    out.push(
      `a settle that regenerates the whole report (every ${REPORT_CADENCE.every}th iteration past ${REPORT_CADENCE.fullBelow} records): x${fullGrowth.toFixed(2)} at ${big.records} records vs ${base.records}`,
    );
  const met = big.ratioMean <= TARGET && big.ratioP50 <= TARGET;
  out.push(
    `target: settle at ${big.records} records <= ${TARGET}x settle at ${base.records} (mean and p50): x${big.ratioMean.toFixed(2)} / x${big.ratioP50.toFixed(2)} ${met ? 'OK' : 'MISSED'}`,
  );
  const warned = results.flatMap((r) => r.warnings);
  if (warned.length) out.push(`warnings (${warned.length}): ${[...new Set(warned)].slice(0, 3).join('; ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
  finish({
    v: 1,
    benchmark: 'settle',
    at: new Date().toISOString(),
    machine: { before: load0, after: machine() },
    window: WINDOW,
    target: TARGET,
    results: results.map(({ warnings, ...r }) => r),
    ratioMean: big.ratioMean,
    ratioP50: big.ratioP50,
    fullGrowth,
    met,
  });
});
