import { describe, expect, it } from 'vitest';
import { judge, needsConfirmation, type JudgeInput } from '../../src/judge/judge.js';
import { iterationsSinceImprovement, stallNotice, stopDecision } from '../../src/judge/stop.js';
import type { MeasurementRecord } from '../../src/ledger/record.js';
import { makeSpec, rec } from '../helpers/ledger.js';

const noDiff = { changedPaths: ['pk.py'], protectedTouched: [], oracleFilesChanged: [] };
const ok = (oracle: string, details: Record<string, unknown> = {}): MeasurementRecord => ({
  oracle,
  status: 'ok',
  metrics: {},
  details,
  artifacts: [],
  durationMs: 1,
});

function input(metrics: Record<string, number>, extra: Partial<JudgeInput> = {}): JudgeInput {
  return {
    spec: makeSpec(),
    history: [rec(0, 'baseline', { 'acc.err': 0.5, 'tests.pass_rate': 1 })],
    measurements: [ok('acc'), ok('tests')],
    metrics,
    confirmations: 0,
    diff: noDiff,
    ...extra,
  };
}

describe('judge', () => {
  it('keeps an improvement of the primary metric', () => {
    const v = judge(input({ 'acc.err': 0.1, 'tests.pass_rate': 1 }));
    expect(v).toEqual({ kind: 'keep', reason: 'acc.err 0.5 → 0.1: improved' });
  });

  it('reverts a regression under keep: improve', () => {
    expect(judge(input({ 'acc.err': 0.6, 'tests.pass_rate': 1 })).kind).toBe('revert');
  });

  it('reverts an equal value (no improvement) under improve, keeps it under no-regress', () => {
    expect(judge(input({ 'acc.err': 0.5, 'tests.pass_rate': 1 })).kind).toBe('revert');
    const spec = makeSpec({ judge: { keep: 'no-regress' } });
    expect(judge(input({ 'acc.err': 0.5, 'tests.pass_rate': 1 }, { spec })).kind).toBe('keep');
    expect(judge(input({ 'acc.err': 0.7, 'tests.pass_rate': 1 }, { spec })).reason).toContain('regressed: acc.err 0.5 → 0.7');
  });

  it('a faster-but-wrong candidate is reverted: a threshold that held must still hold', () => {
    const v = judge(input({ 'acc.err': 0.1, 'tests.pass_rate': 0.5 }));
    expect(v.kind).toBe('revert');
    expect(v.reason).toContain('tests.pass_rate = 0.5 no longer meets >= 1');
    const withTests = judge(
      input(
        { 'acc.err': 0.1, 'tests.pass_rate': 0.5 },
        {
          measurements: [
            ok('acc'),
            ok('tests', {
              tests: [
                { id: 'test_pk.py::test_stable', status: 'failed' },
                { id: 'test_pk.py::test_ok', status: 'passed' },
              ],
            }),
          ],
        },
      ),
    );
    expect(withTests.reason).toBe('tests.pass_rate = 0.5 no longer meets >= 1; failing: test_pk.py::test_stable');
  });

  it('met only when every threshold holds on `confirm` consecutive measurements', () => {
    const spec = makeSpec({ judge: { confirm: 2 } });
    const m = { 'acc.err': 0.001, 'tests.pass_rate': 1 };
    expect(needsConfirmation(spec, m, 1)).toBe(true);
    expect(judge(input(m, { spec, confirmations: 1 })).kind).toBe('keep');
    expect(judge(input(m, { spec, confirmations: 2 }))).toEqual({ kind: 'met', reason: 'every threshold holds on 2 consecutive measurements' });
  });

  it('tamper beats everything: protected paths and changed oracle files', () => {
    const m = { 'acc.err': 0.001, 'tests.pass_rate': 1 };
    expect(judge(input(m, { diff: { ...noDiff, protectedTouched: ['tests/test_pk.py'] } }))).toMatchObject({
      kind: 'tamper',
      reason: expect.stringContaining('tests/test_pk.py'),
    });
    expect(judge(input(m, { diff: { ...noDiff, oracleFilesChanged: ['oracle/ref.dat'] } })).kind).toBe('tamper');
  });

  it('a failed measurement is reverted with the oracle reason', () => {
    const failed: MeasurementRecord = { ...ok('acc'), status: 'failed', reason: 'pk.dat row 3 column P: NaN' };
    const v = judge(input({ 'tests.pass_rate': 1 }, { measurements: [failed, ok('tests')] }));
    expect(v).toEqual({ kind: 'revert', reason: 'the measurement failed: acc: failed (pk.dat row 3 column P: NaN)' });
  });

  it('a session that changed nothing is reverted without a measurement', () => {
    expect(judge(input({}, { measurements: [], diff: { ...noDiff, changedPaths: [] } }))).toEqual({ kind: 'revert', reason: 'the session changed nothing' });
  });

  it('a worker with nothing more to do stops the run as stalled', () => {
    const h = [
      rec(0, 'baseline', { 'acc.err': 1 }),
      rec(
        1,
        'revert',
        {},
        {
          session: {
            summary: 'the replay script has no session 1',
            stopReason: 'nothing-to-do',
            usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, usd: 0 },
            durationMs: 1,
          },
        },
      ),
    ];
    expect(stopDecision(makeSpec(), h, 0)).toEqual({ stop: 'stalled', reason: 'the worker had nothing more to do: the replay script has no session 1' });
  });

  it('a crashed session is crashed, whatever was measured', () => {
    expect(judge(input({ 'acc.err': 0.1, 'tests.pass_rate': 1 }, { sessionCrash: 'oom' })).kind).toBe('crashed');
  });

  it('benchmark metrics improve only when the oracle says the change is significant', () => {
    const spec = makeSpec({
      oracles: [
        { id: 'speed', kind: 'benchmark', run: 'x' },
        { id: 'tests', kind: 'tests', run: 'p', report: 'j.xml' },
      ],
      thresholds: { 'speed.speedup': '>= 3', 'tests.pass_rate': '>= 1' },
    });
    const history = [rec(0, 'baseline', { 'speed.speedup': 1, 'tests.pass_rate': 1 })];
    const m = { 'speed.speedup': 1.01, 'tests.pass_rate': 1 };
    const noise = judge(input(m, { spec, history, measurements: [ok('speed', { comparison: { verdict: '~' } }), ok('tests')] }));
    expect(noise).toMatchObject({ kind: 'revert', reason: expect.stringContaining('not a significant change (~)') });
    const real = judge(
      input({ ...m, 'speed.speedup': 1.8 }, { spec, history, measurements: [ok('speed', { comparison: { verdict: 'improved' } }), ok('tests')] }),
    );
    expect(real.kind).toBe('keep');
  });

  it('a model judge that did not agree blocks met', () => {
    const spec = makeSpec({ judge: { model: { condition: 'no hard-coded values' } } });
    const m = { 'acc.err': 0.001, 'tests.pass_rate': 1 };
    expect(judge(input(m, { spec, confirmations: 1, modelJudge: { agreed: false, reason: 'malformed answer' } })).kind).toBe('revert');
    expect(judge(input(m, { spec, confirmations: 1 })).kind).toBe('revert');
    expect(judge(input(m, { spec, confirmations: 1, modelJudge: { agreed: true, reason: 'fine' } })).kind).toBe('met');
  });
});

describe('stop decisions', () => {
  const spec = makeSpec({ judge: { stall_after: 2 }, budget: { iterations: 10, usd: 2.2 } });

  it('stops on the iteration budget', () => {
    const s = makeSpec({ budget: { iterations: 2 } });
    const h = [rec(0, 'baseline', { 'acc.err': 1 }), rec(1, 'keep', { 'acc.err': 0.5 }), rec(2, 'revert', { 'acc.err': 0.6 })];
    expect(stopDecision(s, h, 0)).toEqual({ stop: 'budget', reason: 'the iteration budget is spent (2 of 2)' });
  });

  it('projects the USD budget from the average session', () => {
    const h = [
      rec(0, 'baseline', { 'acc.err': 1 }),
      rec(1, 'keep', { 'acc.err': 0.5 }),
      rec(2, 'keep', { 'acc.err': 0.4 }),
      rec(3, 'keep', { 'acc.err': 0.3 }),
      rec(4, 'keep', { 'acc.err': 0.2 }),
    ];
    expect(stopDecision(spec, h.slice(0, 4), 0)).toBeUndefined(); // $1.50 spent, $0.50 a session: 2.00 <= 2.2
    expect(stopDecision(spec, h, 0)?.reason).toContain('the next session would likely cross the USD budget');
  });

  it('tells the next prompt about a stall, and stops at twice stall_after', () => {
    const spec = makeSpec({ judge: { stall_after: 2 } });
    const h = [
      rec(0, 'baseline', { 'acc.err': 1 }),
      rec(1, 'keep', { 'acc.err': 0.5 }),
      rec(2, 'revert', { 'acc.err': 0.6 }),
      rec(3, 'revert', { 'acc.err': 0.7 }),
    ];
    expect(iterationsSinceImprovement(spec, h)).toBe(2);
    expect(stallNotice(spec, h)).toContain('No improvement of acc.err in the last 2 iterations');
    expect(stopDecision(spec, h, 0)).toBeUndefined();
    h.push(rec(4, 'revert', { 'acc.err': 0.7 }), rec(5, 'keep', { 'acc.err': 0.5 }));
    expect(stopDecision(spec, h, 0)).toMatchObject({ stop: 'stalled' });
  });

  it('stops as met after a met verdict', () => {
    expect(stopDecision(spec, [rec(0, 'baseline', {}), rec(1, 'met', { 'acc.err': 0.001 })], 0)?.stop).toBe('met');
  });
});
