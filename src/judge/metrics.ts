/** Facts about metrics the judge and the reports share: thresholds, the primary, the best so far. Pure. */
import type { Spec } from '../spec/schema.js';
import { direction, holds, parseThreshold, type Threshold } from '../spec/threshold.js';
import type { LedgerRecord } from '../ledger/record.js';
import { keptRecords } from '../ledger/query.js';

/** Parsed thresholds by metric name, in spec order. */
export function thresholdsOf(spec: Spec): Map<string, Threshold> {
  const out = new Map<string, Threshold>();
  for (const [metric, text] of Object.entries(spec.thresholds)) {
    const t = parseThreshold(text);
    if (t) out.set(metric, t);
  }
  return out;
}

/** The metric `keep: improve` looks at: judge.primary, else the first threshold. */
export function primaryMetric(spec: Spec): string {
  return spec.judge.primary ?? Object.keys(spec.thresholds)[0];
}

/** Whether every threshold holds on these metrics. */
export function allHold(spec: Spec, metrics: Record<string, number>): boolean {
  return [...thresholdsOf(spec)].every(([m, t]) => holds(t, metrics[m]));
}

/** Which way is better for a metric: by its threshold's operator. */
export function betterDirection(spec: Spec, metric: string): 'lower' | 'higher' {
  const t = thresholdsOf(spec).get(metric);
  const d = t ? direction(t) : 'lower';
  return d === 'higher' ? 'higher' : 'lower';
}

/** Relative tolerance below which two values of a deterministic metric are the same. */
export const SAME_VALUE_RTOL = 1e-9;

/** Whether `a` is better than `b` beyond floating-point noise. */
export function isBetter(a: number, b: number | undefined, dir: 'lower' | 'higher'): boolean {
  if (!Number.isFinite(a)) return false;
  if (b === undefined || !Number.isFinite(b)) return true;
  const tol = SAME_VALUE_RTOL * Math.max(Math.abs(a), Math.abs(b));
  return dir === 'lower' ? a < b - tol : a > b + tol;
}

/** The best value a metric reached over kept records. */
export function bestValue(spec: Spec, history: LedgerRecord[], metric: string): number | undefined {
  const dir = betterDirection(spec, metric);
  let best: number | undefined;
  for (const r of keptRecords(history)) {
    const v = r.metrics[metric];
    if (v !== undefined && isBetter(v, best, dir)) best = v;
  }
  return best;
}
