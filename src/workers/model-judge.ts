/**
 * The optional model judge (DESIGN.md §5 Judge): a second model, with its own
 * prompt and none of the worker's context, checks one written condition
 * against the evidence the harness surfaces (the diff since the baseline,
 * the measurement, the worker's summary). Anything but a well-formed
 * "agreed" answer in time is "not agreed".
 */
import type Anthropic from '@anthropic-ai/sdk';
import { describeError, SystemError } from '../errors.js';
import { ZERO_USAGE, type Usage } from '../ledger/record.js';
import type { Spec } from '../spec/schema.js';
import { parseDuration } from '../spec/units.js';
import { turnUsage } from './anthropic.js';
import { createClient, withRetries, type RetryPolicy } from './model-api.js';
import { requirePrice } from './pricing.js';
import { truncateMiddle } from './tools.js';

export interface JudgeEvidence {
  goal: string;
  condition: string;
  /** `git diff` from the baseline commit to the candidate (state files left out). */
  diff: string;
  /** The metric table of the candidate's measurement. */
  measurement: string;
  /** What the worker said it did. */
  summary: string;
}

export interface ModelJudgeAnswer {
  agreed: boolean;
  reason: string;
  usage: Usage;
}

const DIFF_CHARS = 60_000;
const MAX_TOKENS = 1024;

export const JUDGE_SYSTEM = [
  'You are an independent reviewer for baton, a harness that lets coding agents work toward measured goals.',
  'You check ONE written condition against the evidence given: a diff, a measurement, and the agent\'s own summary (which may be wrong or self-serving).',
  'Judge only from the evidence. If the evidence does not show that the condition holds, it does not hold.',
  'Answer with one JSON object and nothing else: {"agreed": true or false, "reason": "one or two sentences citing the evidence"}.',
].join('\n');

/** The judge's user message. Pure. */
export function judgePrompt(e: JudgeEvidence): string {
  return [
    '## Goal of the work',
    e.goal.trim(),
    '',
    '## The condition to check',
    e.condition.trim(),
    '',
    '## Measurement by the harness',
    e.measurement.trim(),
    '',
    "## The agent's summary (unverified)",
    e.summary.trim() || '(none)',
    '',
    '## Diff since the baseline',
    '```diff',
    truncateMiddle(e.diff, DIFF_CHARS).trim() || '(no changes)',
    '```',
    '',
    'Does the condition hold? Answer with the JSON object only.',
  ].join('\n');
}

/** Reads the judge's answer; anything but `{"agreed": boolean, "reason": string}` is "not agreed". Pure. */
export function parseJudgeAnswer(text: string): { agreed: boolean; reason: string } {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return { agreed: false, reason: `the model judge's answer was not JSON: ${JSON.stringify(text.slice(0, 200))}` };
  let v: unknown;
  try {
    v = JSON.parse(text.slice(start, end + 1));
  } catch {
    return { agreed: false, reason: `the model judge's answer was malformed JSON: ${JSON.stringify(text.slice(0, 200))}` };
  }
  const o = v as { agreed?: unknown; reason?: unknown };
  if (!o || typeof o !== 'object' || typeof o.agreed !== 'boolean') {
    return { agreed: false, reason: `the model judge's answer had no boolean "agreed": ${JSON.stringify(text.slice(0, 200))}` };
  }
  const reason = typeof o.reason === 'string' && o.reason.trim() ? o.reason.trim() : '(no reason given)';
  return { agreed: o.agreed, reason: o.agreed ? reason : `the model judge did not agree: ${reason}` };
}

export interface AskOptions {
  client?: Anthropic;
  retry?: RetryPolicy;
  signal?: AbortSignal;
}

/**
 * Asks the model judge. A timeout, a refused request or a malformed answer
 * is "not agreed"; an API that keeps failing throws (the run stops and a
 * resume asks again rather than reverting good work).
 */
export async function askModelJudge(spec: Spec, evidence: JudgeEvidence, options: AskOptions = {}): Promise<ModelJudgeAnswer> {
  const cfg = spec.judge.model;
  if (!cfg) throw new Error('askModelJudge called without judge.model in the spec');
  const price = requirePrice(cfg.model, spec.worker.kind === 'anthropic' ? spec.worker.pricing : {}, 'worker.pricing (the model judge reads its price there)');
  const client = options.client ?? createClient();
  const timeout = AbortSignal.timeout(parseDuration(cfg.timeout));
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const { value } = await withRetries(
      () =>
        client.messages.create(
          { model: cfg.model, max_tokens: MAX_TOKENS, system: JUDGE_SYSTEM, messages: [{ role: 'user', content: judgePrompt(evidence) }] },
          { signal },
        ),
      { what: 'the model judge', signal, retry: options.retry },
    );
    const usage = turnUsage(value.usage, price);
    const text = value.content.filter((b): b is Anthropic.TextBlock => b.type === 'text').map((b) => b.text).join('\n');
    return { ...parseJudgeAnswer(text), usage };
  } catch (e) {
    if (timeout.aborted && !options.signal?.aborted) return { agreed: false, reason: `the model judge did not answer within ${cfg.timeout}`, usage: { ...ZERO_USAGE } };
    if (e instanceof SystemError || options.signal?.aborted) throw e;
    return { agreed: false, reason: `the model judge could not answer: ${describeError(e)}`, usage: { ...ZERO_USAGE } };
  }
}
