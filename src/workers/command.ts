/**
 * The command worker: any CLI agent (`claude -p`, `codex exec`, `aider`, a
 * script) run inside the worker sandbox with the prompt on stdin and in
 * $BATON_PROMPT_FILE, for the session's minutes. Its environment holds only
 * what the spec names (session.ts builds it). Usage is read from its output
 * when it prints JSON with a cost, as `claude -p --output-format json` does.
 */
import { ZERO_USAGE, type Usage } from '../ledger/record.js';
import type { Spec } from '../spec/schema.js';
import { shq } from './shell.js';
import { truncateMiddle } from './tools.js';
import type { SessionContext, SessionResult, StopReason, Worker } from './types.js';

type CommandSpec = Extract<Spec['worker'], { kind: 'command' }>;

/** Where the prompt file lives inside the sandbox (the tmpfs). */
export const PROMPT_FILE = '/tmp/baton/prompt.md';
const TRANSCRIPT_CHARS = 200_000;

/** What a CLI agent reported about itself, when it printed JSON. */
export interface ParsedReport {
  usage?: Usage;
  summary?: string;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}

/** The last JSON object in the output: the whole output, else the last line that parses. */
function lastJsonObject(stdout: string): Record<string, unknown> | undefined {
  const tryParse = (s: string): Record<string, unknown> | undefined => {
    try {
      const v: unknown = JSON.parse(s);
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  const whole = tryParse(stdout.trim());
  if (whole) return whole;
  const lines = stdout.trim().split('\n');
  for (let i = lines.length - 1; i >= 0 && i >= lines.length - 50; i--) {
    const line = lines[i].trim();
    if (line.startsWith('{')) {
      const v = tryParse(line);
      if (v) return v;
    }
  }
  return undefined;
}

/**
 * Usage and summary from a CLI agent's JSON report: `total_cost_usd` (or
 * `cost_usd`), `usage` with Anthropic's token fields, and `result`. Pure.
 */
export function parseAgentReport(stdout: string): ParsedReport {
  const obj = lastJsonObject(stdout);
  if (!obj) return {};
  const out: ParsedReport = {};
  if (typeof obj.result === 'string' && obj.result.trim()) out.summary = obj.result.trim();
  const cost = obj.total_cost_usd ?? obj.cost_usd;
  const u = (obj.usage && typeof obj.usage === 'object' ? obj.usage : undefined) as Record<string, unknown> | undefined;
  if (typeof cost === 'number' || u) {
    out.usage = {
      inputTokens: Math.round(num(u?.input_tokens)),
      outputTokens: Math.round(num(u?.output_tokens)),
      cacheReadTokens: Math.round(num(u?.cache_read_input_tokens)),
      cacheWriteTokens: Math.round(num(u?.cache_creation_input_tokens)),
      usd: num(cost),
    };
  }
  return out;
}

export class CommandWorker implements Worker {
  readonly kind = 'command' as const;

  constructor(private readonly spec: CommandSpec) {}

  async runSession(ctx: SessionContext): Promise<SessionResult> {
    ctx.transcript.write('prompt', { chars: ctx.prompt.length, prompt: ctx.prompt, command: this.spec.command });
    const write = await ctx.sandbox.exec(`mkdir -p /tmp/baton && cat > ${shq(PROMPT_FILE)}`, { stdin: ctx.prompt, timeoutMs: 60_000 });
    if (write.exitCode !== 0) {
      return this.stop(
        ctx,
        '(the prompt could not be written)',
        write.sandboxDied ? 'sandbox-died' : 'error',
        `writing ${PROMPT_FILE}: ${write.cause ?? write.stderr.trim()}`,
      );
    }
    const timeoutMs = Math.max(1000, ctx.deadline - Date.now());
    const r = await ctx.sandbox.exec(this.spec.command, {
      stdin: ctx.prompt,
      cwd: '/workspace',
      timeoutMs,
      env: { BATON_PROMPT_FILE: PROMPT_FILE },
    });
    ctx.transcript.write('exec', {
      command: r.command,
      exitCode: r.exitCode,
      timedOut: r.timedOut,
      oomKilled: r.oomKilled,
      sandboxDied: r.sandboxDied,
      cause: r.cause,
      durationMs: r.durationMs,
      stdout: truncateMiddle(r.stdout, TRANSCRIPT_CHARS),
      stderr: truncateMiddle(r.stderr, TRANSCRIPT_CHARS),
    });
    const report = parseAgentReport(r.stdout);
    const usage = report.usage ?? { ...ZERO_USAGE };
    const summary = report.summary ? truncateMiddle(report.summary, 1500) : tail(r.stdout) || '(the command printed nothing)';
    if (ctx.signal.aborted) return this.stop(ctx, summary, 'interrupted', 'the harness was interrupted', usage);
    if (r.sandboxDied) return this.stop(ctx, summary, 'sandbox-died', r.cause ?? 'the worker sandbox died', usage);
    if (r.oomKilled) return this.stop(ctx, summary, 'oom', `out of memory: ${this.spec.command}`, usage);
    if (r.timedOut) return this.stop(ctx, summary, 'timeout', `the command was killed when the session's ${ctx.spec.budget.session.time} ran out`, usage);
    if (r.exitCode !== 0) return this.stop(ctx, summary, 'error', `the command exited with ${r.exitCode}: ${tail(r.stderr) || tail(r.stdout)}`, usage);
    ctx.transcript.write('stop', { reason: 'done', usage });
    return { summary, stopReason: 'done', usage };
  }

  private stop(ctx: SessionContext, summary: string, stopReason: StopReason, cause: string, usage: Usage = { ...ZERO_USAGE }): SessionResult {
    ctx.transcript.write('stop', { reason: stopReason, cause, usage });
    const text = stopReason === 'timeout' ? `${summary} [stopped: ${cause}]` : summary;
    return { summary: text, stopReason, cause, usage };
  }
}

function tail(text: string, chars = 500): string {
  const t = text.trim();
  return t.length <= chars ? t : `...${t.slice(-chars)}`;
}
