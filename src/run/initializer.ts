/**
 * The initializer session (DESIGN.md §2): with a model worker, before
 * iteration 1, one session expands the goal into PLAN.md. Only PLAN.md is
 * kept from it: the baseline was measured on the untouched workspace, and
 * the baseline commit must hold that code.
 */
import type { SessionRecord } from '../ledger/record.js';
import type { Spec } from '../spec/schema.js';
import type { Worker } from '../workers/types.js';
import { promptFile } from '../workspace/prompt-file.js';
import { initialNotes, initialPlan } from '../workspace/state-files.js';
import type { RunContext } from './context.js';
import type { MeasureResult } from './measure.js';
import { tableOf } from './measure-tool.js';
import { readWorkspaceFile, runSession } from './session.js';
import { cleanWorkspace, inspectWorkspace } from './workspace-check.js';
import { regularFileExists, safeReadFile, safeWriteFile } from '../workspace/safe-fs.js';
import { parseTasks, TASKS_FILE } from './lanes/tasks.js';

/** Workers that are models and so get an initializer session. */
export function isModelWorker(worker: Pick<Worker, 'kind'>): boolean {
  return worker.kind === 'anthropic' || worker.kind === 'command';
}

/** What the initializer is asked for besides PLAN.md when lanes will work from its tasks. Pure. */
export function plannerTask(spec: Spec): string {
  const lanes = spec.parallel.lanes;
  return [
    `This run has ${lanes} lanes: ${lanes} sessions work at once, each on its own copy of the best code, and their work is applied onto the best when they stop. ` +
      `Also write /workspace/${TASKS_FILE}: the tasks the lanes take, one each, in order. Give each task a title, the metric it should move, ` +
      'and a write scope: the globs of the only paths its session may change (work outside them is reverted). ' +
      'Make the scopes of tasks that can run at once disjoint, so their work never conflicts. The format:',
    '',
    '```yaml',
    'tasks:',
    '  - title: vectorise the inner loop',
    `    metric: ${Object.keys(spec.thresholds)[0] ?? 'oracle.metric'}`,
    '    scope: [src/solver/**]',
    '```',
  ].join('\n');
}

/** The initializer's prompt. Pure. */
export function initializerPrompt(spec: Spec, promptMd: string, baselineTable: string): string {
  const planner = spec.parallel.lanes > 1;
  return [
    `You are the initializer session of a baton run on "${spec.name}". No work session has run yet; the workspace is at /workspace.`,
    '',
    '## The contract (PROMPT.md)',
    '',
    promptMd.trim(),
    '',
    '## Baseline measurement (the untouched workspace)',
    '',
    baselineTable.trim(),
    '',
    '## Your task now',
    '',
    'Read the code and the contract (run things if it is cheap), then write /workspace/PLAN.md: a short ordered plan, ' +
      'each step a bounded unit of work that one session can finish, each tied by name to the metric it should move ' +
      'and saying how a session will know it worked. Start the file with "# Plan". ' +
      `Change no other file: anything but PLAN.md${planner ? ` and ${TASKS_FILE}` : ''} is discarded. Then stop, with a one-line summary.`,
    ...(planner ? ['', plannerTask(spec)] : []),
    '',
  ].join('\n');
}

/** Runs the initializer session; keeps its PLAN.md, undoes anything else it changed. Returns its session record. */
export async function runInitializer(ctx: RunContext, baseline: MeasureResult): Promise<SessionRecord> {
  const ws = ctx.paths.workspace;
  const scratch = ctx.paths.scratch;
  const promptMd = promptFile(ctx.spec);
  const notes = safeReadFile(ws, 'NOTES.md');
  const notesText = notes.ok ? notes.text : initialNotes();
  safeWriteFile(ws, 'PROMPT.md', promptMd, scratch);
  safeWriteFile(ws, 'NOTES.md', notesText, scratch);
  if (!regularFileExists(ws, 'PLAN.md')) safeWriteFile(ws, 'PLAN.md', initialPlan(ctx.spec), scratch);
  ctx.emit({ type: 'step', iteration: 0, step: 'session', text: `initializer session: the ${ctx.worker.kind} worker writes PLAN.md` });
  const session = inspectWorkspace(ctx, await runSession(ctx, 0, { prompt: initializerPrompt(ctx.spec, promptMd, tableOf(ctx, baseline)), measure: false }));
  cleanWorkspace(ctx);
  // Read without following links: a PLAN.md linked to /proc/self/environ or /etc/shadow is no plan.
  const plan = readWorkspaceFile(ctx, 'PLAN.md');
  // With lanes the planner's tasks stay too: read as hostile text, kept only when they parse (lanes/tasks.ts).
  const tasksText = ctx.spec.parallel.lanes > 1 ? readWorkspaceFile(ctx, TASKS_FILE) : '';
  const tasks = parseTasks(tasksText, (reason) => ctx.emit({ type: 'warning', text: `the planner's ${reason}` }));
  // Undo everything the session did, then write back only what is kept: the workspace whole back to HEAD (a file the
  // session hid with .gitignore would otherwise be committed once .gitignore is restored), and the state files again.
  await ctx.repo.resetHard('HEAD');
  safeWriteFile(ws, 'PROMPT.md', promptMd, scratch);
  safeWriteFile(ws, 'NOTES.md', notesText, scratch);
  safeWriteFile(ws, 'PLAN.md', plan.trim() ? plan : initialPlan(ctx.spec), scratch);
  if (tasks.length) safeWriteFile(ws, TASKS_FILE, tasksText, scratch);
  ctx.emit({
    type: 'step',
    iteration: 0,
    step: 'session',
    text: `initializer ended: ${session.stopReason}${session.cause ? ` (${session.cause})` : ''}: ${session.summary}`,
  });
  return session;
}
