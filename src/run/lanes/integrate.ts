/**
 * The judge's step for a lane's work: numbered as the next iteration,
 * recorded unmeasured when it is tamper, crashed, out of its task's scope or
 * in conflict with the best, else applied onto the best (three-way) and
 * finished as the sequential loop finishes an iteration.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError, SystemError } from '../../errors.js';
import { iterationTag } from '../../experiment.js';
import { judge } from '../../judge/judge.js';
import { lastIteration } from '../../ledger/query.js';
import { commitMessage } from '../../workspace/git.js';
import type { RunContext } from '../context.js';
import { finishIteration } from '../finish.js';
import { protectedTouched } from '../integrity.js';
import { appendUnmeasured, type LanePlace } from '../iteration.js';
import { appendJournal } from '../journal.js';
import { oneLine, settle } from '../settle.js';
import type { LaneBook, LaneEnd } from './lane-book.js';
import { chargePlans } from './planner.js';
import { outOfScope } from './tasks.js';

export function placeOf(book: LaneBook, end: LaneEnd): LanePlace {
  const task = book.starts.get(end.key)?.task;
  return { lane: end.lane, ...(task ? { task: task.id } : {}) };
}

/** Numbers a lane's finished work as the next iteration and judges it on top of main's tip. */
export async function judgeWork(ctx: RunContext, book: LaneBook, end: LaneEnd, report = true): Promise<string> {
  const n = lastIteration(ctx.ledger) + 1;
  const best = await ctx.repo.head();
  book.log(ctx, { type: 'iteration-start', iteration: n, base: best, lane: end.lane, key: end.key });
  return integrateAndJudge(ctx, book, n, best, end, report);
}

/**
 * Iteration `n` for a lane's work: crashed, out-of-scope and conflicting work
 * is recorded unmeasured (its patch saved); anything else is applied onto
 * `best` as main's candidate and finished as in the sequential loop. Returns
 * the verdict.
 */
export async function integrateAndJudge(ctx: RunContext, book: LaneBook, n: number, best: string, end: LaneEnd, report: boolean): Promise<string> {
  const { repo } = ctx;
  const start = book.starts.get(end.key);
  const place = placeOf(book, end);
  const laneBase = start?.base ?? (await repo.parentOf(end.commit));
  // The re-plans that ran just before this iteration are paid by it (planner.ts).
  const session = chargePlans(end.session, n, book.plans);
  adoptTranscript(ctx, end.key, n);
  appendJournal(ctx.paths.journal, { type: 'session-end', iteration: n, session }, ctx.now());
  const unmeasured = async (verdict: { kind: 'crashed' | 'conflict' | 'out-of-scope' | 'tamper'; reason: string }): Promise<string> => {
    if (!ctx.ledger.some((r) => r.iteration === n && r.phase === 'candidate')) appendUnmeasured(ctx, n, end.commit, session, verdict, place);
    ctx.emit({ type: 'verdict', iteration: n, verdict: verdict.kind, reason: verdict.reason });
    const head = await settle(ctx, n, verdict.kind, session.summary, best, end.commit, report, laneBase);
    appendJournal(ctx.paths.journal, { type: 'settled', iteration: n, verdict: verdict.kind, head }, ctx.now());
    return verdict.kind;
  };
  const saved = 'its work is saved as a patch and not integrated';
  // Git failing on the lane's own tree is that work's fault, judged once: rethrown, recovery would replay it at every start.
  const gitRefused = (e: unknown, what: string) => {
    if (!(e instanceof SystemError) || e.code !== 'BATON_GIT') throw e;
    return unmeasured({ kind: 'crashed', reason: `git could not ${what} (${describeError(e).slice(0, 300)}); ${saved}` });
  };
  let changed: string[];
  try {
    changed = await repo.changedPaths(laneBase, end.commit);
  } catch (e) {
    return gitRefused(e, "list the session's changes");
  }
  // Tamper outranks everything, as in the judge: the judge's own words, from the lane's own diff.
  const touched = protectedTouched(ctx.spec, changed);
  if (touched.length || session.tamper?.length) {
    const v = judge({
      spec: ctx.spec,
      history: ctx.ledger,
      measurements: [],
      metrics: {},
      confirmations: 0,
      diff: { changedPaths: changed, protectedTouched: touched, oracleFilesChanged: [], planted: session.tamper ?? [] },
    });
    if (v.kind === 'tamper') return unmeasured(v);
  }
  if (session.cause) return unmeasured({ kind: 'crashed', reason: `the session crashed (${session.cause}); ${saved}` });
  if (start?.task) {
    const outside = outOfScope(start.task, changed);
    if (outside.length) {
      const shown = `${outside.slice(0, 5).join(', ')}${outside.length > 5 ? ` and ${outside.length - 5} more` : ''}`;
      return unmeasured({
        kind: 'out-of-scope',
        reason: `task "${start.task.title}" may change ${start.task.scope.join(', ')}; the session also changed ${shown}; ${saved}`,
      });
    }
  }
  let tree: string;
  if (laneBase === best) tree = (await repo.run(['rev-parse', `${end.commit}^{tree}`])).trim();
  else {
    let merged: Awaited<ReturnType<typeof repo.mergeTree>>;
    try {
      merged = await repo.mergeTree(best, end.commit);
    } catch (e) {
      return gitRefused(e, "apply the session's work onto the current best");
    }
    if ('conflicts' in merged) {
      const shown = merged.conflicts.slice(0, 5).join(', ') || '(the merge reported no path)';
      return unmeasured({
        kind: 'conflict',
        reason: `the session worked from ${laneBase.slice(0, 8)}; its changes do not apply onto the current best ${best.slice(0, 8)} (conflicts in ${shown}); ${saved}`,
      });
    }
    tree = merged.tree;
  }
  const summary = `baton: iteration ${n} candidate: ${oneLine(session.summary)}`;
  const candidate = await repo.commitTree(tree, best, commitMessage(summary, { iteration: n, verdict: 'candidate' }));
  await repo.resetHard(candidate);
  appendJournal(ctx.paths.journal, { type: 'candidate', iteration: n, commit: candidate }, ctx.now());
  await finishIteration(ctx, n, best, session, candidate, report, place);
  return ctx.ledger.find((r) => r.iteration === n && r.phase === 'candidate')?.verdict.kind ?? 'revert';
}

/** The lane session's transcript becomes the iteration's (NNNN.jsonl), so `baton log --session N` finds it. */
function adoptTranscript(ctx: RunContext, key: string, n: number): void {
  const from = path.join(ctx.paths.transcripts, `${key}.jsonl`);
  const to = path.join(ctx.paths.transcripts, `${iterationTag(n)}.jsonl`);
  if (fs.existsSync(from) && !fs.existsSync(to)) fs.renameSync(from, to);
}

/** Work a stop (met) cut short: its lane ref stays, and its patch is saved beside the iterations' (not judged, no number). */
export async function saveUnjudged(ctx: RunContext, lane: number, key: string, base: string, commit: string): Promise<void> {
  if (commit === base || (await ctx.repo.changedPaths(base, commit)).length === 0) return;
  fs.mkdirSync(ctx.paths.attempts, { recursive: true });
  await ctx.repo.diffToFile(base, commit, path.join(ctx.paths.attempts, `${key}.patch`));
  ctx.emit({ type: 'info', text: `lane ${lane}: the run is met; session ${key}'s unjudged work is saved as ${path.join(ctx.paths.attempts, `${key}.patch`)}` });
}
