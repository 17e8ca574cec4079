/**
 * What `baton run` refuses before it writes anything, and what it tidies
 * (saying so) before a session starts:
 * - a detached HEAD: kept work would go onto no branch, and a later
 *   `git checkout main` would hide it;
 * - uncommitted changes of the user's: the baseline commit would fold them
 *   in without a word (they were never measured), or the next session would
 *   be judged for them;
 * - a baseline the oracles cannot measure (a bad reference, a missing image):
 *   every session would be reverted as "the measurement failed".
 * Report files baton itself left uncommitted (a crash before a commit, or a
 * report written into the workspace by an older baton) are discarded: they
 * are regenerated from the ledger, and a session must never be blamed for them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors.js';
import type { ExperimentPaths } from '../experiment.js';
import type { MeasurementRecord } from '../ledger/record.js';
import { lockHolder } from '../state/lock.js';
import { Repo } from '../workspace/git.js';
import { safeRemove } from '../workspace/safe-fs.js';
import { readJournal, type JournalEntry } from './journal.js';

/** Where the run stands, as far as the workspace's expected cleanliness goes. */
export type RunPhase = 'fresh' | 'baseline' | 'between' | 'in-iteration';

/** The phase from the journal (pure). */
export function runPhase(journal: JournalEntry[]): RunPhase {
  let open = false;
  for (const e of journal) {
    // A re-plan (lanes/planner.ts) works on main like a session: what a kill left of it is recovery's, not the user's.
    if (e.type === 'iteration-start' || e.type === 'plan-start') open = true;
    else if (e.type === 'settled' || e.type === 'plan') open = false;
  }
  if (open) return 'in-iteration';
  if (journal.some((e) => e.type === 'baseline-done')) return 'between';
  return journal.some((e) => e.type === 'baseline-start') ? 'baseline' : 'fresh';
}

/** Files baton writes and regenerates itself; `baseline` adds the state files the baseline writes before its commit. */
export function isBatonOwned(rel: string, phase: RunPhase): boolean {
  if (rel === 'PROMPT.md' || rel === 'PROGRESS.md' || rel === 'reports' || rel.startsWith('reports/')) return true;
  return phase === 'baseline' && (rel === 'PLAN.md' || rel === 'NOTES.md');
}

/** Of the dirty paths, those the user must deal with before a run (pure). */
export function userChanges(dirty: string[], phase: RunPhase): string[] {
  if (phase === 'in-iteration') return []; // the interrupted session's work: recovery judges it
  return dirty.filter((p) => phase === 'fresh' || !isBatonOwned(p, phase));
}

/**
 * Read-only checks of the workspace repository before `baton run` writes
 * anything; throws a UserError naming the fix. Skipped while another run
 * holds the lock (taking the lock then says so).
 */
export async function preflightWorkspace(paths: ExperimentPaths): Promise<void> {
  if (lockHolder(paths.lock)) return;
  const repo = new Repo(paths.workspace);
  if (!(await repo.hasCommits())) return; // an unborn branch: the run commits the workspace as it is, as its first commit
  const ws = path.relative(process.cwd(), paths.workspace) || '.';
  if (!(await repo.onBranch())) {
    const head = (await repo.head()).slice(0, 12);
    throw new UserError(
      `${ws}: HEAD is detached (at ${head}): the kept commits would go onto no branch, and checking out a branch later would hide them. ` +
        `Put a branch at this commit first: git -C ${shq(ws)} switch -c baton   (or switch back to your branch: git -C ${shq(ws)} switch main)`,
      { code: 'BATON_INPUT_INVALID', context: { path: paths.workspace, head } },
    );
  }
  const phase = runPhase(readJournal(paths.journal).records);
  const changes = userChanges(await repo.dirtyPaths(), phase);
  if (changes.length) {
    const shown = changes.slice(0, 10).join(', ') + (changes.length > 10 ? `, … (${changes.length} in all)` : '');
    throw new UserError(
      `${ws}: uncommitted changes: ${shown}. ${phase === 'fresh' ? 'The baseline measures the last commit, so they would be folded into it unmeasured' : 'The next session would be judged for them'}; baton commits nothing of yours without a word. ` +
        `Commit them (git -C ${shq(ws)} add -A && git -C ${shq(ws)} commit -m "...") or set them aside (git -C ${shq(ws)} stash -u), then run again.`,
      { code: 'BATON_INPUT_INVALID', context: { path: paths.workspace, paths: changes } },
    );
  }
}

/**
 * Between iterations, before the next session: restores baton's own files
 * left uncommitted and removes untracked ones under reports/. Returns what
 * it discarded, for the run to say.
 */
export async function discardBatonLeftovers(repo: Repo, workspace: string): Promise<string[]> {
  const dirty = (await repo.dirtyPaths()).filter((p) => isBatonOwned(p, 'between'));
  if (!dirty.length) return [];
  const tracked: string[] = [];
  for (const p of dirty) {
    if (await repo.isTracked(p)) tracked.push(p);
    else safeRemove(workspace, p);
  }
  if (tracked.length) await repo.restoreFromHead(tracked);
  return dirty;
}

/** The baseline measurements the harness could not take (status `error`: the experiment's side, not the code's). */
export function unmeasurable(measurements: MeasurementRecord[]): MeasurementRecord[] {
  return measurements.filter((m) => m.status === 'error');
}

/** The error that stops a run whose baseline cannot be measured, before any session. */
export function baselineError(failed: MeasurementRecord[], dir: string): UserError {
  const lines = failed.map((m) => `  ${m.oracle}: ${m.reason ?? 'error'}`);
  return new UserError(
    [
      `the baseline could not be measured, so no session was started (each would only be reverted as "the measurement failed"):`,
      ...lines,
      `fix the experiment (baton.yaml, oracle/, the sandbox), check it with: baton check ${dir}   and: baton measure ${dir}, then run again (the run starts clean).`,
    ].join('\n'),
    { code: 'BATON_ORACLE', context: { oracles: failed.map((m) => m.oracle) } },
  );
}

function shq(s: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Creates .baton and its folders; a read-only or unwritable experiment folder is a UserError naming it, not a stack trace. */
export function makeStateDirs(paths: ExperimentPaths): void {
  for (const d of [paths.state, paths.transcripts, paths.attempts, paths.artifacts, paths.scratch]) mkdirInExperiment(paths.root, d);
}

/** mkdir -p of a folder under the experiment folder, with a UserError naming the folder when it cannot be made. */
export function mkdirInExperiment(root: string, dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new UserError(
      `${root}: cannot create ${path.relative(root, dir)} (${code}): baton keeps its state in the experiment folder, which must be writable. ` +
        'Make it writable (or copy the experiment to a writable place) and run again.',
      { code: 'BATON_INPUT_INVALID', context: { path: dir }, cause: e },
    );
  }
}
