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
import { regularFileExists, safeReadFile, safeRemove, safeWriteFile } from '../workspace/safe-fs.js';

/** Workers that are models and so get an initializer session. */
export function isModelWorker(worker: Pick<Worker, 'kind'>): boolean {
  return worker.kind === 'anthropic' || worker.kind === 'command';
}

/** The initializer's prompt. Pure. */
export function initializerPrompt(spec: Spec, promptMd: string, baselineTable: string): string {
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
      'Change no other file: anything but PLAN.md is discarded. Then stop, with a one-line summary.',
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
  const before = new Set(await ctx.repo.dirtyPaths());
  ctx.emit({ type: 'step', iteration: 0, step: 'session', text: `initializer session: the ${ctx.worker.kind} worker writes PLAN.md` });
  const session = inspectWorkspace(ctx, await runSession(ctx, 0, { prompt: initializerPrompt(ctx.spec, promptMd, tableOf(ctx, baseline)), measure: false }));
  cleanWorkspace(ctx);
  // Read without following links: a PLAN.md linked to /proc/self/environ or /etc/shadow is no plan.
  const plan = readWorkspaceFile(ctx, 'PLAN.md');
  // Undo what the session changed besides PLAN.md: tracked files back to HEAD, new files removed.
  for (const p of await ctx.repo.dirtyPaths()) {
    if (p === 'PLAN.md' || before.has(p)) continue;
    if (await ctx.repo.isTracked(p)) await ctx.repo.run(['checkout', 'HEAD', '--', `:(literal)${p}`]);
    else safeRemove(ws, p);
  }
  safeWriteFile(ws, 'PROMPT.md', promptMd, scratch);
  safeWriteFile(ws, 'NOTES.md', notesText, scratch);
  safeWriteFile(ws, 'PLAN.md', plan.trim() ? plan : initialPlan(ctx.spec), scratch);
  ctx.emit({
    type: 'step',
    iteration: 0,
    step: 'session',
    text: `initializer ended: ${session.stopReason}${session.cause ? ` (${session.cause})` : ''}: ${session.summary}`,
  });
  return session;
}
