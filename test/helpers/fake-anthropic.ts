/**
 * A local stand-in for the Anthropic Messages API (POST /v1/messages), bound
 * to 127.0.0.1 on a random port, speaking its wire format: message bodies
 * with text and tool_use blocks, usage with the cache fields, error bodies
 * `{type: "error", error: {type, message}}` with the real status codes and
 * retry-after headers. Each test scripts it; it records every request.
 * No streaming: baton's worker does not stream.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

export type FakeBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** What the fake answers to one request. */
export type FakeStep =
  | { kind: 'message'; content: FakeBlock[]; stop_reason?: 'end_turn' | 'tool_use' | 'max_tokens'; usage?: FakeUsage; delayMs?: number }
  | { kind: 'error'; status: number; type: string; message: string; headers?: Record<string, string> };

/** One request as the fake saw it. */
export interface RecordedRequest {
  index: number;
  headers: http.IncomingHttpHeaders;
  body: {
    model: string;
    max_tokens: number;
    system?: unknown;
    tools?: Array<Record<string, unknown>>;
    messages: Array<{ role: string; content: unknown }>;
  };
}

export type FakeScript = (req: RecordedRequest) => FakeStep;

export const DEFAULT_USAGE: FakeUsage = { input_tokens: 1000, output_tokens: 200, cache_creation_input_tokens: 3000, cache_read_input_tokens: 5000 };

let ids = 0;
/** A tool_use block. */
export function toolUse(name: string, input: Record<string, unknown>): FakeBlock {
  return { type: 'tool_use', id: `toolu_fake_${++ids}`, name, input };
}
/** A text block. */
export function text(t: string): FakeBlock {
  return { type: 'text', text: t };
}
/** An assistant message; stop_reason is tool_use when it holds a tool call. */
export function reply(content: FakeBlock[], usage: FakeUsage = DEFAULT_USAGE): FakeStep {
  return { kind: 'message', content, usage, stop_reason: content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn' };
}
/** An API error as the real API sends it. */
export function apiError(status: number, type: string, message: string, headers: Record<string, string> = {}): FakeStep {
  return { kind: 'error', status, type, message, headers };
}
export const rateLimited = (retryAfterS = 1): FakeStep =>
  apiError(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', { 'retry-after': String(retryAfterS) });
export const overloaded = (retryAfterMs = 5): FakeStep => apiError(529, 'overloaded_error', 'Overloaded', { 'retry-after-ms': String(retryAfterMs) });

/** Plays `steps` in order, then `after` for every later request. */
export function sequence(steps: FakeStep[], after: FakeStep = reply([text('done')])): FakeScript {
  return (req) => steps[req.index] ?? after;
}

/** The text of every tool_result the worker sent in a request. */
export function toolResults(req: RecordedRequest): Array<{ tool_use_id: string; content: string; is_error?: boolean }> {
  const out: Array<{ tool_use_id: string; content: string; is_error?: boolean }> = [];
  const last = req.body.messages[req.body.messages.length - 1];
  if (!last || !Array.isArray(last.content)) return out;
  for (const b of last.content as Array<Record<string, unknown>>) {
    if (b.type !== 'tool_result') continue;
    const c = b.content;
    const textOf = typeof c === 'string' ? c : Array.isArray(c) ? c.map((x: { text?: string }) => x.text ?? '').join('') : '';
    out.push({ tool_use_id: String(b.tool_use_id), content: textOf, is_error: b.is_error as boolean | undefined });
  }
  return out;
}

/** All text the worker sent in a request (every message), for searching. */
export function requestText(req: RecordedRequest): string {
  return JSON.stringify(req.body.messages);
}

export class FakeAnthropic {
  readonly requests: RecordedRequest[] = [];
  private server?: http.Server;
  url = '';

  constructor(public script: FakeScript) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Requests for one model (the worker's or the judge's). */
  requestsFor(model: string): RecordedRequest[] {
    return this.requests.filter((r) => r.body.model === model);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const requestId = `req_fake_${this.requests.length + 1}`;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
      send(404, { type: 'error', error: { type: 'not_found_error', message: `no route ${req.method} ${req.url}` } });
      return;
    }
    let body: RecordedRequest['body'];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      send(400, { type: 'error', error: { type: 'invalid_request_error', message: 'body is not JSON' } });
      return;
    }
    const recorded: RecordedRequest = { index: this.requests.length, headers: req.headers, body };
    this.requests.push(recorded);
    let step: FakeStep;
    try {
      step = this.script(recorded);
    } catch (e) {
      send(500, { type: 'error', error: { type: 'api_error', message: `fake script failed: ${(e as Error).message}` } });
      return;
    }
    if (step.kind === 'error') {
      send(step.status, { type: 'error', error: { type: step.type, message: step.message }, request_id: requestId }, step.headers);
      return;
    }
    if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
    if (res.destroyed) return;
    send(200, {
      id: `msg_fake_${recorded.index + 1}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: step.content,
      stop_reason: step.stop_reason ?? 'end_turn',
      stop_sequence: null,
      usage: { cache_creation_input_tokens: 0, cache_read_input_tokens: 0, ...(step.usage ?? DEFAULT_USAGE) },
    });
  }
}
