/**
 * The judge: a pure function from (spec, ledger, this measurement, diff
 * facts) to the iteration's verdict, with a reason written for the next
 * session's prompt. It never sees the worker; it sees only what the harness
 * measured (DESIGN.md §5 Judge).
 */
import type { JudgeFacts } from '../oracles/descriptor.js';
import { oracleKind } from '../oracles/registry.js';
import type { Spec } from '../spec/schema.js';
import { holds } from '../spec/threshold.js';
import type { LedgerRecord, MeasurementRecord } from '../ledger/record.js';
import { currentBest } from '../ledger/query.js';
import { fmtNum } from '../number-format.js';
import { allHold, betterDirection, isBetter, primaryMetric, thresholdsOf } from './metrics.js';

/** What the harness knows about the candidate's diff. */
export interface DiffFacts {
  changedPaths: string[];
  /** Changed paths that match `protected` (or baton's own files). */
  protectedTouched: string[];
  /** Oracle or reference files whose SHA-256 changed since the run's first measurement. */
  oracleFilesChanged: string[];
  /** What the harness found planted after the session and removed (a nested .git): always tamper. */
  planted?: string[];
}

export interface JudgeInput {
  spec: Spec;
  /** Every ledger record before this measurement, the baseline first. */
  history: LedgerRecord[];
  measurements: MeasurementRecord[];
  metrics: Record<string, number>;
  /** Consecutive measurements of this commit, this one included, on which every threshold held. */
  confirmations: number;
  diff: DiffFacts;
  /** The session ended abnormally (oom, sandbox-died, timeout, interrupted). */
  sessionCrash?: string;
  /** The optional model judge's answer; `met` needs it to agree when the spec asks for one. */
  modelJudge?: { agreed: boolean; reason: string };
}

export type IterationVerdict =
  | { kind: 'met'; reason: string }
  | { kind: 'keep'; reason: string }
  | { kind: 'revert'; reason: string }
  | { kind: 'tamper'; reason: string }
  | { kind: 'crashed'; reason: string };

/** Decides what happens to this candidate. */
export function judge(input: JudgeInput): IterationVerdict {
  const { spec, diff, metrics } = input;
  if (diff.oracleFilesChanged.length) {
    return {
      kind: 'tamper',
      reason: `oracle or reference files changed during the run: ${list(diff.oracleFilesChanged)}; the candidate is reverted and the run's numbers are suspect`,
    };
  }
  if (diff.planted?.length) {
    return { kind: 'tamper', reason: `${list(diff.planted)}; all of the session's work is reverted` };
  }
  if (diff.protectedTouched.length) {
    return {
      kind: 'tamper',
      reason: `the session changed protected paths (${list(diff.protectedTouched)}); all of its work is reverted. Leave those paths alone`,
    };
  }
  if (input.sessionCrash) {
    return {
      kind: 'crashed',
      reason: `the session crashed (${input.sessionCrash}); its diff is saved as a patch and the workspace is back at the last kept commit`,
    };
  }
  if (diff.changedPaths.length === 0) return { kind: 'revert', reason: 'the session changed nothing' };
  const failed = input.measurements.filter((m) => m.status !== 'ok');
  if (failed.length) {
    const why = failed.map((m) => `${m.oracle}: ${m.status}${m.reason ? ` (${m.reason})` : ''}`).join('; ');
    return { kind: 'revert', reason: `the measurement failed: ${why}` };
  }
  // A test that ran in the baseline and did not run now (deselected, skipped, deleted) fails, whatever the thresholds say.
  const vanished = input.measurements.filter((m) => missingCount(spec, m) > 0);
  if (vanished.length) {
    return {
      kind: 'revert',
      reason: `${vanished.map((m) => m.reason ?? `tests oracle ${m.oracle}: ${missingCount(spec, m)} tests that ran in the baseline did not run`).join('; ')}. Run every test the baseline ran`,
    };
  }
  const best = currentBest(input.history);
  const thresholds = thresholdsOf(spec);
  const missing = [...thresholds.keys()].filter((m) => metrics[m] === undefined);
  if (missing.length) return { kind: 'revert', reason: `the oracles did not report ${list(missing)}` };

  if (allHold(spec, metrics) && input.confirmations >= spec.judge.confirm) {
    if (spec.judge.model && !input.modelJudge?.agreed) {
      return { kind: 'revert', reason: `every threshold holds, but the model judge did not agree: ${input.modelJudge?.reason ?? 'no answer'}` };
    }
    return { kind: 'met', reason: `every threshold holds${spec.judge.confirm > 1 ? ` on ${input.confirmations} consecutive measurements` : ''}` };
  }

  // Gates: a threshold that held on the kept code must still hold.
  const broken = best ? [...thresholds].filter(([m, t]) => holds(t, best.metrics[m]) && !holds(t, metrics[m])).map(([m]) => m) : [];
  if (broken.length) {
    const failing = failingTests(spec, input.measurements, broken);
    return {
      kind: 'revert',
      reason: `${list(broken.map((m) => `${m} = ${fmt(metrics[m])} no longer meets ${spec.thresholds[m]}`))}${failing ? `; failing: ${failing}` : ''}`,
    };
  }

  switch (spec.judge.keep) {
    case 'always':
      return { kind: 'keep', reason: 'kept (keep: always)' };
    case 'no-regress': {
      const worse = [...thresholds.keys()].filter((m) => regressed(input, m, best));
      return worse.length
        ? { kind: 'revert', reason: `regressed: ${list(worse.map((m) => describeChange(m, metrics[m], best?.metrics[m])))}` }
        : { kind: 'keep', reason: 'no threshold metric got worse' };
    }
    case 'improve': {
      const primary = primaryMetric(spec);
      const change = describeChange(primary, metrics[primary], best?.metrics[primary]);
      const bench = benchmarkVerdict(spec, input.measurements, primary);
      if (bench !== undefined) {
        return bench === 'improved'
          ? { kind: 'keep', reason: `${change}: a significant improvement` }
          : { kind: 'revert', reason: `${change}: ${bench === '~' ? 'not a significant change (~)' : 'a significant regression'}` };
      }
      return isBetter(metrics[primary], best?.metrics[primary], betterDirection(spec, primary))
        ? { kind: 'keep', reason: `${change}: improved` }
        : { kind: 'revert', reason: `${change}: no improvement of the primary metric` };
    }
  }
}

/** Whether every threshold holds but more confirming measurements of the same commit are needed. */
export function needsConfirmation(spec: Spec, metrics: Record<string, number>, confirmations: number): boolean {
  return allHold(spec, metrics) && confirmations < spec.judge.confirm;
}

function regressed(input: JudgeInput, metric: string, best: LedgerRecord | undefined): boolean {
  const bench = benchmarkVerdict(input.spec, input.measurements, metric);
  if (bench !== undefined) return bench === 'regressed';
  const b = best?.metrics[metric];
  if (b === undefined) return false;
  const dir = betterDirection(input.spec, metric);
  return isBetter(b, input.metrics[metric], dir);
}

/** What the kind of a measurement's oracle reads from its details (nothing for an oracle the spec does not have). */
function factsOf(spec: Spec, m: MeasurementRecord): JudgeFacts {
  const o = spec.oracles.find((x) => x.id === m.oracle);
  return (o && oracleKind(o.kind)?.judgeFacts?.(m.details ?? {})) ?? {};
}

/** An oracle's own significance verdict for a metric of it (a benchmark's), if it has one. */
function benchmarkVerdict(spec: Spec, measurements: MeasurementRecord[], metric: string): 'improved' | 'regressed' | '~' | undefined {
  const oracle = metric.split('.')[0];
  const m = measurements.find((x) => x.oracle === oracle);
  return m ? factsOf(spec, m).comparison : undefined;
}

function describeChange(metric: string, now: number | undefined, before: number | undefined): string {
  if (before === undefined) return `${metric} = ${fmt(now)}`;
  return `${metric} ${fmt(before)} → ${fmt(now)}`;
}

/** How many tests of the baseline a measurement says did not run (a tests oracle's `details.missing`). */
function missingCount(spec: Spec, m: MeasurementRecord): number {
  return factsOf(spec, m).missingTests ?? 0;
}

/** The tests that failed in the oracles behind the given metrics, for the next session to fix. */
function failingTests(spec: Spec, measurements: MeasurementRecord[], metrics: string[]): string | undefined {
  const oracles = new Set(metrics.map((m) => m.split('.')[0]));
  const ids = measurements.filter((m) => oracles.has(m.oracle)).flatMap((m) => factsOf(spec, m).failingTests ?? []);
  return ids.length ? list(ids) : undefined;
}

/** Numbers in reasons, PROGRESS.md, the prompt and the CLI: the report's formatter, `n/a` when absent. */
export function fmt(v: number | undefined): string {
  return fmtNum(v, 'n/a');
}

function list(items: string[]): string {
  return items.length <= 5 ? items.join(', ') : `${items.slice(0, 5).join(', ')} and ${items.length - 5} more`;
}
