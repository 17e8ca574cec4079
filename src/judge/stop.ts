/**
 * Whether the run goes on before the next session: met, a budget spent (or
 * about to be, projected from the average session), or stalled. Pure.
 */
import type { Spec } from '../spec/schema.js';
import { parseDuration } from '../spec/units.js';
import type { LedgerRecord } from '../ledger/record.js';
import { keptRecords, lastIteration, tokensOf, totalUsage } from '../ledger/query.js';
import { bestValue, betterDirection, isBetter, primaryMetric } from './metrics.js';
import { fmt } from './judge.js';

export type StopDecision = { stop: 'met' | 'budget' | 'stalled'; reason: string };

/** Iterations since the primary metric last improved on its best (the baseline counts as an improvement). */
export function iterationsSinceImprovement(spec: Spec, history: LedgerRecord[]): number {
  const primary = primaryMetric(spec);
  const dir = betterDirection(spec, primary);
  let best: number | undefined;
  let lastImproved = 0;
  for (const r of keptRecords(history)) {
    const v = r.metrics[primary];
    if (v !== undefined && isBetter(v, best, dir)) {
      best = v;
      lastImproved = r.iteration;
    }
  }
  return lastIteration(history) - lastImproved;
}

/** Decides whether to stop before starting iteration `lastIteration + 1`. */
export function stopDecision(spec: Spec, history: LedgerRecord[], elapsedMs: number, options: { lanes?: boolean } = {}): StopDecision | undefined {
  const last = history[history.length - 1];
  if (last?.verdict.kind === 'met') return { stop: 'met', reason: last.verdict.reason };
  // With lanes one lane with nothing to do stops only itself (lanes.ts); the others go on.
  if (!options.lanes && last?.session?.stopReason === 'nothing-to-do')
    return { stop: 'stalled', reason: `the worker had nothing more to do: ${last.session.summary}` };
  const done = lastIteration(history);
  const b = spec.budget;
  if (done >= b.iterations) return { stop: 'budget', reason: `the iteration budget is spent (${done} of ${b.iterations})` };
  const timeBudget = parseDuration(b.time);
  if (elapsedMs >= timeBudget) return { stop: 'budget', reason: `the time budget is spent (${b.time})` };
  const used = totalUsage(history);
  const sessions = history.filter((r) => r.session).length;
  if (b.usd !== undefined) {
    const avg = sessions ? used.usd / sessions : 0;
    if (used.usd >= b.usd) return { stop: 'budget', reason: `the USD budget is spent ($${used.usd.toFixed(2)} of $${b.usd})` };
    if (used.usd + avg > b.usd)
      return {
        stop: 'budget',
        reason: `the next session would likely cross the USD budget ($${used.usd.toFixed(2)} spent, about $${avg.toFixed(2)} a session, budget $${b.usd})`,
      };
  }
  if (b.tokens !== undefined) {
    const spent = tokensOf(used);
    const avg = sessions ? spent / sessions : 0;
    if (spent >= b.tokens) return { stop: 'budget', reason: `the token budget is spent (${spent} of ${b.tokens})` };
    if (spent + avg > b.tokens)
      return {
        stop: 'budget',
        reason: `the next session would likely cross the token budget (${spent} spent, about ${Math.round(avg)} a session, budget ${b.tokens})`,
      };
  }
  // A session that stopped short of crossing the run's budget means the next one could not take a turn (unless the budget was raised since).
  const lastSession = [...history].reverse().find((r) => r.session)?.session;
  if (lastSession?.stopReason === 'run-budget' && lastSession.runBudget?.usd === b.usd && lastSession.runBudget?.tokens === b.tokens) {
    return {
      stop: 'budget',
      reason: `the run's budget is spent: the last session stopped before a turn that would cross it ($${used.usd.toFixed(2)}${b.usd !== undefined ? ` of $${b.usd}` : ''}, ${tokensOf(used)} tokens${b.tokens !== undefined ? ` of ${b.tokens}` : ''})`,
    };
  }
  const stale = iterationsSinceImprovement(spec, history);
  if (stale >= 2 * spec.judge.stall_after) {
    return {
      stop: 'stalled',
      reason: `no improvement of ${primaryMetric(spec)} in ${stale} iterations (best ${fmt(bestValue(spec, history, primaryMetric(spec)))})`,
    };
  }
  return undefined;
}

/** The note the next prompt carries when the run is stalling, if it is. */
export function stallNotice(spec: Spec, history: LedgerRecord[]): string | undefined {
  const stale = iterationsSinceImprovement(spec, history);
  if (stale < spec.judge.stall_after) return undefined;
  return (
    `No improvement of ${primaryMetric(spec)} in the last ${stale} iterations. The current approach is not working: ` +
    `read the failed approaches in NOTES.md and try something substantially different. ` +
    `The run stops as stalled after ${2 * spec.judge.stall_after} iterations without improvement.`
  );
}
