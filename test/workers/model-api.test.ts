/** baton's retry policy against the fake Messages API: retry-after honoured, storms and refusals end in typed errors. */
import { afterEach, describe, expect, it } from 'vitest';
import { SystemError } from '../../src/errors.js';
import { createClient, ModelRequestError, withRetries, type RetryEvent } from '../../src/workers/model-api.js';
import { apiError, FakeAnthropic, overloaded, rateLimited, reply, sequence, text } from '../helpers/fake-anthropic.js';

let fake: FakeAnthropic | undefined;
afterEach(async () => fake?.stop());

async function call(f: FakeAnthropic, retries: RetryEvent[] = [], maxAttempts = 4) {
  const client = createClient({ ANTHROPIC_API_KEY: 'sk-test-key', ANTHROPIC_BASE_URL: f.url });
  return withRetries(() => client.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 256, messages: [{ role: 'user', content: 'hi' }] }), {
    what: 'the test call',
    retry: { maxAttempts, baseDelayMs: 10, maxDelayMs: 50, maxTotalWaitMs: 10_000 },
    onRetry: (e) => retries.push(e),
  });
}

describe('model API calls', () => {
  it('waits as long as retry-after says on a 429, then succeeds; the key goes to the API only', async () => {
    fake = await new FakeAnthropic(sequence([rateLimited(1), reply([text('hello')])])).start();
    const retries: RetryEvent[] = [];
    const t0 = Date.now();
    const { value, waitedMs } = await call(fake, retries);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
    expect(waitedMs).toBe(1000);
    expect(value.content).toEqual([{ type: 'text', text: 'hello' }]);
    expect(retries).toEqual([expect.objectContaining({ attempt: 1, status: 429, errorType: 'rate_limit_error', waitMs: 1000, waitFrom: 'retry-after' })]);
    expect(fake.requests[0].headers.authorization).toBe('Bearer sk-test-key');
    expect(fake.requests).toHaveLength(2);
  });

  it('a 529 storm ends in one SystemError that says what the API answered', async () => {
    fake = await new FakeAnthropic(() => overloaded(5)).start();
    const err = await call(fake).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SystemError);
    expect((err as SystemError).code).toBe('BATON_MODEL_API');
    expect((err as Error).message).toMatch(/kept failing \(4 attempts\); it last answered: 529: overloaded_error: Overloaded \(request-id req_fake_4\)/);
    expect((err as Error).message).toMatch(/`baton run` again resumes/);
    expect(fake.requests).toHaveLength(4);
  });

  it('a bad key stops at once with a SystemError; a refused request is a ModelRequestError', async () => {
    fake = await new FakeAnthropic(sequence([apiError(401, 'authentication_error', 'invalid x-api-key')])).start();
    const auth = await call(fake).catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(SystemError);
    expect((auth as Error).message).toMatch(/401: authentication_error: invalid x-api-key/);
    expect(fake.requests).toHaveLength(1);
    await fake.stop();
    fake = await new FakeAnthropic(sequence([apiError(400, 'invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum')])).start();
    const bad = await call(fake).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ModelRequestError);
    expect(bad).not.toBeInstanceOf(SystemError);
  });

  it('a dropped connection is retried', async () => {
    fake = await new FakeAnthropic(sequence([reply([text('ok')])])).start();
    const url = fake.url;
    await fake.stop();
    const client = createClient({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: url });
    const retries: RetryEvent[] = [];
    const err = await withRetries(() => client.messages.create({ model: 'm', max_tokens: 256, messages: [{ role: 'user', content: 'x' }] }), {
      what: 'x',
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 5, maxTotalWaitMs: 1000 },
      onRetry: (e) => retries.push(e),
    }).catch((e: unknown) => e);
    expect(retries[0].message).toMatch(/connection error/);
    expect(err).toBeInstanceOf(SystemError);
    fake = undefined;
  });
});
