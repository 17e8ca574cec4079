import type { LedgerRecord, VerdictKind } from '../../src/ledger/record.js';
import { validateSpecText } from '../../src/spec/validate.js';
import { stringify } from 'yaml';
import type { Spec } from '../../src/spec/schema.js';

/** A valid spec from a partial object (defaults filled by the real schema). */
export function makeSpec(overrides: Record<string, unknown> = {}): Spec {
  const raw = {
    name: 'pk',
    goal: 'Reproduce P(k).',
    oracles: [
      { id: 'acc', kind: 'command', run: 'x' },
      { id: 'tests', kind: 'tests', run: 'pytest', report: 'j.xml' },
    ],
    thresholds: { 'acc.err': '< 0.01', 'tests.pass_rate': '>= 1' },
    ...overrides,
  };
  const { spec, problems } = validateSpecText(stringify(raw), 'baton.yaml');
  if (!spec) throw new Error(JSON.stringify(problems));
  return spec;
}

/** A ledger record with sensible defaults. */
export function rec(iteration: number, verdict: VerdictKind, metrics: Record<string, number>, extra: Partial<LedgerRecord> = {}): LedgerRecord {
  return {
    v: 1,
    run: 'r1',
    iteration,
    phase: iteration === 0 ? 'baseline' : 'candidate',
    commit: `c${iteration}`,
    at: new Date(Date.UTC(2026, 0, 1, 0, iteration)).toISOString(),
    elapsedHours: iteration / 60,
    measurements: [],
    metrics,
    verdict: { kind: verdict, reason: `because ${iteration}` },
    session:
      iteration === 0
        ? undefined
        : {
            summary: `session ${iteration}`,
            stopReason: 'done',
            usage: { inputTokens: 100, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, usd: 0.5 },
            durationMs: 1000,
          },
    warnings: [],
    durationMs: 2000,
    ...extra,
  };
}
