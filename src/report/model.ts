/**
 * The report model: everything REPORT.md, metrics.csv and the charts say,
 * derived from the spec and the ledger alone. Pure: no fs, no clock.
 */
import type { LedgerRecord, VerdictKind } from '../ledger/record.js';
import type { Spec } from '../spec/schema.js';
import { direction, holds, parseThreshold, type Threshold } from '../spec/threshold.js';
import type { Isolation } from '../sandbox/isolation.js';
import { isKept, keptCount, tokensOf, totalUsage } from '../ledger/query.js';
import type { RunState } from '../state/run-state.js';

// Re-exported, not redefined: charts.ts and oracle-sections.ts read the set from the model.
export { KEPT_VERDICTS } from '../ledger/query.js';

/** One iteration: its measurements in ledger order and what they led to. */
export interface IterationSummary {
  iteration: number;
  /** Verdict of the iteration's last measurement. */
  verdict: VerdictKind;
  reason: string;
  commit: string;
  at: string;
  elapsedHours: number;
  /** What the worker said it did. */
  summary: string;
  /** Why the session ended abnormally (oom, sandbox-died, ...). */
  cause?: string;
  usd: number;
  tokens: number;
  durationMs: number;
  records: LedgerRecord[];
  warnings: string[];
  /** With lanes: the lane whose session made the candidate. */
  lane?: number;
}

/** One value of a metric at one measurement. */
export interface MetricPoint {
  iteration: number;
  hours: number;
  value: number;
  verdict: VerdictKind;
  phase: LedgerRecord['phase'];
  /** With lanes: the lane of the measured candidate. */
  lane?: number;
}

/** A point where the running best (over kept measurements) changed. */
export interface BestStep {
  iteration: number;
  hours: number;
  value: number;
}

/** Everything the report says about one threshold metric. */
export interface MetricSummary {
  name: string;
  oracle: string;
  threshold?: Threshold;
  direction: 'lower' | 'higher' | 'none';
  points: MetricPoint[];
  baseline?: number;
  /** Best value at a kept commit. */
  best?: { value: number; iteration: number };
  /** The last measured value, kept or not. */
  latest?: { value: number; iteration: number; verdict: VerdictKind };
  /** The value at the last kept commit: what the workspace holds now. */
  current?: { value: number; iteration: number };
  bestSteps: BestStep[];
  /** Whether the threshold holds at the current kept commit. */
  pass: boolean;
  /** Log scale suits it: positive, error-like or spanning two decades. */
  log: boolean;
}

/** Totals over the whole run. */
export interface RunTotals {
  usd: number;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number; total: number };
  elapsedHours: number;
  durationMs: number;
  records: number;
}

export interface ReportModel {
  spec: Spec;
  state: RunState;
  iterations: IterationSummary[];
  /** Threshold metrics in spec order. */
  metrics: MetricSummary[];
  /** The metric `keep: improve` follows: judge.primary or the first threshold. */
  primary?: string;
  /** Iteration of the best kept commit on the primary metric (the last kept one without a primary). */
  bestIteration?: number;
  latestIteration: number;
  counts: Record<VerdictKind, number>;
  /** Kept iterations after the baseline (keep and met). */
  kept: number;
  totals: RunTotals;
  /** The isolation of the latest ledger record that names one (every record of a run has the same). */
  isolation?: Isolation;
}

const ERROR_LIKE = /(^|[._-])(max_rel|mean_rel|rms_rel|max_abs|rel|abs|err|error|errors|residual|loss|rmse|mse|mae|chi2)([._-]|$)/i;

/** Sorts records by iteration, keeping ledger order within an iteration. */
export function sortRecords(records: readonly LedgerRecord[]): LedgerRecord[] {
  return records
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.iteration - b.r.iteration || a.i - b.i)
    .map((x) => x.r);
}

function better(dir: MetricSummary['direction'], a: number, b: number): boolean {
  if (dir === 'lower') return a < b;
  if (dir === 'higher') return a > b;
  return true;
}

function summarizeIterations(records: LedgerRecord[]): IterationSummary[] {
  const out: IterationSummary[] = [];
  for (const r of records) {
    let it = out[out.length - 1];
    if (!it || it.iteration !== r.iteration) {
      it = {
        iteration: r.iteration,
        verdict: r.verdict.kind,
        reason: r.verdict.reason,
        commit: r.commit,
        at: r.at,
        elapsedHours: r.elapsedHours,
        summary: '',
        usd: 0,
        tokens: 0,
        durationMs: 0,
        records: [],
        warnings: [],
      };
      out.push(it);
    }
    it.records.push(r);
    if (r.lane !== undefined) it.lane = r.lane;
    it.verdict = r.verdict.kind;
    it.reason = r.verdict.reason;
    it.commit = r.commit;
    it.at = r.at;
    it.elapsedHours = r.elapsedHours;
    it.durationMs += r.durationMs;
    if (r.session) {
      const u = r.session.usage;
      if (r.session.summary) it.summary = r.session.summary;
      if (r.session.cause) it.cause = r.session.cause;
      it.usd += u.usd;
      it.tokens += tokensOf(u);
    }
    for (const w of r.warnings ?? []) if (!it.warnings.includes(w)) it.warnings.push(w);
  }
  return out;
}

function summarizeMetric(name: string, thresholdText: string | undefined, records: LedgerRecord[]): MetricSummary {
  const threshold = thresholdText === undefined ? undefined : parseThreshold(thresholdText);
  const dir = threshold ? direction(threshold) : 'lower';
  const m: MetricSummary = {
    name,
    oracle: name.split('.')[0] ?? name,
    threshold,
    direction: dir,
    points: [],
    bestSteps: [],
    pass: false,
    log: false,
  };
  for (const r of records) {
    const value = r.metrics[name];
    if (value === undefined || !Number.isFinite(value)) continue;
    const kind = r.verdict.kind;
    m.points.push({ iteration: r.iteration, hours: r.elapsedHours, value, verdict: kind, phase: r.phase, ...(r.lane !== undefined ? { lane: r.lane } : {}) });
    m.latest = { value, iteration: r.iteration, verdict: kind };
    if (r.phase === 'baseline' && m.baseline === undefined) m.baseline = value;
    if (!isKept(kind)) continue;
    m.current = { value, iteration: r.iteration };
    if (!m.best || better(dir, value, m.best.value)) {
      m.best = { value, iteration: r.iteration };
      m.bestSteps.push({ iteration: r.iteration, hours: r.elapsedHours, value });
    }
  }
  m.pass = threshold !== undefined && m.current !== undefined && holds(threshold, m.current.value);
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of m.points) {
    if (p.value < lo) lo = p.value;
    if (p.value > hi) hi = p.value;
  }
  const positive = m.points.length > 0 && lo > 0 && (threshold === undefined || threshold.value > 0);
  m.log = positive && (ERROR_LIKE.test(name) || hi / lo >= 100);
  return m;
}

/** Builds the report model. Records may come in any order; iteration 0 is the baseline. */
export function buildModel(spec: Spec, records: readonly LedgerRecord[], state: RunState): ReportModel {
  const sorted = sortRecords(records);
  const iterations = summarizeIterations(sorted);
  const names = Object.keys(spec.thresholds);
  const metrics = names.map((n) => summarizeMetric(n, spec.thresholds[n], sorted));
  const primary = spec.judge.primary ?? names[0];
  const pm = metrics.find((m) => m.name === primary);
  let bestIteration = pm?.best?.iteration;
  if (bestIteration === undefined) {
    for (const it of iterations) if (isKept(it.verdict)) bestIteration = it.iteration;
  }
  const counts = { baseline: 0, met: 0, keep: 0, revert: 0, crashed: 0, tamper: 0, stalled: 0, budget: 0 } as Record<VerdictKind, number>;
  for (const it of iterations) counts[it.verdict] += 1;
  let durationMs = 0;
  let elapsedHours = 0;
  for (const r of sorted) {
    durationMs += r.durationMs;
    if (r.elapsedHours > elapsedHours) elapsedHours = r.elapsedHours;
  }
  const used = totalUsage(sorted);
  const usd = used.usd;
  const tokens = {
    input: used.inputTokens,
    output: used.outputTokens,
    cacheRead: used.cacheReadTokens,
    cacheWrite: used.cacheWriteTokens,
    total: tokensOf(used),
  };
  return {
    spec,
    state,
    iterations,
    metrics,
    primary,
    bestIteration,
    latestIteration: iterations.length ? iterations[iterations.length - 1].iteration : 0,
    counts,
    kept: keptCount(counts),
    totals: { usd, tokens, elapsedHours, durationMs, records: sorted.length },
    isolation: [...sorted].reverse().find((r) => r.isolation)?.isolation,
  };
}

/** The record of an iteration that carries a given oracle's measurement (the last one). */
export function recordWithOracle(it: IterationSummary | undefined, oracle: string): LedgerRecord | undefined {
  if (!it) return undefined;
  for (let i = it.records.length - 1; i >= 0; i--) {
    if (it.records[i].measurements.some((m) => m.oracle === oracle)) return it.records[i];
  }
  return undefined;
}
