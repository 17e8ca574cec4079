/** The pure parts of the model workers: prices, truncation, prompt split, judge answers, CLI agent reports, --worker. */
import { describe, expect, it } from 'vitest';
import { Spec } from '../../src/spec/schema.js';
import { splitPrompt } from '../../src/workers/anthropic.js';
import { parseAgentReport } from '../../src/workers/command.js';
import { withWorker } from '../../src/workers/index.js';
import { parseJudgeAnswer } from '../../src/workers/model-judge.js';
import { retryAfterMs } from '../../src/workers/model-api.js';
import { costOf, DEFAULT_PRICES, priceOf, requirePrice } from '../../src/workers/pricing.js';
import { truncateMiddle } from '../../src/workers/tools.js';
import { assemblePrompt } from '../../src/workspace/prompt.js';
import { promptFile } from '../../src/workspace/prompt-file.js';

const spec = Spec.parse({
  name: 'p',
  goal: 'make it right',
  oracles: [{ id: 'acc', kind: 'command', run: 'true' }],
  thresholds: { 'acc.err.max': '< 1' },
});

describe('pricing', () => {
  it('prices usage per million tokens, cache reads and writes at their own rates', () => {
    const price = priceOf('claude-sonnet-4-5')!;
    const usd = costOf({ inputTokens: 10_000, outputTokens: 10_000, cacheReadTokens: 10_000, cacheWriteTokens: 10_000 }, price);
    expect(usd).toBeCloseTo((3 + 15 + 0.3 + 3.75) / 100, 10);
  });
  it('dated snapshots share their family price; the spec overrides the table', () => {
    expect(priceOf('claude-haiku-4-5-20251001')).toEqual(DEFAULT_PRICES['claude-haiku-4-5']);
    const over = { 'claude-haiku-4-5': { input: 9, output: 9, cache_read: 9, cache_write: 9 } };
    expect(priceOf('claude-haiku-4-5-20251001', over)?.input).toBe(9);
  });
  it('long prompts pay the higher tier on the whole request', () => {
    const price = priceOf('claude-haiku-5-5')!;
    const short = costOf({ inputTokens: 100_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, price);
    const long = costOf({ inputTokens: 100_001, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, price);
    expect(short).toBeCloseTo(0.01, 10);
    expect(long).toBeCloseTo((100_001 * 0.5) / 1e6, 10);
  });
  it('an unknown model without a price is refused with how to add one', () => {
    expect(() => requirePrice('my-proxy-model')).toThrow(/worker.pricing:\n {4}my-proxy-model: \{ input:/);
  });
});

describe('tool output', () => {
  it('keeps head and tail and says how much was cut', () => {
    const out = truncateMiddle(`HEAD${'x'.repeat(100_000)}TAIL`, 1000);
    expect(out.startsWith('HEAD')).toBe(true);
    expect(out.endsWith('TAIL')).toBe(true);
    expect(out).toMatch(/baton cut 99008 characters \(100008 in all\)/);
    expect(truncateMiddle('short', 1000)).toBe('short');
  });
});

describe('prompt caching', () => {
  it('splits the stable PROMPT.md contract from the parts that change every session', () => {
    const prompt = assemblePrompt({ spec, iteration: 3, promptMd: promptFile(spec), planMd: '# Plan', notesMd: '', gitLog: 'abc x', history: [] });
    const { stable, rest } = splitPrompt(prompt);
    expect(stable).toMatch(/^## The contract \(PROMPT.md\)/);
    expect(stable).toContain('make it right');
    expect(stable).not.toContain('session 3');
    expect(rest).toContain('You are session 3');
    expect(rest).toContain('## Latest measurement');
    expect(rest).not.toContain('make it right');
  });
});

describe('model judge answers', () => {
  it('agrees only on a well-formed JSON answer that says so', () => {
    expect(parseJudgeAnswer('{"agreed": true, "reason": "the method is RK4"}')).toEqual({ agreed: true, reason: 'the method is RK4' });
    expect(parseJudgeAnswer('Sure! ```json\n{"agreed": false, "reason": "hard-coded"}\n```').agreed).toBe(false);
  });
  it.each([
    ['prose', 'Yes, I agree, this looks fine.'],
    ['broken JSON', '{"agreed": true, "reason": '],
    ['a string for agreed', '{"agreed": "true", "reason": "ok"}'],
    ['no agreed', '{"verdict": "met"}'],
    ['empty', ''],
  ])('%s is not agreed', (_name, answer) => {
    const r = parseJudgeAnswer(answer);
    expect(r.agreed).toBe(false);
    expect(r.reason).toMatch(/model judge/);
  });
});

describe('CLI agent reports', () => {
  it('reads cost, tokens and the result from `claude -p --output-format json`', () => {
    const out = JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: 'Switched to RK4.',
      total_cost_usd: 0.1234,
      usage: { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 30, cache_creation_input_tokens: 40 },
    });
    expect(parseAgentReport(`some log line\n${out}\n`)).toEqual({
      summary: 'Switched to RK4.',
      usage: { inputTokens: 10, outputTokens: 20, cacheReadTokens: 30, cacheWriteTokens: 40, usd: 0.1234 },
    });
  });
  it('has nothing to say about plain output', () => {
    expect(parseAgentReport('edited solve.py\nall good\n')).toEqual({});
  });
});

describe('retry-after', () => {
  it('reads retry-after-ms, seconds and HTTP dates', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4000)).toBe(6000);
    expect(retryAfterMs(new Headers({}))).toBeUndefined();
  });
});

describe('--worker', () => {
  it('switches to the anthropic worker with its defaults, and --model picks the model', () => {
    expect(withWorker(spec, 'anthropic').worker).toMatchObject({ kind: 'anthropic', max_tokens: 8192 });
    expect(withWorker(spec, 'anthropic', 'claude-haiku-4-5').worker).toMatchObject({ kind: 'anthropic', model: 'claude-haiku-4-5' });
  });
  it('refuses a command worker without a command and unknown kinds', () => {
    expect(() => withWorker(spec, 'command')).toThrow(/needs the command in baton.yaml/);
    expect(() => withWorker(spec, 'gpt')).toThrow(/unknown worker "gpt"/);
  });
});

describe('createWorker', () => {
  it('refuses an anthropic worker without a key in the harness environment before any session', async () => {
    const { createWorker } = await import('../../src/workers/index.js');
    const saved = { key: process.env.ANTHROPIC_API_KEY, token: process.env.ANTHROPIC_AUTH_TOKEN };
    delete process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_AUTH_TOKEN;
    try {
      expect(() => createWorker(withWorker(spec, 'anthropic'), '/tmp')).toThrow(/needs ANTHROPIC_API_KEY .* never enters a sandbox/);
      const judged = { ...spec, judge: { ...spec.judge, model: { model: 'some-unknown-judge', condition: 'c', timeout: '2m' } } };
      expect(() => createWorker(judged, '/tmp')).toThrow(/no price for the model "some-unknown-judge"/);
    } finally {
      if (saved.key !== undefined) process.env.ANTHROPIC_API_KEY = saved.key;
      if (saved.token !== undefined) process.env.ANTHROPIC_AUTH_TOKEN = saved.token;
    }
  });
});
