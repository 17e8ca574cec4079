/** The model judge against the fake Messages API: its own context, agreement, timeout. */
import { afterEach, describe, expect, it } from 'vitest';
import { Spec } from '../../src/spec/schema.js';
import { askModelJudge, JUDGE_SYSTEM, type JudgeEvidence } from '../../src/workers/model-judge.js';
import { createClient } from '../../src/workers/model-api.js';
import { FakeAnthropic, reply, sequence, text } from '../helpers/fake-anthropic.js';

let fake: FakeAnthropic | undefined;
afterEach(async () => fake?.stop());

const spec = Spec.parse({
  name: 'j',
  goal: 'port the solver',
  oracles: [{ id: 'a', kind: 'command', run: 'true' }],
  thresholds: { 'a.b.c': '< 1' },
  judge: { model: { model: 'claude-haiku-4-5', condition: 'no reference values are hard-coded', timeout: '1s' } },
});
const evidence: JudgeEvidence = {
  goal: spec.goal,
  condition: 'no reference values are hard-coded',
  diff: 'diff --git a/x b/x',
  measurement: '| m |',
  summary: 'I did it',
};

describe('the model judge', () => {
  it('agrees on a well-formed answer, with its own prompt, and its cost priced', async () => {
    fake = await new FakeAnthropic(
      sequence([reply([text('{"agreed": true, "reason": "computed, not copied"}')], { input_tokens: 2000, output_tokens: 100 })]),
    ).start();
    const answer = await askModelJudge(spec, evidence, { client: createClient({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url }) });
    expect(answer).toEqual({
      agreed: true,
      reason: 'computed, not copied',
      usage: { inputTokens: 2000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, usd: (2000 * 1 + 100 * 5) / 1e6 },
    });
    expect(fake.requests[0].body).toMatchObject({ model: 'claude-haiku-4-5', system: JUDGE_SYSTEM });
    expect(JSON.stringify(fake.requests[0].body.messages)).toContain('no reference values are hard-coded');
  });

  it('an answer later than judge.model.timeout is not agreed', async () => {
    fake = await new FakeAnthropic(() => ({ kind: 'message', content: [text('{"agreed": true, "reason": "late"}')], delayMs: 3000 })).start();
    const t0 = Date.now();
    const answer = await askModelJudge(spec, evidence, { client: createClient({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url }) });
    expect(answer.agreed).toBe(false);
    expect(answer.reason).toBe('the model judge did not answer within 1s');
    expect(Date.now() - t0).toBeLessThan(2500);
  });
});
