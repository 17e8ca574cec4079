/**
 * The Messages API as baton calls it: one client read from the harness's own
 * environment (the key never goes anywhere else), and one retry policy of
 * baton's (the SDK's own retries are off) so that every wait honours
 * `retry-after`, is bounded, is written to the transcript, and a storm ends
 * in one SystemError that says what the API answered.
 */
import Anthropic from '@anthropic-ai/sdk';
import { BatonError, describeError, SystemError, UserError } from '../errors.js';

/** How long and how often a failing call is retried. Every field is a hard limit. */
export interface RetryPolicy {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** First backoff when the API gives no retry-after; doubled each attempt. */
  baseDelayMs: number;
  /** Longest backoff of baton's own choosing. */
  maxDelayMs: number;
  /** Total time one call may spend waiting, retry-after included. */
  maxTotalWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 60_000, maxTotalWaitMs: 30 * 60_000 };

/** One retry, for the transcript. */
export interface RetryEvent {
  attempt: number;
  status?: number;
  errorType?: string;
  message: string;
  waitMs: number;
  /** Where the wait came from: the API's retry-after header or baton's backoff. */
  waitFrom: 'retry-after' | 'backoff';
}

/** A client from the harness environment: ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) and ANTHROPIC_BASE_URL. */
export function createClient(env: NodeJS.ProcessEnv = process.env, timeoutMs = 10 * 60_000): Anthropic {
  const apiKey = env.ANTHROPIC_API_KEY;
  const authToken = env.ANTHROPIC_AUTH_TOKEN;
  if (!apiKey && !authToken) {
    throw new UserError(
      'the anthropic worker needs ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) in the environment of `baton run`; it stays in the harness and never enters a sandbox',
      {
        code: 'BATON_MODEL_API',
      },
    );
  }
  return new Anthropic({
    ...(apiKey ? { apiKey } : { authToken }),
    baseURL: env.ANTHROPIC_BASE_URL || undefined,
    maxRetries: 0,
    timeout: timeoutMs,
    logLevel: 'off',
  });
}

/** Whether an SDK error is worth retrying: rate limits, overload, server errors, timeouts, dropped connections. */
export function isRetryable(e: unknown): boolean {
  if (e instanceof Anthropic.APIUserAbortError) return false;
  if (e instanceof Anthropic.APIConnectionError) return true;
  if (e instanceof Anthropic.APIError && typeof e.status === 'number') {
    const s = e.status;
    return s === 408 || s === 409 || s === 429 || s >= 500;
  }
  return false;
}

/** Milliseconds the API asked to wait (retry-after-ms, retry-after in seconds or as a date), if it did. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number.parseFloat(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** What the API answered, in one line: status, error type, message, request id. */
export function describeApiError(e: unknown): string {
  if (e instanceof Anthropic.APIError) {
    const parts = [e.status ? String(e.status) : e instanceof Anthropic.APIConnectionError ? 'connection error' : 'no status'];
    if (e.type) parts.push(e.type);
    const msg = e.apiMessage ?? (e.cause ? describeError(e.cause) : e.message);
    if (msg) parts.push(msg);
    const text = parts.join(': ');
    return e.requestID ? `${text} (request-id ${e.requestID})` : text;
  }
  return describeError(e);
}

/** The API refused this request for a reason another attempt will not change (400, 413, 422). The session ends; the run goes on. */
export class ModelRequestError extends BatonError {}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface CallOptions {
  retry?: RetryPolicy;
  signal?: AbortSignal;
  onRetry?: (e: RetryEvent) => void;
  /** What the call is for, in error messages ("the worker's turn 3", "the model judge"). */
  what: string;
}

/**
 * Calls `fn` until it succeeds, retrying what is retryable within the policy.
 * Returns the value and how long it waited. Throws a SystemError
 * (BATON_MODEL_API) when the API keeps failing or refuses the credentials,
 * a ModelRequestError when it refuses this request, and rethrows aborts.
 */
export async function withRetries<T>(fn: () => Promise<T>, options: CallOptions): Promise<{ value: T; waitedMs: number }> {
  const policy = options.retry ?? DEFAULT_RETRY;
  let waitedMs = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await fn(), waitedMs };
    } catch (e) {
      if (options.signal?.aborted || e instanceof Anthropic.APIUserAbortError) throw e;
      const answer = describeApiError(e);
      const status = e instanceof Anthropic.APIError ? e.status : undefined;
      if (!isRetryable(e)) {
        if (status === 401 || status === 403 || status === 404 || status === 402) {
          throw new SystemError(
            `${options.what}: the model API refused the request: ${answer}. Check the key, the model name and ANTHROPIC_BASE_URL; \`baton run\` again resumes.`,
            {
              code: 'BATON_MODEL_API',
              context: { status, answer },
              cause: e,
            },
          );
        }
        if (e instanceof Anthropic.APIError) {
          throw new ModelRequestError(`${options.what}: the model API refused the request: ${answer}`, {
            code: 'BATON_MODEL_API',
            context: { status, answer },
            cause: e,
          });
        }
        throw e; // a programming error of ours, not the API's
      }
      const asked = e instanceof Anthropic.APIError ? retryAfterMs(e.headers) : undefined;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (1 - Math.random() * 0.25);
      const waitMs = Math.round(asked ?? backoff);
      if (attempt >= policy.maxAttempts || waitedMs + waitMs > policy.maxTotalWaitMs) {
        const why =
          attempt >= policy.maxAttempts
            ? `${attempt} attempts`
            : `${attempt} attempts and ${Math.round(waitedMs / 1000)}s of waiting (the API asked for ${Math.round(waitMs / 1000)}s more)`;
        throw new SystemError(
          `${options.what}: the model API kept failing (${why}); it last answered: ${answer}. ` +
            'The run stopped with its state intact; `baton run` again resumes when the API is back.',
          { code: 'BATON_MODEL_API', context: { status, answer, attempts: attempt, waitedMs }, cause: e },
        );
      }
      options.onRetry?.({
        attempt,
        status,
        errorType: e instanceof Anthropic.APIError ? (e.type ?? undefined) : undefined,
        message: answer,
        waitMs,
        waitFrom: asked !== undefined ? 'retry-after' : 'backoff',
      });
      await sleep(waitMs, options.signal);
      waitedMs += waitMs;
    }
  }
}
