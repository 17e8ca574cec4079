/**
 * Questions the judge, the run, `baton status` and the reports ask of the
 * ledger, answered in one place: which verdicts keep code, the kept records,
 * the last iteration, and what the sessions used. Pure.
 */
import { ZERO_USAGE, type LedgerRecord, type Usage, type VerdictKind } from './record.js';

/** Verdicts whose commit stays on main: the baseline and every kept or met candidate. */
export const KEPT_VERDICTS: ReadonlySet<VerdictKind> = new Set<VerdictKind>(['baseline', 'keep', 'met']);

/** Whether a verdict (or a record's verdict) leaves its commit on main, the baseline included. */
export function isKept(v: VerdictKind | Pick<LedgerRecord, 'verdict'>): boolean {
  return KEPT_VERDICTS.has(typeof v === 'string' ? v : v.verdict.kind);
}

/** Whether a verdict kept a candidate's change (keep or met): a kept improvement, which the baseline is not. */
export function keptChange(v: VerdictKind): boolean {
  return v === 'keep' || v === 'met';
}

/** How many iterations of a verdict tally kept a change (keep plus met). */
export function keptCount(counts: Partial<Record<VerdictKind, number>>): number {
  return (counts.keep ?? 0) + (counts.met ?? 0);
}

/** The records whose code is on main: the baseline and every kept or met candidate (confirmations excluded). */
export function keptRecords(history: readonly LedgerRecord[]): LedgerRecord[] {
  return history.filter((r) => r.phase !== 'confirm' && isKept(r));
}

/** The latest kept record: the measurement of the code now on main. */
export function currentBest(history: readonly LedgerRecord[]): LedgerRecord | undefined {
  const kept = keptRecords(history);
  return kept[kept.length - 1];
}

/** The last iteration number in the ledger (0 = only the baseline). */
export function lastIteration(history: readonly LedgerRecord[]): number {
  return history.reduce((n, r) => Math.max(n, r.iteration), 0);
}

/** Sums two usages. */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    usd: a.usd + b.usd,
  };
}

/** Sum of the sessions' usage over records, in their order. */
export function totalUsage(history: readonly LedgerRecord[]): Usage {
  let total = { ...ZERO_USAGE };
  for (const r of history) if (r.session) total = addUsage(total, r.session.usage);
  return total;
}

/** All tokens a usage counts, cache reads and writes included. */
export function tokensOf(u: Usage): number {
  return u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens;
}
