/**
 * The anthropic worker when things go wrong, with `baton run` as a user types
 * it, real Docker and the fake Messages API: a 529 storm stops the run with
 * its state intact and the next run resumes; the turn cap and the USD cap
 * stop sessions and the run; the model judge's malformed answer keeps the
 * run from ending as met.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { totalUsage } from '../../src/ledger/query.js';
import { dockerReady } from '../sandbox/guard.js';
import { baton } from '../helpers/cli.js';
import { DEFAULT_USAGE, FakeAnthropic, overloaded, reply, text, toolUse, type FakeStep, type RecordedRequest } from '../helpers/fake-anthropic.js';
import { agentExperiment, batonRun, expectedUsd, isInitializer, journalOf, ledgerOf, removeExperiments, RK4, transcriptOf, turnOf } from './agent-helpers.js';

const ready = await dockerReady();
const MODEL = 'claude-sonnet-5-5';
const JUDGE = 'claude-haiku-4-5';
const TURN_USD = expectedUsd(MODEL, DEFAULT_USAGE, 1);

let fake: FakeAnthropic | undefined;
afterEach(async () => fake?.stop());
afterAll(removeExperiments);

/** A worker that writes RK4 and stops; the initializer just answers. */
function solver(req: RecordedRequest): FakeStep {
  if (isInitializer(req) || turnOf(req) > 0) return reply([text('Done: RK4 in place.')]);
  return reply([toolUse('str_replace_based_edit_tool', { command: 'create', path: 'solve.py', file_text: RK4 })]);
}

describe.runIf(ready.ok)('anthropic worker faults, with real Docker', () => {
  it('a 529 storm stops the run cleanly (exit 1, journal and ledger intact) and the next run resumes', async () => {
    // The session takes one turn (which costs), then the API goes down.
    fake = await new FakeAnthropic((req) =>
      isInitializer(req)
        ? reply([text('Plan kept.')])
        : turnOf(req) === 0
          ? reply([toolUse('bash', { command: 'echo partial > partial.txt' })])
          : overloaded(5),
    ).start();
    const dir = await agentExperiment();
    const stormy = await batonRun(dir, fake);
    expect(stormy.exitCode, stormy.stderr).toBe(1);
    expect(stormy.stderr).toMatch(
      /session 1, turn 2: the model API kept failing \(10 attempts\); it last answered: 529: overloaded_error: Overloaded \(request-id req_fake_\d+\)/,
    );
    expect(stormy.stderr).toContain('`baton run` again resumes');
    expect(ledgerOf(dir).map((r) => r.verdict.kind)).toEqual(['baseline']);
    const journal = journalOf(dir);
    // the iteration stays open for the resume to recover; the run's end records why it stopped (trial row 70)
    expect(journal.at(-2)).toMatchObject({ type: 'iteration-start', iteration: 1 });
    expect(journal.at(-1)).toMatchObject({ type: 'run-end', state: 'error', reason: expect.stringMatching(/the model API kept failing/) });
    expect(transcriptOf(dir, 1).filter((e) => e.type === 'retry')).toHaveLength(9);
    // each retry is said as it happens, not only in the transcript
    expect(stormy.stderr).toMatch(/warning: session 1, turn 2: the model API failed \(529: overloaded_error: Overloaded[^)]*\)\); retry 1 in \d+s/);
    const status = await baton(['status', dir], { cwd: dir });
    expect(status.stdout).toMatch(/error.*the model API kept failing/);

    fake.script = solver; // the API is back
    const resumed = await batonRun(dir, fake);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('resuming run');
    const ledger = ledgerOf(dir);
    expect(ledger.map((r) => [r.iteration, r.verdict.kind])).toEqual([
      [0, 'baseline'],
      [1, 'crashed'],
      [2, 'met'],
    ]);
    expect(ledger[1].session?.cause).toMatch(/interrupted/);
    // the turn paid before the outage is counted, and the half-done work is kept as a patch
    expect(ledger[1].session!.usage.usd).toBeCloseTo(TURN_USD, 12);
    expect(fs.readFileSync(path.join(dir, '.baton', 'attempts', '0001.patch'), 'utf8')).toContain('partial.txt');
  }, 600_000);

  it('with --worker anthropic, the turn cap stops each session; the iteration budget then stops the run; costs are usage times price', async () => {
    fake = await new FakeAnthropic(() => reply([toolUse('bash', { command: 'echo still working' })])).start();
    // The spec says replay; `--worker anthropic --model` is how a user switches for one run.
    const dir = await agentExperiment((s) => {
      s.budget.session.turns = 2;
      s.worker = { kind: 'replay', script: 'replay.yaml' };
    });
    fs.writeFileSync(path.join(dir, 'replay.yaml'), 'sessions: []\n');
    const run = await batonRun(dir, fake, ['--worker', 'anthropic', '--model', MODEL]);
    expect(run.stderr).toContain('anthropic worker');
    expect(fake.requests.every((r) => r.body.model === MODEL && r.body.max_tokens === 8192)).toBe(true);
    expect(run.exitCode, run.stderr).toBe(3);
    expect(run.stdout).toContain('budget: the iteration budget is spent (2 of 2)');
    const ledger = ledgerOf(dir);
    const sessions = ledger.filter((r) => r.session).map((r) => r.session!);
    expect(sessions.map((s) => s.stopReason)).toEqual(['budget', 'budget', 'budget']); // initializer, 1, 2
    for (const s of sessions) {
      expect(s.summary).toContain("the session's cap of 2 turns was reached");
      expect(s.usage.usd).toBeCloseTo(2 * TURN_USD, 12);
    }
    expect(transcriptOf(dir, 2).filter((e) => e.type === 'model')).toHaveLength(2);
  }, 600_000);

  it('the USD budget stops a session before the turn that would cross it, and the run with it', async () => {
    fake = await new FakeAnthropic((req) => (isInitializer(req) ? reply([text('ok')]) : reply([toolUse('bash', { command: 'true' })]))).start();
    const budget = 0.05; // the initializer's one turn, then three of session 1's: the fourth would cross
    const dir = await agentExperiment((s) => {
      s.budget.usd = budget;
    });
    const run = await batonRun(dir, fake);
    expect(run.exitCode, run.stderr).toBe(3);
    const ledger = ledgerOf(dir);
    const s1 = ledger.find((r) => r.iteration === 1)!.session!;
    expect(s1.stopReason).toBe('run-budget');
    expect(s1.summary).toMatch(/would cross the run's USD budget/);
    expect(transcriptOf(dir, 1).filter((e) => e.type === 'model')).toHaveLength(3);
    expect(s1.usage.usd).toBeCloseTo(3 * TURN_USD, 12);
    const spent = totalUsage(ledger).usd;
    expect(spent).toBeCloseTo(4 * TURN_USD, 12);
    expect(spent).toBeLessThanOrEqual(budget);
    expect(ledger.map((r) => r.iteration)).toEqual([0, 1]);
    expect(run.stdout).toMatch(/^budget: /m);
  }, 600_000);

  it("the model judge's malformed answer does not let the run end as met", async () => {
    fake = await new FakeAnthropic((req) =>
      req.body.model === JUDGE ? reply([text('Looks great to me, ship it!')], { input_tokens: 5000, output_tokens: 50 }) : solver(req),
    ).start();
    const dir = await agentExperiment((s) => {
      s.budget.iterations = 1;
      s.judge.model = { model: JUDGE, condition: 'solve.py uses a fourth-order Runge-Kutta method and hard-codes no reference values.' };
    });
    const run = await batonRun(dir, fake);
    expect(run.exitCode, run.stderr).toBe(3);
    const record = ledgerOf(dir).find((r) => r.iteration === 1)!;
    expect(record.metrics['accuracy.solution.y.max_abs']).toBeLessThan(1e-6);
    expect(record.verdict.kind).toBe('revert');
    expect(record.verdict.reason).toMatch(/every threshold holds, but the model judge did not agree: the model judge's answer was not JSON/);
    // its own prompt and context: the evidence, no tools, none of the worker's conversation
    const asked = fake.requestsFor(JUDGE);
    expect(asked).toHaveLength(1);
    expect(asked[0].body.tools).toBeUndefined();
    expect(asked[0].body.messages).toHaveLength(1);
    const prompt = JSON.stringify(asked[0].body.messages[0].content);
    expect(prompt).toContain('fourth-order Runge-Kutta');
    expect(prompt).toContain('diff --git a/solve.py b/solve.py');
    expect(prompt).toContain('accuracy.solution.y.max_abs');
    // the judge's cost joins the iteration's
    const judgeUsd = (5000 * 1 + 50 * 5) / 1e6;
    expect(record.session!.usage.usd).toBeCloseTo(2 * TURN_USD + judgeUsd, 12);
  }, 600_000);
});
