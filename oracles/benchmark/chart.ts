/**
 * A benchmark oracle's timing distribution per iteration: whiskers from the
 * fastest to the slowest run, a thick bar over the interquartile range, a
 * tick at the median; the best kept iteration's confidence interval as a band.
 */
import type { LedgerRecord, VerdictKind } from '../../src/ledger/record.js';
import { decimate } from '../../src/report/decimate.js';
import { count, fmtInt, fmtNum } from '../../src/report/format.js';
import { KEPT_VERDICTS, type ReportModel } from '../../src/report/model.js';
import { COLORS, HEIGHT, VERDICT_STYLE, WIDTH, logAxis, r6, subtitleLines, topLevel, verdictEncoding, type VlSpec } from '../../src/report/theme.js';
import { timeUnit } from '../../src/report/units.js';
import { benchmarkDetails, type BenchmarkComparison } from './details.js';

/** The five-number summary of one benchmark measurement. */
export interface BenchStats {
  iteration: number;
  verdict: VerdictKind;
  n: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  ciLow?: number;
  ciHigh?: number;
  comparison?: BenchmarkComparison;
}

function quantile(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo] + (sorted[Math.min(sorted.length - 1, lo + 1)] - sorted[lo]) * (h - lo);
}

/** The samples of a benchmark measurement, if its details hold them. */
export function benchStats(r: LedgerRecord, oracle: string): BenchStats | undefined {
  const m = r.measurements.find((x) => x.oracle === oracle);
  if (!m) return undefined;
  const { samples: raw, comparison: c } = benchmarkDetails(m.details);
  if (!raw) return undefined;
  const samples = [...raw].sort((a, b) => a - b);
  if (samples.length === 0) return undefined;
  const metric = (k: string) => m.metrics[k] ?? m.metrics[`${oracle}.${k}`];
  return {
    iteration: r.iteration,
    verdict: r.verdict.kind,
    n: samples.length,
    min: samples[0],
    q1: quantile(samples, 0.25),
    median: quantile(samples, 0.5),
    q3: quantile(samples, 0.75),
    max: samples[samples.length - 1],
    ciLow: metric('ci_low_s'),
    ciHigh: metric('ci_high_s'),
    comparison: c,
  };
}

const cache = new WeakMap<ReportModel, Map<string, BenchStats[]>>();

/** Per-iteration statistics of a benchmark oracle, in ledger order (computed once per model). */
export function benchSeries(model: ReportModel, oracle: string): BenchStats[] {
  let byOracle = cache.get(model);
  if (!byOracle) cache.set(model, (byOracle = new Map()));
  const hit = byOracle.get(oracle);
  if (hit) return hit;
  const out: BenchStats[] = [];
  byOracle.set(oracle, out);
  for (const it of model.iterations)
    for (const r of it.records) {
      const s = benchStats(r, oracle);
      if (s) out.push(s);
    }
  return out;
}

/** The fastest kept measurement: its median and confidence interval make the band. */
export function bestBench(stats: BenchStats[]): BenchStats | undefined {
  let best: BenchStats | undefined;
  for (const s of stats) if (KEPT_VERDICTS.has(s.verdict) && (!best || s.median < best.median)) best = s;
  return best;
}

/** Iterations drawn one by one up to this many; above, routine ones are thinned. */
export const BENCH_MAX_ITERATIONS = 300;

/** The vega-lite spec of a benchmark oracle's distribution chart. */
export function benchmarkSpec(model: ReportModel, oracle: string, stats: BenchStats[]): VlSpec | undefined {
  if (stats.length === 0) return undefined;
  const best = bestBench(stats);
  const shown = decimate(stats, {
    x: (s) => s.iteration,
    y: (s) => s.median,
    group: (s) => s.verdict,
    bins: BENCH_MAX_ITERATIONS / 2,
    keep: (s) => KEPT_VERDICTS.has(s.verdict) || s.verdict === 'tamper',
  });
  const dense = shown.length > 120;
  // Seconds in the unit that reads (14.1 ms, not 0.01414), and a log scale once the medians span 10x:
  // a 15x speed-up otherwise squeezes every later iteration against the bottom.
  let hi = 0;
  let lo = Infinity;
  for (const s of shown) {
    if (s.max > hi) hi = s.max;
    if (s.min < lo) lo = s.min;
  }
  const { unit, factor } = timeUnit(hi);
  const t = (v: number) => r6(v * factor);
  const medians = shown.map((s) => s.median);
  const logY = lo > 0 && Math.max(...medians) / Math.min(...medians) >= 10;
  const fmtT = (v: number) => `${fmtNum(v * factor)} ${unit}`;
  const rows = shown.map((s) => ({
    iteration: s.iteration,
    verdict: VERDICT_STYLE[s.verdict].label,
    n: s.n,
    min: t(s.min),
    q1: t(s.q1),
    median: t(s.median),
    q3: t(s.q3),
    max: t(s.max),
    comparison: s.comparison?.verdict ?? '',
    p: s.comparison?.pValue ?? null,
  }));
  const { color } = verdictEncoding(new Set(shown.map((s) => s.verdict)));
  const x = {
    field: 'iteration',
    type: 'quantitative',
    title: 'iteration',
    scale: { domain: [0, Math.max(1, model.latestIteration)], padding: 12, nice: false },
    axis: { format: 'd', tickMinStep: 1 },
  };
  const ys = {
    type: 'quantitative',
    title: `time per run [${unit}]`,
    scale: logY ? { type: 'log', padding: 10, nice: false } : { zero: false, padding: 10 },
    axis: logY ? logAxis(rows.flatMap((r) => [r.min, r.max])) : { format: '~g' },
  };
  const layers: VlSpec[] = [];
  const band = best ? { lo: best.ciLow ?? best.q1, hi: best.ciHigh ?? best.q3, ci: best.ciLow !== undefined && best.ciHigh !== undefined } : undefined;
  if (best && band) {
    layers.push({
      data: { values: [{ lo: t(band.lo), hi: t(band.hi), median: t(best.median), label: `best: iteration ${best.iteration}, median ${fmtT(best.median)}` }] },
      layer: [
        {
          mark: { type: 'rect', color: COLORS.band, opacity: 0.15 },
          encoding: { y: { field: 'lo', ...ys }, y2: { field: 'hi' }, x: { value: 0 }, x2: { value: WIDTH } },
        },
        { mark: { type: 'rule', color: COLORS.band, strokeDash: [4, 3] }, encoding: { y: { field: 'median', ...ys } } },
        {
          mark: { type: 'text', align: 'left', dx: 4, dy: 10, fontSize: 11, fontWeight: 'bold', color: COLORS.best },
          encoding: { y: { field: 'lo', ...ys }, x: { value: 0 }, text: { field: 'label' } },
        },
      ],
    });
  }
  layers.push({
    data: { values: rows },
    layer: [
      { mark: { type: 'rule', opacity: 0.6, strokeWidth: 1, color: '#9a9a9a' }, encoding: { x, y: { field: 'min', ...ys }, y2: { field: 'max' } } },
      { mark: { type: 'bar', size: dense ? 2 : 7, opacity: 0.9 }, encoding: { x, y: { field: 'q1', ...ys }, y2: { field: 'q3' }, color } },
      {
        mark: { type: 'tick', orient: 'horizontal', color: COLORS.ink, thickness: dense ? 0 : 1.5, size: dense ? 2 : 13 },
        encoding: {
          x,
          y: { field: 'median', ...ys },
          tooltip: [
            { field: 'iteration' },
            { field: 'verdict' },
            { field: 'median', format: '.4~g' },
            { field: 'q1', format: '.4~g' },
            { field: 'q3', format: '.4~g' },
            { field: 'n' },
            { field: 'comparison' },
            { field: 'p', format: '.2~g' },
          ],
        },
      },
    ],
  });
  const parts = [
    best ? `best median ${fmtT(best.median)} (iteration ${best.iteration})` : 'no kept measurement yet',
    stats[0] ? `baseline ${fmtT(stats[0].median)}` : '',
    count(stats.length, 'measurement'),
  ];
  const notes = [
    `whiskers: min–max; bar: interquartile range; tick: median; band: best's ${band?.ci ? 'confidence interval' : 'interquartile range'}`,
    shown.length < stats.length ? `routine iterations thinned (${fmtInt(shown.length)} of ${fmtInt(stats.length)} shown)` : '',
  ];
  return topLevel(`${oracle}: run time per iteration`, [...subtitleLines(parts), ...subtitleLines(notes, 95, '; ')], {
    width: WIDTH,
    height: HEIGHT,
    layer: layers,
  });
}
