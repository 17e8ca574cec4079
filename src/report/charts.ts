/**
 * Which charts a report has and their vega-lite specs: one timeline per
 * threshold metric, error vs x per compared table column, one chart per
 * benchmark and tests oracle, and the cost. Pure; the series files are read
 * by the caller from the paths `seriesRequests` lists.
 */
import type { LedgerRecord } from '../ledger/record.js';
import { benchmarkSpec, benchSeries } from './benchmark-chart.js';
import { costSpec } from './cost-chart.js';
import { errorSpec, type ErrorDetail, type RoleSeries, type SeriesRole } from './error-chart.js';
import { slug } from './format.js';
import { KEPT_VERDICTS, type ReportModel } from './model.js';
import type { SeriesArtifact } from './series.js';
import { testSeries, testsSpec } from './tests-chart.js';
import type { VlSpec } from './theme.js';
import { timelineSpec, type TimeAxis } from './timeline-chart.js';
import { tableUnits } from './units.js';

/** One chart of the report. `file` is the stem under plots/ (`.svg`, `.png`, `.vl.json`). */
export interface ChartPlan {
  file: string;
  kind: 'timeline' | 'error' | 'benchmark' | 'tests' | 'cost';
  /** The oracle (or metric, for timelines) it belongs to. */
  subject: string;
  title: string;
  spec: VlSpec;
}

/** A series artifact the error charts need, and where the ledger says it is. */
export interface SeriesRequest {
  oracle: string;
  /** Artifact name, `<table>.<column>`. */
  name: string;
  role: SeriesRole;
  iteration: number;
  path: string;
}

function lastRecordWith(model: ReportModel, oracle: string, pred: (r: LedgerRecord) => boolean): LedgerRecord | undefined {
  for (let i = model.iterations.length - 1; i >= 0; i--) {
    const recs = model.iterations[i].records;
    for (let j = recs.length - 1; j >= 0; j--) {
      const r = recs[j];
      if (pred(r) && r.measurements.some((m) => m.oracle === oracle && m.artifacts.some((a) => a.kind === 'series'))) return r;
    }
  }
  return undefined;
}

/** The series files of the baseline, best and latest iterations of every table oracle. */
export function seriesRequests(model: ReportModel): SeriesRequest[] {
  const out: SeriesRequest[] = [];
  for (const o of model.spec.oracles) {
    if (o.kind !== 'table') continue;
    const roles: [SeriesRole, LedgerRecord | undefined][] = [
      ['baseline', lastRecordWith(model, o.id, (r) => r.phase === 'baseline')],
      ['best', lastRecordWith(model, o.id, (r) => r.iteration === model.bestIteration && KEPT_VERDICTS.has(r.verdict.kind))],
      ['latest', lastRecordWith(model, o.id, () => true)],
    ];
    const seen = new Set<string>();
    for (const [role, r] of roles) {
      if (!r) continue;
      const key = `${r.iteration}/${r.phase}`;
      // baseline, best and latest may be one measurement: draw it once, under the first role
      if (seen.has(key)) continue;
      seen.add(key);
      for (const m of r.measurements) {
        if (m.oracle !== o.id) continue;
        for (const a of m.artifacts) if (a.kind === 'series') out.push({ oracle: o.id, name: a.name, role, iteration: r.iteration, path: a.path });
      }
    }
  }
  return out;
}

/**
 * Every chart of the report, in the order REPORT.md shows them. File stems are
 * unique. Error charts are `coarse` (maximum per bin of x) unless `detail` is
 * `full`: only a report the worker never reads may hold the per-point series.
 */
export function planCharts(
  model: ReportModel,
  series: { request: SeriesRequest; series: SeriesArtifact }[],
  axis: TimeAxis = 'iteration',
  detail: ErrorDetail = 'coarse',
): ChartPlan[] {
  const plans: ChartPlan[] = [];
  const used = new Set<string>();
  const add = (kind: ChartPlan['kind'], subject: string, stem: string, title: string, spec: VlSpec | undefined) => {
    if (!spec) return;
    let file = stem;
    for (let n = 2; used.has(file); n++) file = `${stem}-${n}`;
    used.add(file);
    plans.push({ kind, subject, file, title, spec });
  };
  for (const m of model.metrics) add('timeline', m.name, `timeline-${slug(m.name)}`, m.name, timelineSpec(model, m, axis));
  for (const o of model.spec.oracles) {
    if (o.kind === 'table') {
      const names: string[] = [];
      for (const s of series) if (s.request.oracle === o.id && !names.includes(s.request.name)) names.push(s.request.name);
      for (const name of names) {
        const lines: RoleSeries[] = series
          .filter((s) => s.request.oracle === o.id && s.request.name === name)
          .map((s) => ({ role: s.request.role, iteration: s.request.iteration, series: s.series }));
        const first = lines[0]?.series;
        // plot the error the thresholds speak about: relative unless only max_abs has one
        const metric = (stat: string) => (first ? model.metrics.find((mm) => mm.name === `${o.id}.${first.table}.${first.column}.${stat}`) : undefined);
        const rel = metric('max_rel');
        const abs = metric('max_abs');
        const onlyAbs = first !== undefined && first.points.every((p) => p.rel === null);
        const quantity = (abs && !rel) || onlyAbs ? 'abs' : 'rel';
        const threshold = (quantity === 'abs' ? abs : rel)?.threshold;
        add('error', o.id, `error-${slug(o.id)}-${slug(name)}`, `${o.id}.${name}: error vs x`, errorSpec(o.id, lines, threshold, quantity, detail, first ? tableUnits(model.spec, o.id, first.table, first.column) : {}));
      }
    } else if (o.kind === 'benchmark') {
      add('benchmark', o.id, `benchmark-${slug(o.id)}`, `${o.id}: run time`, benchmarkSpec(model, o.id, benchSeries(model, o.id)));
    } else if (o.kind === 'tests' || o.kind === 'browser') {
      add('tests', o.id, `tests-${slug(o.id)}`, `${o.id}: tests`, testsSpec(model, o.id, testSeries(model, o.id)));
    }
  }
  add('cost', 'cost', 'cost', 'Cost', costSpec(model));
  return plans;
}
