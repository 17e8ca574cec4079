/**
 * Which charts a report has and their vega-lite specs: one timeline per
 * threshold metric, then each oracle's charts as its kind draws them (error
 * vs x per compared table column, a benchmark's run times, a tests oracle's
 * counts), and the cost. Pure; the series files are read by the caller from
 * the paths `seriesRequests` lists.
 */
import type { LedgerRecord } from '../ledger/record.js';
import { oracleKindOf } from '../oracles/registry.js';
import { costSpec } from './cost-chart.js';
import type { ErrorDetail, SeriesRole } from './error-chart.js';
import { slug } from './format.js';
import { KEPT_VERDICTS, type ReportModel } from './model.js';
import type { SeriesArtifact } from './series.js';
import type { VlSpec } from './theme.js';
import { timelineSpec } from './timeline-chart.js';
import type { ChartPlan, SeriesRequest, TimeAxis } from './chart-plan.js';

export type { ChartPlan, SeriesRequest } from './chart-plan.js';

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

/** The series files of the baseline, best and latest iterations of every oracle whose kind charts them (a table's). */
export function seriesRequests(model: ReportModel): SeriesRequest[] {
  const out: SeriesRequest[] = [];
  for (const o of model.spec.oracles) {
    if (!oracleKindOf(o).seriesArtifacts) continue;
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
  const add = (p: Omit<ChartPlan, 'spec'> & { spec: VlSpec | undefined }) => {
    if (!p.spec) return;
    let file = p.file;
    for (let n = 2; used.has(file); n++) file = `${p.file}-${n}`;
    used.add(file);
    plans.push({ ...p, file, spec: p.spec });
  };
  for (const m of model.metrics)
    add({
      kind: 'timeline',
      section: 'Metric timelines',
      subject: m.name,
      file: `timeline-${slug(m.name)}`,
      title: m.name,
      spec: timelineSpec(model, m, axis),
    });
  for (const o of model.spec.oracles) {
    const charts = oracleKindOf(o).charts?.(model, o, { series: series.filter((s) => s.request.oracle === o.id), axis, detail }) ?? [];
    for (const c of charts) add(c);
  }
  add({ kind: 'cost', section: 'Cost', subject: 'cost', file: 'cost', title: 'Cost', spec: costSpec(model) });
  return plans;
}
