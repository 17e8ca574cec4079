/**
 * Oracle-specific report content: a benchmark's noise floor and how many
 * changes were significant, and which tests flipped. Pure.
 */
import type { BenchmarkOracleSpec } from '../spec/schema.js';
import { benchSeries, bestBench, type BenchStats } from './benchmark-chart.js';
import { KEPT_VERDICTS, type IterationSummary, type ReportModel } from './model.js';

/** Noise and significance of one benchmark oracle. */
export interface BenchmarkNoise {
  oracle: string;
  alpha: number;
  minEffect: number;
  rows: { label: string; s: BenchStats }[];
  verdicts: { improved: number; regressed: number; same: number };
  latest?: BenchStats;
}

/** The noise summary of every benchmark oracle that has samples. */
export function benchmarkNoise(model: ReportModel): BenchmarkNoise[] {
  const out: BenchmarkNoise[] = [];
  for (const o of model.spec.oracles) {
    if (o.kind !== 'benchmark') continue;
    const stats = benchSeries(model, o.id);
    if (stats.length === 0) continue;
    const spec = o as BenchmarkOracleSpec;
    const verdicts = { improved: 0, regressed: 0, same: 0 };
    for (const s of stats) {
      const v = s.comparison?.verdict;
      if (v === 'improved') verdicts.improved++;
      else if (v === 'regressed') verdicts.regressed++;
      else if (v !== undefined) verdicts.same++;
    }
    const best = bestBench(stats);
    const latest = stats[stats.length - 1];
    const rows = [{ label: 'baseline', s: stats[0] }];
    if (best && best !== stats[0]) rows.push({ label: 'best', s: best });
    if (latest !== stats[0] && latest !== best) rows.push({ label: 'latest', s: latest });
    out.push({ oracle: o.id, alpha: spec.alpha, minEffect: spec.min_effect, rows, verdicts, latest });
  }
  return out;
}

/** Tests whose status changed between two measurements. */
export interface TestFlips {
  oracle: string;
  from: { label: string; iteration: number };
  to: { label: string; iteration: number };
  nowPassing: string[];
  nowFailing: string[];
}

function testStatus(model: ReportModel, iteration: number, oracle: string): Map<string, string> | undefined {
  return statusOf(model.iterations.find((x) => x.iteration === iteration), oracle);
}

function statusOf(it: IterationSummary | undefined, oracle: string): Map<string, string> | undefined {
  if (!it) return undefined;
  for (let i = it.records.length - 1; i >= 0; i--) {
    const m = it.records[i].measurements.find((x) => x.oracle === oracle);
    const tests = m?.details.tests;
    if (!Array.isArray(tests)) continue;
    const map = new Map<string, string>();
    for (const t of tests) if (t && typeof t === 'object' && typeof t.id === 'string') map.set(t.id, String(t.status));
    return map;
  }
  return undefined;
}

function diff(a: Map<string, string>, b: Map<string, string>) {
  const ok = (s: string | undefined) => s === 'passed' || s === 'pass' || s === 'ok';
  const nowPassing: string[] = [];
  const nowFailing: string[] = [];
  for (const [id, s] of b) {
    const before = a.get(id);
    if (ok(s) && before !== undefined && !ok(before) && before !== 'skipped') nowPassing.push(id);
    if (!ok(s) && s !== 'skipped' && (before === undefined || ok(before))) nowFailing.push(id);
  }
  return { nowPassing: nowPassing.sort(), nowFailing: nowFailing.sort() };
}

/** Baseline → current kept commit, and current → latest candidate when it differs. */
export function testFlips(model: ReportModel): TestFlips[] {
  const out: TestFlips[] = [];
  let current: number | undefined;
  for (const it of model.iterations) if (KEPT_VERDICTS.has(it.verdict)) current = it.iteration;
  for (const o of model.spec.oracles) {
    if (o.kind !== 'tests' && o.kind !== 'browser') continue;
    const base = testStatus(model, 0, o.id);
    const cur = current === undefined ? undefined : testStatus(model, current, o.id);
    if (base && cur && current !== 0) out.push({ oracle: o.id, from: { label: 'baseline', iteration: 0 }, to: { label: 'current', iteration: current! }, ...diff(base, cur) });
    let latestIt: number | undefined;
    let latest: Map<string, string> | undefined;
    for (let i = model.iterations.length - 1; i >= 0 && !latest; i--) {
      latest = statusOf(model.iterations[i], o.id);
      latestIt = model.iterations[i].iteration;
    }
    if (cur && latest && latestIt !== current) out.push({ oracle: o.id, from: { label: 'current', iteration: current! }, to: { label: 'latest', iteration: latestIt! }, ...diff(cur, latest) });
  }
  return out;
}
