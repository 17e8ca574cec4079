/**
 * A tests (or browser) oracle's passed and failed counts per iteration:
 * stacked bars for short runs, step lines for long ones.
 */
import { decimate } from './decimate.js';
import { count, fmtInt } from './format.js';
import type { ReportModel } from './model.js';
import { COLORS, HEIGHT, WIDTH, subtitleLines, topLevel, type VlSpec } from './theme.js';

/** Counts of one tests measurement. */
export interface TestCounts {
  iteration: number;
  passed: number;
  failed: number;
  skipped: number;
}

/** Per-measurement counts of a tests oracle, in ledger order. */
export function testSeries(model: ReportModel, oracle: string): TestCounts[] {
  const out: TestCounts[] = [];
  for (const it of model.iterations)
    for (const r of it.records) {
      const m = r.measurements.find((x) => x.oracle === oracle);
      if (!m) continue;
      const get = (k: string) => m.metrics[k] ?? m.metrics[`${oracle}.${k}`] ?? r.metrics[`${oracle}.${k}`];
      const passed = get('passed');
      const failed = get('failed');
      if (passed === undefined && failed === undefined) continue;
      out.push({ iteration: r.iteration, passed: passed ?? 0, failed: (failed ?? 0) + (get('errors') ?? 0), skipped: get('skipped') ?? 0 });
    }
  return out;
}

/** Up to this many iterations are drawn as bars. */
export const TESTS_MAX_BARS = 150;

/** The vega-lite spec of a tests oracle's chart. */
export function testsSpec(model: ReportModel, oracle: string, counts: TestCounts[]): VlSpec | undefined {
  if (counts.length === 0) return undefined;
  const bars = counts.length <= TESTS_MAX_BARS;
  const first = counts[0];
  const lastCount = counts[counts.length - 1];
  const shown = bars
    ? counts
    : decimate(counts, { x: (c) => c.iteration, y: (c) => c.failed, bins: TESTS_MAX_BARS, keep: (c) => c === first || c === lastCount });
  const rows = shown.flatMap((c) => [
    { iteration: c.iteration, status: 'passed', count: c.passed },
    { iteration: c.iteration, status: 'failed', count: c.failed },
    ...(c.skipped > 0 ? [{ iteration: c.iteration, status: 'skipped', count: c.skipped }] : []),
  ]);
  const statuses = ['passed', 'failed', ...(counts.some((c) => c.skipped > 0) ? ['skipped'] : [])];
  const color = {
    field: 'status',
    type: 'nominal',
    title: null,
    scale: { domain: statuses, range: [COLORS.passed, COLORS.failed, COLORS.skipped].slice(0, statuses.length) },
    legend: { orient: 'top', direction: 'horizontal', title: null },
  };
  const last = counts[counts.length - 1];
  const x = bars
    ? { field: 'iteration', type: 'ordinal', title: 'iteration', axis: { labelAngle: 0, labelOverlap: 'greedy' } }
    : {
        field: 'iteration',
        type: 'quantitative',
        title: 'iteration',
        scale: { domain: [0, Math.max(1, model.latestIteration)], nice: false },
        axis: { format: 'd' },
      };
  const body = bars
    ? {
        data: { values: rows },
        mark: { type: 'bar' },
        encoding: {
          x,
          y: { field: 'count', type: 'quantitative', stack: 'zero', title: 'tests', axis: { format: 'd', tickMinStep: 1 } },
          color,
          order: { field: 'status', sort: 'descending' },
          tooltip: [{ field: 'iteration' }, { field: 'status' }, { field: 'count' }],
        },
      }
    : {
        data: { values: rows },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
        encoding: { x, y: { field: 'count', type: 'quantitative', title: 'tests', axis: { format: 'd', tickMinStep: 1 } }, color },
      };
  const parts = [
    `latest: ${fmtInt(last.passed)} passed, ${fmtInt(last.failed)} failed${last.skipped ? `, ${fmtInt(last.skipped)} skipped` : ''} (iteration ${last.iteration})`,
    count(counts.length, 'measurement'),
  ];
  const notes = bars ? [] : [`iterations thinned to per-bin extremes (${fmtInt(shown.length)} of ${fmtInt(counts.length)} shown)`];
  return topLevel(`${oracle}: tests passed and failed`, [...subtitleLines(parts), ...subtitleLines(notes)], {
    width: WIDTH,
    height: Math.round(HEIGHT * 0.75),
    ...body,
  });
}
