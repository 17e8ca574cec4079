/**
 * The anthropic worker's loop in isolation: the fake Messages API and a
 * scripted sandbox handle (the Docker path is tested in *.docker.test.ts).
 * A tool that throws becomes an is_error tool_result and the loop goes on;
 * a dead sandbox, the token cap, max_tokens, a refused request.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecResult, SandboxHandle } from '../../src/sandbox/types.js';
import { Spec } from '../../src/spec/schema.js';
import { AnthropicWorker } from '../../src/workers/anthropic.js';
import { createClient } from '../../src/workers/model-api.js';
import { Transcript } from '../../src/workers/transcript.js';
import type { SessionContext } from '../../src/workers/types.js';
import { apiError, FakeAnthropic, reply, sequence, text, toolResults, toolUse } from '../helpers/fake-anthropic.js';
import { tmpDir } from '../helpers/tmp.js';

let fake: FakeAnthropic | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await fake?.stop();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const spec = Spec.parse({
  name: 'loop',
  goal: 'g',
  oracles: [{ id: 'a', kind: 'command', run: 'true' }],
  thresholds: { 'a.b.c': '< 1' },
  worker: { kind: 'anthropic', model: 'claude-sonnet-5-5' },
  budget: { session: { time: '5m', turns: 10, tokens: 50_000 } },
});

function sandbox(exec: (cmd: string) => Partial<ExecResult> | Error, running = () => true): SandboxHandle {
  return {
    id: 'fake',
    kind: 'local',
    async exec(command) {
      const r = exec(command);
      if (r instanceof Error) throw r;
      return {
        command,
        exitCode: 0,
        stdout: '',
        stderr: '',
        timedOut: false,
        oomKilled: false,
        sandboxDied: false,
        outputTruncated: false,
        durationMs: 1,
        ...r,
      };
    },
    async status() {
      return running() ? { running: true } : { running: false, cause: 'killed from outside' };
    },
    async stop() {},
  };
}

async function session(f: FakeAnthropic, sb: SandboxHandle, over: Partial<SessionContext> = {}) {
  const dir = tmpDir();
  dirs.push(dir);
  const worker = new AnthropicWorker(spec.worker as Extract<Spec['worker'], { kind: 'anthropic' }>, {
    client: createClient({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: f.url }),
  });
  const transcript = new Transcript(path.join(dir, 't'), 1);
  const result = await worker.runSession({
    spec,
    experimentDir: dir,
    iteration: 1,
    sessionIndex: 0,
    sandbox: sb,
    prompt: 'You are session 1',
    deadline: Date.now() + 60_000,
    runBudgetLeft: {},
    transcript,
    signal: new AbortController().signal,
    ...over,
  });
  return {
    result,
    transcript: fs
      .readFileSync(transcript.file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
  };
}

describe('the anthropic agent loop', () => {
  it('a tool that throws answers is_error and the loop goes on', async () => {
    fake = await new FakeAnthropic(
      sequence([reply([toolUse('bash', { command: 'ls' })]), reply([toolUse('measure', {})]), reply([text('done anyway')])]),
    ).start();
    const { result } = await session(
      fake,
      sandbox(() => new Error('engine hiccup')),
      {
        measure: async () => {
          throw new Error('oracle sandbox would not start');
        },
      },
    );
    expect(result).toMatchObject({ stopReason: 'done', summary: 'done anyway' });
    expect(toolResults(fake.requests[1])).toEqual([expect.objectContaining({ is_error: true, content: 'the tool failed: engine hiccup' })]);
    expect(toolResults(fake.requests[2])).toEqual([expect.objectContaining({ is_error: true, content: 'the tool failed: oracle sandbox would not start' })]);
  });

  it('a failing command answers its output and exit code; the editor refuses an ambiguous replace', async () => {
    fake = await new FakeAnthropic(
      sequence([
        reply([
          toolUse('bash', { command: 'false' }),
          toolUse('str_replace_based_edit_tool', { command: 'str_replace', path: 'a.py', old_str: 'x', new_str: 'y' }),
        ]),
        reply([text('ok')]),
      ]),
    ).start();
    const sb = sandbox((cmd) => (cmd.startsWith('cat -- ') ? { stdout: 'x = x\n' } : cmd.startsWith('bash -c') ? { exitCode: 1, stderr: 'boom' } : {}));
    await session(fake, sb);
    const [bash, edit] = toolResults(fake.requests[1]);
    expect(bash).toEqual(expect.objectContaining({ content: 'boom\n[exit code 1]' }));
    expect(bash.is_error).toBeUndefined();
    expect(edit).toMatchObject({ is_error: true, content: 'old_str occurs 2 times in /workspace/a.py; include more context so it is unique' });
  });

  it('stops as sandbox-died when the sandbox is gone', async () => {
    fake = await new FakeAnthropic(() => reply([toolUse('bash', { command: 'sleep 1' })])).start();
    const { result } = await session(
      fake,
      sandbox(
        () => ({ exitCode: null, sandboxDied: true, cause: 'container killed' }),
        () => false,
      ),
    );
    expect(result).toMatchObject({ stopReason: 'sandbox-died', cause: 'killed from outside' });
  });

  it("stops at the session's token cap and asks to go on after max_tokens", async () => {
    const big = { input_tokens: 20_000, output_tokens: 1000 };
    fake = await new FakeAnthropic(
      sequence([{ kind: 'message', content: [text('long...')], stop_reason: 'max_tokens', usage: big }], reply([toolUse('bash', { command: 'true' })], big)),
    ).start();
    const { result, transcript } = await session(
      fake,
      sandbox(() => ({})),
    );
    expect(result.stopReason).toBe('budget');
    expect(result.summary).toMatch(/cap of 50000 tokens was reached \(63000 used\)/);
    expect(JSON.stringify(fake.requests[1].body.messages)).toContain('cut at max_tokens');
    expect(transcript.filter((e) => e.type === 'model')).toHaveLength(3);
  });

  it('a request the API refuses ends the session with what it said, usage kept', async () => {
    fake = await new FakeAnthropic(
      sequence([reply([toolUse('bash', { command: 'true' })]), apiError(400, 'invalid_request_error', 'messages.1: tool_use ids must be unique')]),
    ).start();
    const { result } = await session(
      fake,
      sandbox(() => ({})),
    );
    expect(result.stopReason).toBe('error');
    expect(result.cause).toMatch(/400: invalid_request_error: messages.1: tool_use ids must be unique/);
    expect(result.usage.inputTokens).toBe(1000);
  });

  it('a session past its deadline stops as timeout before calling the model', async () => {
    fake = await new FakeAnthropic(() => reply([text('x')])).start();
    const { result } = await session(
      fake,
      sandbox(() => ({})),
      { deadline: Date.now() - 1 },
    );
    expect(result.stopReason).toBe('timeout');
    expect(fake.requests).toHaveLength(0);
  });
});
