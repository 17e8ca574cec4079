/**
 * The command worker with a small script standing in for a CLI agent, run by
 * `baton run` as a user types it with real Docker: it edits files, its
 * environment holds only what the spec names, its JSON report becomes the
 * ledger's usage, and the session's time limit kills it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerReady } from '../sandbox/guard.js';
import { BATON_BIN } from '../helpers/cli.js';
import { agentExperiment, ledgerOf, removeExperiments, RK4, SECRET_KEY, transcriptOf } from './agent-helpers.js';

afterAll(removeExperiments);

const ready = await dockerReady();

function run(dir: string) {
  return execa('node', [BATON_BIN, 'run', dir], {
    reject: false,
    timeout: 400_000,
    stdin: 'ignore',
    env: { ANTHROPIC_API_KEY: SECRET_KEY, AGENT_ALLOWED: 'yes-you-may', AGENT_SECRET: 'not-for-the-agent' },
  });
}

function commandExperiment(command: string, time = '3m'): Promise<string> {
  return agentExperiment((s) => {
    s.worker = { kind: 'command', command, env: ['AGENT_ALLOWED'] };
    s.expose = ['files/*'];
    s.budget.iterations = 1;
    s.budget.session.time = time;
  });
}

describe.runIf(ready.ok)('command worker with real Docker', () => {
  it('runs the agent with the prompt on stdin and in a file; it edits files; env only by name; usage from its JSON', async () => {
    const dir = await commandExperiment('bash /baton/exposed/files/agent.sh');
    const r = await run(dir);
    expect(r.exitCode, r.stderr).toBe(0);
    const ws = path.join(dir, 'workspace');
    expect(fs.readFileSync(path.join(ws, 'solve.py'), 'utf8')).toBe(RK4);
    const ledger = ledgerOf(dir);
    expect(ledger.map((x) => [x.iteration, x.verdict.kind])).toEqual([
      [0, 'baseline'],
      [1, 'met'],
    ]);
    const env = fs.readFileSync(path.join(ws, 'agent-env.txt'), 'utf8');
    expect(env).toMatch(/^stdin_chars=[1-9]\d{2,}$/m);
    expect(env).toContain('prompt_file=/tmp/baton/prompt.md');
    expect(env).toContain('prompt_file_first_line=You are session 1 of a baton run on "agent"');
    expect(env).toContain('AGENT_ALLOWED=yes-you-may');
    expect(env).not.toContain('not-for-the-agent');
    expect(env).not.toContain(SECRET_KEY);
    expect(env).not.toContain('ANTHROPIC');
    const s1 = ledger[1].session!;
    expect(s1).toMatchObject({ stopReason: 'done', summary: 'copied RK4 into solve.py' });
    expect(s1.usage).toEqual({ inputTokens: 100, outputTokens: 20, cacheReadTokens: 300, cacheWriteTokens: 40, usd: 0.25 });
    // the initializer ran the same agent; only PLAN.md could have survived it, and its cost is the baseline's
    expect(ledger[0].session?.usage.usd).toBe(0.25);
    const baselineTree = (await execa('git', ['show', `${ledger[1].commit}~1:solve.py`], { cwd: ws })).stdout;
    expect(baselineTree).not.toBe(RK4.trimEnd());
  }, 600_000);

  it("the session's time limit kills the agent; the work it did before counts", async () => {
    const dir = await commandExperiment('bash /baton/exposed/files/agent.sh 600', '8s');
    const started = Date.now();
    const r = await run(dir);
    expect(r.exitCode, r.stderr).toBe(0);
    const s1 = ledgerOf(dir).find((x) => x.iteration === 1)!.session!;
    expect(s1.stopReason).toBe('timeout');
    expect(s1.summary).toMatch(/killed when the session's 8s ran out/);
    expect(s1.durationMs).toBeLessThan(40_000);
    expect(Date.now() - started).toBeLessThan(300_000);
    const exec = transcriptOf(dir, 1).find((e) => e.type === 'exec')!;
    expect(exec.timedOut).toBe(true);
    expect(fs.existsSync(path.join(dir, 'workspace', 'late.txt'))).toBe(false);
    expect(ledgerOf(dir).find((x) => x.iteration === 1)!.verdict.kind).toBe('met');
  }, 600_000);
});
