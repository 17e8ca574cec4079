/**
 * The planner (lanes with a model worker): a session on main that rewrites
 * TASKS.yaml (and PLAN.md) from the ledger. The initializer is the first
 * plan (initializer.ts); this re-plans during the run, in the judge's queue
 * (so nothing else touches main), when the tasks run out, when a task stalls,
 * and every `parallel.replan_every` kept iterations. Only PLAN.md and a
 * TASKS.yaml that parses are kept from it; anything else it changed is
 * undone. Its cost is charged to the next iteration judged (the ledger's
 * `session.planner`), so budgets count it.
 */
import * as path from 'node:path';
import { iterationTag } from '../../experiment.js';
import { addUsage, keptChange, lastIteration } from '../../ledger/query.js';
import type { LedgerRecord, SessionRecord } from '../../ledger/record.js';
import { ZERO_USAGE } from '../../ledger/record.js';
import { transcriptUsage } from '../../workers/transcript.js';
import { promptFile } from '../../workspace/prompt-file.js';
import { progressFile } from '../../workspace/progress.js';
import { safeWriteFile } from '../../workspace/safe-fs.js';
import type { RunContext } from '../context.js';
import { isModelWorker } from '../initializer.js';
import { appendJournal, type JournalEntry, type JournalInput } from '../journal.js';
import { tableOf } from '../measure-tool.js';
import { readWorkspaceFile, runSession } from '../session.js';
import { cleanWorkspace, inspectWorkspace } from '../workspace-check.js';
import { parseTasks, TASKS_FILE, TASK_STALL_AFTER, taskState, type Task } from './tasks.js';

/** Whether the run has a planner: lanes, and a worker that is a model (a replay script scripts its tasks instead). */
export function hasPlanner(ctx: Pick<RunContext, 'spec' | 'worker'>): boolean {
  return ctx.spec.parallel.lanes > 1 && isModelWorker(ctx.worker);
}

/**
 * Why a re-plan is due after the iteration just settled, if it is: its task
 * stalled with it, or `every` keeps have landed since the last plan. Pure.
 */
export function replanDue(ledger: readonly LedgerRecord[], lastPlanAfter: number, every: number): string | undefined {
  const last = ledger[ledger.length - 1];
  if (last?.task && !keptChange(last.verdict.kind) && taskState(last.task, ledger) === 'stalled') {
    const misses = ledger.filter((r) => r.phase === 'candidate' && r.task === last.task).length;
    if (misses === TASK_STALL_AFTER) return `task ${last.task} stalled (${TASK_STALL_AFTER} sessions without a keep)`;
  }
  const keeps = ledger.filter((r) => r.phase === 'candidate' && r.iteration > lastPlanAfter && keptChange(r.verdict.kind)).length;
  if (keeps >= every) return `${keeps} iterations kept since the last plan`;
  return undefined;
}

/** The re-planner's prompt. Pure. */
export function replanPrompt(input: { spec: RunContext['spec']; promptMd: string; table: string; progress: string; tasks: string; reason: string }): string {
  return [
    `You are the planner of a baton run on "${input.spec.name}", which has ${input.spec.parallel.lanes} lanes: sessions that work at once, each on one task of /workspace/${TASKS_FILE}.`,
    `You are asked to re-plan now because ${input.reason}.`,
    '',
    '## The contract (PROMPT.md)',
    '',
    input.promptMd.trim(),
    '',
    '## Latest measurement',
    '',
    input.table.trim(),
    '',
    `## The tasks now (${TASKS_FILE}), and where each stands`,
    '',
    input.tasks.trim() || '(none)',
    '',
    '## Progress (PROGRESS.md)',
    '',
    input.progress.trim(),
    '',
    '## Your task now',
    '',
    `Rewrite /workspace/${TASKS_FILE} with the tasks that should come next: drop what is done, rethink what stalled, split what is too big. ` +
      'Each task: a title, the metric it should move, and a write scope (globs of the only paths its session may change); ' +
      'make the scopes of tasks that can run at once disjoint. Update PLAN.md to match. Change no other file: anything else is discarded. ' +
      'Then stop, with a one-line summary.',
    '',
  ].join('\n');
}

/** The tasks as the planner sees them: each with its state from the ledger. Pure. */
export function tasksWithState(tasks: readonly Task[], ledger: readonly LedgerRecord[]): string {
  return tasks
    .map((t) => `- ${t.title} [${taskState(t.id, ledger)}] (id ${t.id}, scope ${t.scope.join(', ')}${t.metric ? `, moves ${t.metric}` : ''})`)
    .join('\n');
}

/** Runs one re-plan on main and commits what it keeps; journals plan-start and plan. Call only where nothing else touches main. */
export async function replan(
  ctx: RunContext,
  reason: string,
  log: (entry: JournalInput) => void = (e) => appendJournal(ctx.paths.journal, e, ctx.now()),
): Promise<void> {
  const after = lastIteration(ctx.ledger);
  log({ type: 'plan-start', after, reason });
  ctx.emit({ type: 'step', iteration: after, step: 'session', text: `the planner re-plans: ${reason}` });
  const before = readWorkspaceFile(ctx, TASKS_FILE);
  const tasks = parseTasks(before, () => undefined);
  const prompt = replanPrompt({
    spec: ctx.spec,
    promptMd: promptFile(ctx.spec),
    table: tableOf(ctx, ctx.ledger[ctx.ledger.length - 1] ?? { measurements: [], metrics: {} }),
    progress: progressFile(ctx.spec, ctx.ledger),
    tasks: tasksWithState(tasks, ctx.ledger),
    reason,
  });
  const session = inspectWorkspace(ctx, await runSession(ctx, after, { prompt, measure: false, transcript: planTranscript(after) }));
  await keepPlan(ctx);
  const head = await ctx.repo.commitAll(`baton: re-plan after iteration ${after}: ${reason}`);
  log({ type: 'plan', after, reason, session, head });
  ctx.emit({
    type: 'step',
    iteration: after,
    step: 'session',
    text: `the planner ended: ${session.stopReason}${session.cause ? ` (${session.cause})` : ''}: ${session.summary}`,
  });
}

function planTranscript(after: number): string {
  return `plan-${iterationTag(after)}`;
}

/**
 * Keeps PLAN.md and a TASKS.yaml that parses (else the committed one): both
 * read first (no link followed), then main is put back to HEAD whole, and
 * only they are written again. Not "restore what changed": a planner that
 * hid a file with .gitignore would have it committed once .gitignore is back.
 */
async function keepPlan(ctx: RunContext): Promise<void> {
  cleanWorkspace(ctx);
  const ws = ctx.paths.workspace;
  const plan = readWorkspaceFile(ctx, 'PLAN.md');
  const text = readWorkspaceFile(ctx, TASKS_FILE);
  const ok = parseTasks(text, (r) => ctx.emit({ type: 'warning', text: `the planner's ${r}` })).length > 0;
  await ctx.repo.resetHard('HEAD');
  if (plan.trim()) safeWriteFile(ws, 'PLAN.md', plan, ctx.paths.scratch);
  if (ok) safeWriteFile(ws, TASKS_FILE, text, ctx.paths.scratch);
}

/**
 * A re-plan a kill interrupted: what it changed on main is undone, and it is
 * journalled as ended (crashed), with what its transcript says it spent.
 */
export async function recoverPlan(ctx: RunContext, journal: readonly JournalEntry[]): Promise<void> {
  let open: Extract<JournalEntry, { type: 'plan-start' }> | undefined;
  for (const e of journal) {
    if (e.type === 'plan-start') open = e;
    else if (e.type === 'plan') open = undefined;
  }
  if (!open) return;
  await ctx.repo.resetHard('HEAD');
  const usage = transcriptUsage(path.join(ctx.paths.transcripts, `${planTranscript(open.after)}.jsonl`));
  const session: SessionRecord = {
    summary: '(interrupted: the harness stopped during the re-plan)',
    stopReason: 'interrupted',
    usage,
    durationMs: 0,
    cause: 'interrupted: the harness stopped during the re-plan; its changes are undone',
  };
  appendJournal(ctx.paths.journal, { type: 'plan', after: open.after, reason: open.reason, session, head: await ctx.repo.head() }, ctx.now());
}

/** The session record of iteration `n` with the cost of the re-plans that ran just before it (after iteration n - 1). Pure. */
export function chargePlans(session: SessionRecord, n: number, journal: readonly JournalEntry[]): SessionRecord {
  const plans = journal.flatMap((e) => (e.type === 'plan' && e.after === n - 1 ? [e] : []));
  if (!plans.length || session.planner) return session;
  const usage = plans.reduce((u, p) => addUsage(u, p.session.usage), { ...ZERO_USAGE });
  return { ...session, usage: addUsage(session.usage, usage), planner: { sessions: plans.length, usage, reasons: plans.map((p) => p.reason) } };
}
