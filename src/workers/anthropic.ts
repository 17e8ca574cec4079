/**
 * The anthropic worker: the agent loop runs here in the harness with
 * @anthropic-ai/sdk; its tools run in the worker sandbox (tools.ts). Every
 * turn is capped (turns, tokens, minutes, the run's USD/token budget), priced
 * (pricing.ts) and written to the transcript. The API key stays in this
 * process.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { describeError, SystemError } from '../errors.js';
import { ZERO_USAGE, type Usage } from '../ledger/record.js';
import type { Spec } from '../spec/schema.js';
import { createClient, ModelRequestError, withRetries, type RetryPolicy } from './model-api.js';
import { addUsage, tokensOf } from '../ledger/query.js';
import { costOf, requirePrice, type TieredPrice } from './pricing.js';
import { runTool, toolDefinitions, truncateMiddle } from './tools.js';
import type { SessionContext, SessionResult, StopReason, Worker } from './types.js';

type AnthropicSpec = Extract<Spec['worker'], { kind: 'anthropic' }>;

export interface AnthropicWorkerOptions {
  /** A ready client (tests); by default one is made from the harness environment at the first session. */
  client?: Anthropic;
  retry?: RetryPolicy;
}

/** Above this many prompt tokens, old tool results are cleared before the next turn (the context window is finite). */
const CONTEXT_SOFT_LIMIT = 120_000;
/** The most recent messages whose tool results are never cleared. */
const KEEP_RECENT_MESSAGES = 8;
const CLEARED = '[cleared by baton to keep the context small; run the command again if you need it]';

const EPHEMERAL = { type: 'ephemeral' } as const;

/** The worker's system prompt: where it is and how a session ends. Stable, so cached. */
export function systemPrompt(spec: Spec): string {
  return [
    'You are a coding agent working for baton, a harness that runs many short sessions toward a measurable goal.',
    'You work inside a disposable sandbox: the workspace is /workspace (a git repository; its .git is read-only, so you cannot commit: the harness commits your work after the session).',
    `The sandbox has no network${spec.sandbox.network === 'none' ? '' : ' restrictions beyond the spec'}; install nothing from the internet.`,
    spec.expose.length ? 'Reference files you may read are under /baton/exposed (read-only).' : '',
    'Tools: bash (cwd and exported variables persist between calls), str_replace_based_edit_tool (view, create, str_replace, insert), and measure (runs the real oracles on your current working tree and returns the metric table).',
    'Work in small verified steps. Keep PLAN.md and NOTES.md in /workspace current as the prompt asks.',
    'When you have made one bounded unit of progress, stop calling tools and reply with a two- or three-sentence summary of what you changed and what the numbers did: that reply ends the session and goes into PROGRESS.md.',
  ]
    .filter(Boolean)
    .join('\n');
}

/** Splits the assembled prompt into the stable contract (PROMPT.md, cached across turns and sessions) and the rest. */
export function splitPrompt(prompt: string): { stable?: string; rest: string } {
  // PROMPT.md has headings of its own: the contract ends where the next section of the assembled prompt begins.
  const start = prompt.indexOf('## The contract (PROMPT.md)');
  const next = prompt.indexOf('\n## Latest measurement', start);
  if (start < 0 || next < 0) return { rest: prompt };
  const end = next + 1;
  return { stable: prompt.slice(start, end).trimEnd(), rest: (prompt.slice(0, start) + prompt.slice(end)).trim() };
}

/** Usage of one response, priced. */
export function turnUsage(u: Anthropic.Usage, price: TieredPrice): Usage {
  const tokens = {
    inputTokens: u.input_tokens ?? 0,
    outputTokens: u.output_tokens ?? 0,
    cacheReadTokens: u.cache_read_input_tokens ?? 0,
    cacheWriteTokens: u.cache_creation_input_tokens ?? 0,
  };
  return { ...tokens, usd: costOf(tokens, price) };
}

/** The messages as sent: a cache breakpoint on the last block of the last message, so each turn reads the conversation so far from the cache. */
function withBreakpoint(messages: Anthropic.MessageParam[]): Anthropic.MessageParam[] {
  const last = messages[messages.length - 1];
  if (!last || typeof last.content === 'string' || last.content.length === 0) return messages;
  const content = [...last.content];
  content[content.length - 1] = { ...content[content.length - 1], cache_control: EPHEMERAL } as Anthropic.ContentBlockParam;
  return [...messages.slice(0, -1), { ...last, content } as Anthropic.MessageParam];
}

/** Replaces the text of old tool results with a note, keeping the recent ones. */
function clearOldToolResults(messages: Anthropic.MessageParam[]): number {
  let cleared = 0;
  for (const m of messages.slice(1, Math.max(1, messages.length - KEEP_RECENT_MESSAGES))) {
    if (m.role !== 'user' || typeof m.content === 'string') continue;
    for (const b of m.content) {
      if (b.type === 'tool_result' && b.content !== CLEARED) {
        b.content = CLEARED;
        cleared++;
      }
    }
  }
  return cleared;
}

function lastText(content: Anthropic.ContentBlock[]): string {
  return content
    .filter((b): b is Anthropic.TextBlock => b.type === 'text')
    .map((b) => b.text)
    .join('\n')
    .trim();
}

export class AnthropicWorker implements Worker {
  readonly kind = 'anthropic' as const;
  private client?: Anthropic;
  private readonly price: TieredPrice;

  constructor(
    private readonly spec: AnthropicSpec,
    private readonly options: AnthropicWorkerOptions = {},
  ) {
    this.client = options.client;
    this.price = requirePrice(spec.model, spec.pricing);
  }

  async runSession(ctx: SessionContext): Promise<SessionResult> {
    const client = (this.client ??= createClient());
    const caps = ctx.spec.budget.session;
    const system = systemPrompt(ctx.spec);
    const tools = toolDefinitions(Boolean(ctx.measure));
    const { stable, rest } = splitPrompt(ctx.prompt);
    const first: Anthropic.ContentBlockParam[] = [];
    if (stable) first.push({ type: 'text', text: stable, cache_control: EPHEMERAL });
    first.push({ type: 'text', text: rest });
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: first }];
    ctx.transcript.write('prompt', { model: this.spec.model, chars: ctx.prompt.length, prompt: ctx.prompt, system });

    let usage: Usage = { ...ZERO_USAGE };
    let turns = 0;
    let waitedMs = 0; // time spent waiting on the API's rate limits does not count against the session's minutes
    let lastTurn: Usage | undefined;
    let summary = '';
    const deadline = (): number => ctx.deadline + waitedMs;
    const stop = (reason: StopReason, note: string, cause?: string): SessionResult => {
      ctx.transcript.write('stop', { reason, note, cause, turns, usage });
      const text = `${summary || '(no summary from the model)'}${reason === 'done' ? '' : ` [stopped: ${note}]`}`;
      const result: SessionResult = { summary: text, stopReason: reason, usage, cause: cause ?? note };
      if (reason === 'run-budget') result.runBudget = { usd: ctx.spec.budget.usd, tokens: ctx.spec.budget.tokens };
      return result;
    };

    for (;;) {
      if (ctx.signal.aborted) return stop('interrupted', 'the harness was interrupted');
      if (Date.now() >= deadline()) return stop('timeout', `the session's ${ctx.spec.budget.session.time} ran out after ${turns} turns`);
      if (turns >= caps.turns) return stop('budget', `the session's cap of ${caps.turns} turns was reached`);
      if (caps.tokens !== undefined && tokensOf(usage) >= caps.tokens)
        return stop('budget', `the session's cap of ${caps.tokens} tokens was reached (${tokensOf(usage)} used)`);
      const next = this.estimateNextTurn(lastTurn, system, ctx.prompt);
      const left = ctx.runBudgetLeft;
      if (left.usd !== undefined && usage.usd + next.usd > left.usd) {
        return stop(
          'run-budget',
          `the next turn (about $${next.usd.toFixed(4)}) would cross the run's USD budget ($${(usage.usd).toFixed(4)} spent in this session, $${left.usd.toFixed(4)} was left)`,
        );
      }
      if (left.tokens !== undefined && tokensOf(usage) + tokensOf(next) > left.tokens) {
        return stop(
          'run-budget',
          `the next turn (about ${tokensOf(next)} tokens) would cross the run's token budget (${tokensOf(usage)} spent in this session, ${left.tokens} were left)`,
        );
      }
      if (lastTurn && lastTurn.inputTokens + lastTurn.cacheReadTokens + lastTurn.cacheWriteTokens > CONTEXT_SOFT_LIMIT) {
        const n = clearOldToolResults(messages);
        if (n) ctx.transcript.write('note', { text: `cleared ${n} old tool results to keep the context small` });
      }

      let response: Anthropic.Message;
      let turnTimeout: AbortSignal | undefined;
      try {
        const call = await withRetries(
          () => {
            // Each attempt gets what is left of the session; waits between attempts move the deadline.
            turnTimeout = AbortSignal.timeout(Math.max(1000, deadline() - Date.now()));
            return client.messages.create(
              {
                model: this.spec.model,
                max_tokens: this.spec.max_tokens,
                system: [{ type: 'text', text: system, cache_control: EPHEMERAL }],
                tools,
                messages: withBreakpoint(messages),
              },
              { signal: AbortSignal.any([ctx.signal, turnTimeout]) },
            );
          },
          {
            what: `session ${ctx.iteration}, turn ${turns + 1}`,
            signal: ctx.signal,
            retry: this.options.retry,
            onRetry: (e) => {
              waitedMs += e.waitMs; // a wait is not work: it does not count against the session's minutes
              ctx.transcript.write('retry', { turn: turns + 1, ...e });
              ctx.notify?.(
                `session ${ctx.iteration}, turn ${turns + 1}: the model API failed (${e.message}); retry ${e.attempt} in ${Math.round(e.waitMs / 1000)}s`,
              );
            },
          },
        );
        response = call.value;
      } catch (e) {
        if (ctx.signal.aborted) return stop('interrupted', 'the harness was interrupted during a model call');
        if (turnTimeout?.aborted) return stop('timeout', `the session's ${ctx.spec.budget.session.time} ran out during turn ${turns + 1}`);
        ctx.transcript.write('error', { turn: turns + 1, message: describeError(e) });
        if (e instanceof SystemError) throw e;
        if (e instanceof ModelRequestError) {
          // A conversation grown past the context window still leaves work worth measuring.
          const full = /too long|context/i.test(e.message);
          return stop(full ? 'budget' : 'error', full ? 'the conversation outgrew the context window' : e.message, e.message);
        }
        return stop('error', `the model call failed: ${describeError(e)}`);
      }

      turns++;
      lastTurn = turnUsage(response.usage, this.price);
      usage = addUsage(usage, lastTurn);
      ctx.transcript.write('model', {
        turn: turns,
        model: response.model,
        stop_reason: response.stop_reason,
        usage: lastTurn,
        sessionUsd: usage.usd,
        content: response.content,
      });
      messages.push({ role: 'assistant', content: response.content as Anthropic.ContentBlockParam[] });
      const text = lastText(response.content);
      if (text) summary = truncateMiddle(text, 1500);

      const uses = response.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      if (uses.length === 0) {
        if (response.stop_reason === 'max_tokens') {
          messages.push({ role: 'user', content: [{ type: 'text', text: 'Your reply was cut at max_tokens. Continue, in smaller steps.' }] });
          continue;
        }
        if (response.stop_reason === 'pause_turn') {
          continue;
        }
        return stop('done', response.stop_reason ?? 'end_turn');
      }

      const results: Anthropic.ToolResultBlockParam[] = [];
      for (const use of uses) {
        ctx.transcript.write('tool_use', { turn: turns, id: use.id, name: use.name, input: use.input });
        const started = Date.now();
        const outcome = await runTool(use.name, use.input, { sandbox: ctx.sandbox, deadline: deadline(), measure: ctx.measure });
        ctx.transcript.write('tool_result', { turn: turns, id: use.id, isError: outcome.isError, durationMs: Date.now() - started, text: outcome.text });
        results.push({ type: 'tool_result', tool_use_id: use.id, content: outcome.text, ...(outcome.isError ? { is_error: true } : {}) });
        if (outcome.isError) {
          const st = await ctx.sandbox.status().catch(() => ({ running: false, cause: 'the sandbox does not answer' }));
          if (!st.running) return stop('sandbox-died', 'the worker sandbox died', st.cause ?? 'the worker sandbox died');
        }
      }
      messages.push({ role: 'user', content: results });
    }
  }

  /** What the next turn will likely cost: the last turn again, or for the first the prompt written to the cache and a short answer. */
  private estimateNextTurn(last: Usage | undefined, system: string, prompt: string): Usage {
    if (last) return last;
    const promptTokens = Math.ceil((system.length + prompt.length) / 3.5) + 2500; // tool definitions
    const tokens = { inputTokens: 0, outputTokens: 1000, cacheReadTokens: 0, cacheWriteTokens: promptTokens };
    return { ...tokens, usd: costOf(tokens, this.price) };
  }
}
