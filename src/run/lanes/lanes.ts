/**
 * Lanes (parallel.lanes > 1): many sessions at once on one experiment.
 *
 * Each lane loops: start a session on its own copy of the current best
 * (lane-session.ts), then hand its work to the judge and wait for the
 * verdict. The judge is one queue: it numbers each piece of work (iteration
 * numbers stay unique and gap-free, in the order judged), applies it onto
 * the current best with a three-way merge (`conflict` when it does not
 * apply; `out-of-scope` when it wrote outside its task), and measures,
 * judges and settles the integrated tree exactly as the sequential loop does.
 * Main only moves by keeps, one candidate at a time, so two candidates are
 * never kept against the same best: the later is measured on top of the
 * earlier. Measurements pass the measure queue (gate.ts) one at a time.
 *
 * Every step is journalled (lane-start, lane-end, then the iteration's own
 * entries), so a killed run resumes: work that ended is judged, a session
 * that was in flight is recorded `crashed`, and no number is reused.
 *
 * Here: the lanes and the judge's queue. The judge's step is integrate.ts,
 * recovery after a crash recovery.ts, the journal's view of lanes lane-book.ts.
 */
import { setMaxListeners } from 'node:events';
import { stopDecision } from '../../judge/stop.js';
import { lastIteration, tokensOf, totalUsage } from '../../ledger/query.js';
import type { RunState } from '../../state/run-state.js';
import { parseDuration } from '../../spec/units.js';
import { STATE_FILE_MAX_BYTES } from '../../workspace/safe-fs.js';
import { activeMs, type RunContext } from '../context.js';
import { readJournal } from '../journal.js';
import { Gate } from './gate.js';
import { judgeWork, saveUnjudged } from './integrate.js';
import { LaneBook, laneKey, type LaneEnd } from './lane-book.js';
import { runLaneSession, type LaneWork } from './lane-session.js';
import { hasPlanner, replan, replanDue } from './planner.js';
import { nextTask, parseTasks, TASKS_FILE, taskId, type Task } from './tasks.js';

export interface LanesOutcome {
  state: Exclude<RunState, 'running'>;
  reason: string;
}

/** Runs `lanes` lanes until met, a budget, a stall, an interrupt or an error. */
export async function runLanes(ctx: RunContext, lanes: number): Promise<LanesOutcome> {
  const book = new LaneBook(readJournal(ctx.paths.journal).records);
  ctx.measureSlot ??= new Gate(ctx.spec.parallel.measure);
  const stopSessions = new AbortController();
  const laneCtx: RunContext = { ...ctx, signal: AbortSignal.any([ctx.signal, stopSessions.signal]) };
  // Every session in flight listens to these (its sandbox's interrupt, the worker's own): up to two per lane, and the run's.
  setMaxListeners(4 * lanes + 10, ctx.signal, laneCtx.signal);
  const inFlight = new Map<number, { key: string; task?: Task }>();
  /** The task each lane holds from its session's start to its verdict (work waiting for the judge still holds it). */
  const claimed = new Map<number, string>();
  let waiting = 0;
  let stop: LanesOutcome | undefined;
  let noStart: string | undefined;
  const idle = new Set<number>();
  let failure: unknown;
  let judging: Promise<unknown> = Promise.resolve();
  /** Main's tip as last settled: where new sessions start (main's HEAD is a candidate while one is measured). */
  let best = await ctx.repo.head();

  /** Whether another session may start now; the reason when not (a stop, or a budget that cannot pay for it). */
  const mayStart = (): string | undefined => {
    if (stop || ctx.signal.aborted || failure !== undefined) return stop?.reason ?? 'stopping';
    const d = stopDecision(ctx.spec, ctx.ledger, activeMs(ctx), { lanes: true });
    if (d) {
      stop = { state: d.stop, reason: d.reason };
      return d.reason;
    }
    return budgetRoom(ctx, inFlight.size + waiting);
  };

  const planner = hasPlanner(ctx);
  let lastPlanAfter = [...book.plans].reverse().find((e) => e.type === 'plan')?.after ?? 0;
  /** The iteration after which the planner last ran because the tasks had run out (so an empty plan is not asked again and again). */
  let ranOutAt = -1;
  const plan = async (reason: string): Promise<void> => {
    await replan(ctx, reason, (e) => book.log(ctx, e));
    lastPlanAfter = lastIteration(ctx.ledger);
    best = await ctx.repo.head();
  };
  /** Runs `fn` in the judge's queue: nothing else touches main meanwhile. */
  const inQueue = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = judging.then(fn);
    judging = next.catch(() => undefined);
    return next;
  };

  const judge = (end: LaneEnd): Promise<string> => {
    const next = judging.then(async () => {
      if (ctx.signal.aborted || failure !== undefined) return 'interrupted';
      // After `met` nothing more is judged: the work is kept as a patch, unnumbered.
      if (stop?.state === 'met') {
        const { v: _v, at: _at, ...entry } = end;
        book.log(ctx, { ...entry, judged: false });
        await saveUnjudged(ctx, end.lane, end.key, book.starts.get(end.key)?.base ?? (await ctx.repo.parentOf(end.commit)), end.commit);
        return 'unjudged';
      }
      let verdict: string;
      try {
        verdict = await judgeWork(ctx, book, end);
      } catch (e) {
        // Set before the queue moves on: the next judgement must not take this one's number on top of its unmeasured candidate.
        failure ??= e;
        stopSessions.abort(`the judge stopped the run: ${e instanceof Error ? e.message : String(e)}`);
        throw e;
      }
      best = await ctx.repo.head();
      const due = planner && verdict !== 'met' ? replanDue(ctx.ledger, lastPlanAfter, ctx.spec.parallel.replan_every) : undefined;
      if (due && !stop && !ctx.signal.aborted) await plan(due);
      if (verdict === 'met') {
        stop = { state: 'met', reason: ctx.ledger[ctx.ledger.length - 1].verdict.reason };
        stopSessions.abort(`the run is met (iteration ${lastIteration(ctx.ledger)}): the session was ended before it finished`);
      }
      return verdict;
    });
    judging = next.catch(() => undefined);
    return next;
  };

  const lane = async (k: number): Promise<void> => {
    for (let guard = 0; guard <= ctx.spec.budget.iterations; guard++) {
      const why = mayStart();
      if (why) {
        noStart ??= why;
        return;
      }
      let tasks = await loadTasks(ctx, best);
      if (!pickTask(ctx, k, book, tasks, claimed) && planner && ranOutAt !== lastIteration(ctx.ledger)) {
        // The tasks ran out: the planner writes the next ones (once per settled iteration; if it gives none, the lane works on the whole goal).
        await inQueue(async () => {
          if (ranOutAt === lastIteration(ctx.ledger) || stop || ctx.signal.aborted) return;
          ranOutAt = lastIteration(ctx.ledger);
          await plan('the tasks ran out');
        });
        tasks = await loadTasks(ctx, best);
      }
      if (mayStart()) continue;
      // Picked in the same tick as the lane-start entry: no other lane can take the same task meanwhile.
      const task = pickTask(ctx, k, book, tasks, claimed);
      if (task) claimed.set(k, task.id);
      // Numbered with no await between here and the journal entry: two lanes never take the same ordinal.
      const ordinal = book.sessions + 1;
      const key = laneKey(k, ordinal);
      const base = best;
      book.log(ctx, { type: 'lane-start', lane: k, key, base, ...(task ? { task } : {}) });
      inFlight.set(k, { key, task });
      ctx.emit({ type: 'step', iteration: ordinal, lane: k, step: 'session', text: `session ${key} starts${task ? ` on "${task.title}"` : ''}` });
      let work: LaneWork;
      try {
        work = await runLaneSession(laneCtx, {
          lane: k,
          lanes,
          key,
          ordinal,
          sessionIndex: book.indexOf(k),
          base,
          task,
          onReady: () => void book.log(ctx, { type: 'lane-ready', key }),
        });
      } finally {
        inFlight.delete(k);
      }
      const stopped = stop?.state === 'met';
      book.log(ctx, { type: 'lane-end', lane: k, key, commit: work.commit, session: work.session, judged: !stopped });
      ctx.emit({
        type: 'step',
        iteration: ordinal,
        lane: k,
        step: 'session',
        text: `session ${key} ended: ${work.session.stopReason}${work.session.cause ? ` (${work.session.cause})` : ''}: ${work.session.summary}`,
      });
      if (stopped) {
        claimed.delete(k);
        await saveUnjudged(ctx, k, key, base, work.commit);
        return;
      }
      // Interrupted: the work is journalled and is judged when `baton run` resumes.
      if (ctx.signal.aborted) return;
      waiting++;
      try {
        await judge(book.ends.get(key)!);
      } finally {
        waiting--;
        claimed.delete(k);
      }
      if (work.session.stopReason === 'nothing-to-do') {
        idle.add(k);
        return;
      }
    }
  };

  const results = await Promise.allSettled(
    Array.from({ length: lanes }, (_, i) =>
      lane(i + 1).catch((e: unknown) => {
        failure ??= e;
        // One lane's fault (an engine gone) stops the others: their sessions end and are journalled.
        stopSessions.abort(`another lane stopped the run: ${e instanceof Error ? e.message : String(e)}`);
        throw e;
      }),
    ),
  );
  await judging;
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  if (ctx.signal.aborted) return { state: 'interrupted', reason: 'interrupted by a signal' };
  if (stop) return stop;
  const d = stopDecision(ctx.spec, ctx.ledger, activeMs(ctx), { lanes: true });
  if (d) return { state: d.stop, reason: d.reason };
  if (idle.size === lanes) return { state: 'stalled', reason: `the worker had nothing more to do in any of the ${lanes} lanes` };
  return { state: 'budget', reason: noStart ?? 'no lane could start another session' };
}

/** TASKS.yaml of `base`: from the commit, not main's work tree (a candidate may be checked out there for measuring). */
async function loadTasks(ctx: RunContext, base: string): Promise<Task[]> {
  const text = await ctx.repo.blobText(base, TASKS_FILE, STATE_FILE_MAX_BYTES);
  return parseTasks(text ?? '', (reason) => ctx.emit({ type: 'warning', text: reason }));
}

/** The task of lane `k`'s next session: the script's, or the next open one no other lane holds; none means the whole goal. */
function pickTask(ctx: RunContext, k: number, book: LaneBook, tasks: readonly Task[], claimed: ReadonlyMap<number, string>): Task | undefined {
  const scripted = ctx.worker.scriptedTask?.(k, book.indexOf(k));
  if (scripted) return { id: taskId(scripted.title), ...scripted };
  const busy = new Set([...claimed].filter(([lane]) => lane !== k).map(([, id]) => id));
  return nextTask(tasks, ctx.ledger, busy);
}

/**
 * Why the budget cannot pay for one more session with `inFlight` already
 * running or waiting for the judge, at the current spending rate; undefined
 * when it can.
 */
export function budgetRoom(ctx: Pick<RunContext, 'spec' | 'ledger' | 'activeBeforeMs' | 'resumedAt' | 'now'>, inFlight: number): string | undefined {
  const b = ctx.spec.budget;
  const done = lastIteration(ctx.ledger);
  if (done + inFlight >= b.iterations) return `the iteration budget is spoken for (${done} judged, ${inFlight} in flight, of ${b.iterations})`;
  const sessions = ctx.ledger.filter((r) => r.session && r.iteration > 0);
  if (sessions.length === 0) return undefined;
  const used = totalUsage(ctx.ledger);
  const ahead = inFlight + 1;
  if (b.usd !== undefined) {
    const rate = used.usd / sessions.length;
    if (used.usd + rate * ahead > b.usd)
      return `the USD budget cannot pay for another session at $${rate.toFixed(2)} a session ($${used.usd.toFixed(2)} spent, ${inFlight} in flight, budget $${b.usd})`;
  }
  if (b.tokens !== undefined) {
    const rate = tokensOf(used) / sessions.length;
    if (tokensOf(used) + rate * ahead > b.tokens)
      return `the token budget cannot pay for another session at ${Math.round(rate)} tokens a session (${tokensOf(used)} spent, ${inFlight} in flight, budget ${b.tokens})`;
  }
  const avgMs = sessions.reduce((s, r) => s + (r.session?.durationMs ?? 0), 0) / sessions.length;
  if (activeMs(ctx) + avgMs > parseDuration(b.time))
    return `the time budget (${b.time}) ends before another session of about ${Math.round(avgMs / 1000)} s could`;
  return undefined;
}
