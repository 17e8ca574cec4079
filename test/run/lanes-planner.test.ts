/**
 * The planner with lanes and a model worker (the fake Messages API in place
 * of the real one, real Docker and git): the initializer writes TASKS.yaml
 * beside PLAN.md; each lane's session gets one task in its prompt and works
 * in its scope; when the tasks run out the planner re-plans on main from the
 * ledger, its new task is taken, and the run ends met. The re-plan's cost is
 * charged to the next iteration, so budgets count it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../src/ledger/record.js';
import { FakeAnthropic, requestText } from '../helpers/fake-anthropic.js';
import { plannerScript as script, PLANNER_TASKS_C as TASKS_C, plannerExperiment } from '../helpers/planner-script.js';
import { dockerReady } from '../sandbox/guard.js';
import { batonRun, journalOf, ledgerOf, turnOf } from '../workers/agent-helpers.js';

const ready = await dockerReady();

describe.runIf(ready.ok)('lanes with a model worker: the planner', () => {
  let fake: FakeAnthropic;
  let dir: string;
  let result: Awaited<ReturnType<typeof batonRun>>;
  let ledger: LedgerRecord[];

  beforeAll(async () => {
    fake = await new FakeAnthropic(script).start();
    dir = await plannerExperiment();
    result = await batonRun(dir, fake);
    ledger = ledgerOf(dir);
  }, 400_000);

  afterAll(async () => {
    await fake?.stop();
  });

  it('ends met', () => {
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(ledger.at(-1)?.verdict.kind).toBe('met');
  });

  it('the two lanes started on two different tasks (a task is taken in the same tick as its lane-start)', () => {
    const starts = journalOf(dir).filter((e) => e.type === 'lane-start');
    const first = starts.slice(0, 2).map((e) => (e.type === 'lane-start' ? e.task?.title : undefined));
    expect(first.sort()).toEqual(['raise a', 'raise b']);
  });

  it("the initializer's TASKS.yaml gave the lanes their tasks; each was kept in its scope", () => {
    const kept = ledger.filter((r) => r.verdict.kind === 'keep' || r.verdict.kind === 'met').map((r) => r.task);
    expect(kept.sort()).toEqual(['raise-a', 'raise-b', 'raise-c']);
    const prompts = fake.requests.filter((r) => turnOf(r) === 0).map((r) => JSON.stringify(r.body.messages[0]));
    expect(prompts.some((p) => p.includes('Your lane (1 of 2)') || p.includes('Your lane (2 of 2)'))).toBe(true);
    expect(prompts.some((p) => p.includes('You may change only these paths: `a.txt`'))).toBe(true);
  });

  it('the tasks ran out, the planner re-planned on main, and only its TASKS.yaml and PLAN.md were kept', () => {
    const plans = journalOf(dir).filter((e) => e.type === 'plan');
    expect(plans.map((e) => (e.type === 'plan' ? e.reason : ''))).toContain('the tasks ran out');
    const ws = path.join(dir, 'workspace');
    expect(fs.readFileSync(path.join(ws, 'TASKS.yaml'), 'utf8')).toBe(TASKS_C);
    expect(fs.readFileSync(path.join(ws, 'PLAN.md'), 'utf8')).toContain('raise c');
    // The planner's stray edit of a.txt was undone, and the file it hid with .gitignore is in no commit.
    expect(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8')).toBe('3\n');
    const tracked = execFileSync('git', ['-c', 'safe.directory=*', 'ls-tree', '-r', '--name-only', 'main'], { cwd: ws, encoding: 'utf8' });
    expect(tracked.split('\n')).not.toContain('sneaky.txt');
    expect(fs.existsSync(path.join(ws, '.gitignore'))).toBe(false);
    expect(fs.existsSync(path.join(ws, 'sneaky.txt'))).toBe(false);
    expect(fs.existsSync(path.join(dir, '.baton', 'transcripts', `plan-${String(plans[0].type === 'plan' ? plans[0].after : 0).padStart(4, '0')}.jsonl`))).toBe(
      true,
    );
  });

  it("the re-plan's cost is charged to the next iteration", () => {
    const charged = ledger.filter((r) => r.session?.planner);
    expect(charged.length).toBeGreaterThan(0);
    const r = charged[0];
    expect(r.session!.planner!.reasons).toContain('the tasks ran out');
    expect(r.session!.usage.inputTokens).toBeGreaterThanOrEqual(r.session!.planner!.usage.inputTokens);
    expect(r.session!.planner!.usage.inputTokens).toBeGreaterThan(0);
    expect(requestText(fake.requests[0])).toBeTruthy();
  });
});
