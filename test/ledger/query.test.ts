import { describe, expect, it } from 'vitest';
import { iterationTag } from '../../src/experiment.js';
import { addUsage, currentBest, isKept, keptChange, keptCount, keptRecords, lastIteration, tokensOf, totalUsage } from '../../src/ledger/query.js';
import { VERDICT_KINDS } from '../../src/ledger/record.js';
import { RUN_STATES, runStateOf } from '../../src/state/run-state.js';
import { rec } from '../helpers/ledger.js';

describe('ledger queries', () => {
  it('keeps the baseline, keep and met, and counts only keep and met as kept changes', () => {
    expect(VERDICT_KINDS.filter((k) => isKept(k))).toEqual(['baseline', 'met', 'keep']);
    expect(VERDICT_KINDS.filter((k) => keptChange(k))).toEqual(['met', 'keep']);
    expect(keptCount({ keep: 3, met: 1, revert: 7 })).toBe(4);
    expect(keptCount({ revert: 2 })).toBe(0);
  });

  it('the kept records exclude confirmations; the current best is the last kept one', () => {
    const h = [rec(0, 'baseline', { a: 3 }), rec(1, 'keep', { a: 2 }), rec(1, 'keep', { a: 2.1 }, { phase: 'confirm' }), rec(2, 'revert', { a: 1 })];
    expect(keptRecords(h).map((r) => r.iteration)).toEqual([0, 1]);
    expect(isKept(h[1])).toBe(true);
    expect(currentBest(h)?.metrics.a).toBe(2);
    expect(lastIteration(h)).toBe(2);
    expect(lastIteration([])).toBe(0);
  });

  it('sums usage over sessions, in ledger order', () => {
    const h = [rec(0, 'baseline', {}), rec(1, 'keep', {}), rec(2, 'revert', {})];
    const u = totalUsage(h);
    expect(u).toEqual({ inputTokens: 200, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0, usd: 1 });
    expect(tokensOf(addUsage(u, { inputTokens: 1, outputTokens: 2, cacheReadTokens: 3, cacheWriteTokens: 4, usd: 0 }))).toBe(230);
  });
});

describe('one home for names and states', () => {
  it('names iteration files with four digits', () => {
    expect(iterationTag(1)).toBe('0001');
    expect(iterationTag(0)).toBe('0000');
    expect(iterationTag(12345)).toBe('12345');
  });

  it('reads the journal state of a run as a report state', () => {
    for (const s of RUN_STATES) expect(runStateOf(s)).toBe(s);
    expect(runStateOf('not-started')).toBe('running');
    expect(runStateOf('stopped')).toBe('running');
  });
});
