/**
 * The anthropic worker end to end: `baton run` as a user types it, real
 * Docker sandboxes and oracles, the fake Messages API in place of the real
 * one. One scripted run covers the initializer, tool calls that edit the
 * workspace inside the container, `measure` with real oracle numbers, the
 * key's absence from the container, a 429 that costs no iteration, caching
 * and the costs in the ledger.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../src/ledger/record.js';
import { dockerReady } from '../sandbox/guard.js';
import {
  DEFAULT_USAGE,
  FakeAnthropic,
  rateLimited,
  reply,
  requestText,
  text,
  toolResults,
  toolUse,
  type FakeStep,
  type RecordedRequest,
} from '../helpers/fake-anthropic.js';
import {
  agentExperiment,
  batonRun,
  expectedUsd,
  isInitializer,
  ledgerOf,
  removeExperiments,
  RK4,
  SECRET_KEY,
  sessionOf,
  transcriptOf,
  turnOf,
} from './agent-helpers.js';

const ready = await dockerReady();
const MODEL = 'claude-sonnet-5-5';
const ENV_DUMP = 'env; echo ---PID1---; tr "\\0" "\\n" < /proc/1/environ; echo ---END---';

describe.runIf(ready.ok)('anthropic worker: baton run with a scripted model, real Docker and oracles', () => {
  let fake: FakeAnthropic;
  let dir: string;
  let result: Awaited<ReturnType<typeof batonRun>>;
  let ledger: LedgerRecord[];
  let rateLimitedOnce = false;

  function script(req: RecordedRequest): FakeStep {
    if (isInitializer(req)) {
      if (turnOf(req) === 0) {
        return reply([
          text('Writing the plan.'),
          toolUse('str_replace_based_edit_tool', {
            command: 'create',
            path: '/workspace/PLAN.md',
            file_text: '# Plan\n\n- [ ] replace Euler by RK4 -> accuracy.solution.y.max_abs\n',
          }),
          toolUse('bash', { command: 'echo stray > /workspace/stray.txt && echo "# broken" >> solve.py' }),
        ]);
      }
      return reply([text('Plan written.')]);
    }
    switch (turnOf(req)) {
      case 0:
        if (!rateLimitedOnce) {
          rateLimitedOnce = true;
          return rateLimited(1);
        }
        return reply([toolUse('bash', { command: `cd /tmp && export BATON_PROBE=42; ${ENV_DUMP}` })]);
      case 1:
        return reply([
          toolUse('str_replace_based_edit_tool', { command: 'create', path: 'solve.py', file_text: RK4 }),
          toolUse('bash', { command: 'pwd; echo probe=$BATON_PROBE' }),
        ]);
      case 2:
        return reply([toolUse('str_replace_based_edit_tool', { command: 'view', path: '/workspace/solve.py', view_range: [1, 3] }), toolUse('measure', {})]);
      default:
        return reply([text('Replaced Euler by classical RK4; measure says the error is far below 1e-6.')]);
    }
  }

  beforeAll(async () => {
    fake = await new FakeAnthropic(script).start();
    dir = await agentExperiment();
    result = await batonRun(dir, fake);
    ledger = ledgerOf(dir);
  }, 420_000);
  afterAll(async () => {
    await fake?.stop();
    removeExperiments();
  });

  it('ends met after one iteration, the 429 costing none', () => {
    expect(result.exitCode, `${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('met: every threshold holds (after 1 iteration)');
    expect(ledger.map((r) => [r.iteration, r.verdict.kind])).toEqual([
      [0, 'baseline'],
      [1, 'met'],
    ]);
    const retries = transcriptOf(dir, 1).filter((e) => e.type === 'retry');
    expect(retries).toEqual([expect.objectContaining({ status: 429, errorType: 'rate_limit_error', waitMs: 1000, waitFrom: 'retry-after' })]);
  });

  it('the initializer wrote PLAN.md and nothing else it touched survived; its cost is the baseline session', async () => {
    const ws = path.join(dir, 'workspace');
    const plan = (await execa('git', ['show', `${ledger[0].commit}:solve.py`], { cwd: ws })).stdout;
    expect(plan).not.toContain('# broken');
    const baselineCommit = (await execa('git', ['log', '--format=%H', '--grep', 'baseline measured', 'main'], { cwd: ws })).stdout.trim();
    expect((await execa('git', ['show', `${baselineCommit}:PLAN.md`], { cwd: ws })).stdout).toContain('replace Euler by RK4');
    expect(fs.existsSync(path.join(ws, 'stray.txt'))).toBe(false);
    expect(ledger[0].session).toMatchObject({ stopReason: 'done', summary: 'Plan written.' });
    expect(ledger[0].session!.usage.usd).toBeCloseTo(expectedUsd(MODEL, DEFAULT_USAGE, 2), 12);
  });

  it('tool calls edited the workspace inside the container, and measure answered real oracle numbers', () => {
    const ws = path.join(dir, 'workspace');
    expect(fs.readFileSync(path.join(ws, 'solve.py'), 'utf8')).toBe(RK4);
    const measured = fake.requests.filter((r) => !isInitializer(r) && turnOf(r) === 3).flatMap(toolResults);
    expect(measured).toHaveLength(2);
    expect(measured[0].content).toMatch(/^\s+1\t/); // the editor's numbered view
    const table = measured[1].content;
    const row = table.split('\n').find((l) => l.includes('accuracy.solution.y.max_abs'))!;
    const latest = Number(row.split('|')[2].trim());
    expect(latest).toBeGreaterThan(0);
    expect(latest).toBeLessThan(1e-6);
    expect(row.trim().endsWith('| yes |')).toBe(true);
    expect(ledger[1].metrics['accuracy.solution.y.max_abs']).toBeCloseTo(latest, 12);
  });

  it("bash keeps its working directory and exports between calls, as Anthropic's bash tool promises", () => {
    const [created, probe] = fake.requests.filter((r) => !isInitializer(r) && turnOf(r) === 2).flatMap(toolResults);
    expect(created.content).toMatch(/^created \/workspace\/solve.py/);
    expect(probe.content).toBe('/tmp\nprobe=42\n');
  });

  it('the API key set in the harness is absent from the container env and /proc/1/environ', () => {
    const dump = fake.requests.filter((r) => !isInitializer(r) && turnOf(r) === 1).flatMap(toolResults)[0].content;
    expect(dump).toContain('BATON_ITERATION=1');
    expect(dump).toContain('---PID1---');
    expect(dump).toContain('---END---');
    expect(dump).not.toContain(SECRET_KEY);
    expect(dump).not.toMatch(/ANTHROPIC/);
    for (const r of fake.requests) expect(r.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
    // and nowhere in what baton wrote down
    for (const f of fs.readdirSync(path.join(dir, '.baton', 'transcripts'))) {
      expect(fs.readFileSync(path.join(dir, '.baton', 'transcripts', f), 'utf8')).not.toContain(SECRET_KEY);
    }
  });

  it('caches the stable prefix and the conversation, and sends the tools', () => {
    const first = fake.requests.find((r) => sessionOf(r) === 1)!;
    expect(first.body.system).toEqual([expect.objectContaining({ type: 'text', cache_control: { type: 'ephemeral' } })]);
    const blocks = first.body.messages[0].content as Array<{ text: string; cache_control?: unknown }>;
    expect(blocks[0].text).toMatch(/^## The contract \(PROMPT.md\)/);
    expect(blocks[0].cache_control).toEqual({ type: 'ephemeral' });
    expect(first.body.tools!.map((t) => t.type ?? t.name)).toEqual(['bash_20250124', 'text_editor_20250728', 'measure']);
    const later = fake.requests.filter((r) => sessionOf(r) === 1 && turnOf(r) === 2)[0];
    const lastMsg = later.body.messages[later.body.messages.length - 1].content as Array<{ cache_control?: unknown }>;
    expect(lastMsg[lastMsg.length - 1].cache_control).toEqual({ type: 'ephemeral' });
    expect(requestText(later)).toContain('tool_result');
  });

  it('the ledger costs are the fake usage times the price table, per turn in the transcript', () => {
    const s = ledger[1].session!;
    expect(s.usage).toMatchObject({ inputTokens: 4000, outputTokens: 800, cacheReadTokens: 20_000, cacheWriteTokens: 12_000 });
    expect(s.usage.usd).toBeCloseTo(expectedUsd(MODEL, DEFAULT_USAGE, 4), 12);
    const turns = transcriptOf(dir, 1).filter((e) => e.type === 'model');
    expect(turns).toHaveLength(4);
    for (const t of turns) expect((t.usage as { usd: number }).usd).toBeCloseTo(expectedUsd(MODEL, DEFAULT_USAGE, 1), 12);
  });

  it('`baton log --session 1` reads the transcript', async () => {
    const log = await execa('node', [path.resolve('bin/baton.js'), 'log', dir, '--session', '1'], { reject: false });
    expect(log.exitCode, log.stderr).toBe(0);
    expect(log.stdout).toMatch(/tool_use|bash/);
  });
});
