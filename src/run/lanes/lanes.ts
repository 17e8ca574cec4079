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
 */
import { setMaxListeners } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError, SystemError } from '../../errors.js';
import { iterationTag } from '../../experiment.js';
import { stopDecision } from '../../judge/stop.js';
import { lastIteration, tokensOf, totalUsage } from '../../ledger/query.js';
import type { SessionRecord } from '../../ledger/record.js';
import type { RunState } from '../../state/run-state.js';
import { parseDuration } from '../../spec/units.js';
import { transcriptUsage } from '../../workers/transcript.js';
import { commitMessage } from '../../workspace/git.js';
import { activeMs, type RunContext } from '../context.js';
import { finishIteration } from '../finish.js';
import { appendUnmeasured, type LanePlace } from '../iteration.js';
import { protectedTouched } from '../integrity.js';
import { judge } from '../../judge/judge.js';
import { appendJournal, readJournal, type JournalEntry, type JournalInput } from '../journal.js';
import { oneLine, settle } from '../settle.js';
import { Gate } from './gate.js';
import { chargePlans, hasPlanner, replan, replanDue } from './planner.js';
import { runLaneSession, workspaceLimits, type LaneWork } from './lane-session.js';
import { nextTask, outOfScope, parseTasks, TASKS_FILE, taskId, type Task } from './tasks.js';
import { STATE_FILE_MAX_BYTES } from '../../workspace/safe-fs.js';

type LaneStart = Extract<JournalEntry, { type: 'lane-start' }>;
type LaneEnd = Extract<JournalEntry, { type: 'lane-end' }>;

/** What the journal says of the run's lane sessions, kept up to date as entries are appended. */
export class LaneBook {
  readonly starts = new Map<string, LaneStart>();
  readonly ends = new Map<string, LaneEnd>();
  /** Keys whose work has an iteration number (an iteration-start names them). */
  readonly numbered = new Set<string>();
  /** Sessions whose workspace was moved into their sandbox (only their salvaged trees are their work). */
  readonly movedIn = new Set<string>();
  /** The planner's re-plans (planner.ts), whose cost the next iteration carries. */
  readonly plans: JournalEntry[] = [];

  constructor(journal: readonly JournalEntry[]) {
    for (const e of journal) this.note(e);
  }

  note(e: JournalEntry): void {
    if (e.type === 'lane-start') this.starts.set(e.key, e);
    else if (e.type === 'lane-end') this.ends.set(e.key, e);
    else if (e.type === 'iteration-start' && e.key) this.numbered.add(e.key);
    else if (e.type === 'plan') this.plans.push(e);
    else if (e.type === 'lane-ready') this.movedIn.add(e.key);
  }

  /** Appends an entry to the journal and to the book. */
  log(ctx: RunContext, entry: JournalInput): JournalEntry {
    const e = appendJournal(ctx.paths.journal, entry, ctx.now());
    this.note(e);
    return e;
  }

  /** Sessions started so far: the next one's ordinal is this plus one. */
  get sessions(): number {
    return this.starts.size;
  }

  /** The replay index of lane `lane`'s next session: its sessions that were not cut short by the harness. */
  indexOf(lane: number): number {
    return [...this.ends.values()].filter((e) => e.lane === lane && e.session.stopReason !== 'interrupted').length;
  }

  /** Work that ended and waits for its judgement, in the order it ended. */
  pending(): LaneEnd[] {
    return [...this.ends.values()].filter((e) => e.judged && !this.numbered.has(e.key));
  }

  /** Sessions that started and never ended (the harness died during them). */
  inFlight(): LaneStart[] {
    return [...this.starts.values()].filter((s) => !this.ends.has(s.key));
  }
}

/** A lane session's key: names its transcript and sandbox until the judge numbers its work. */
export function laneKey(lane: number, ordinal: number): string {
  return `lane${lane}-${String(ordinal).padStart(4, '0')}`;
}

/**
 * After a crash, before any new session: sessions that were in flight are
 * recorded as crashed (what their transcript says they spent counts), an
 * iteration the judge had begun is finished, and every piece of work that
 * ended is judged. Runs whatever parallel.lanes now says.
 */
export async function recoverLaneWork(ctx: RunContext, journal: readonly JournalEntry[]): Promise<void> {
  const book = new LaneBook(journal);
  const open = openLaneIteration(journal);
  if (open) {
    ctx.emit({ type: 'step', iteration: open.n, step: 'recover', text: `iteration ${open.n} (lane ${open.lane}) was being judged; finishing it` });
    const end = book.ends.get(open.key);
    if (!end) throw new Error(`journal: iteration ${open.n} names lane session ${open.key}, which never ended`);
    if (open.candidate) await finishIteration(ctx, open.n, open.base, open.session ?? end.session, open.candidate, false, placeOf(book, end));
    else {
      // The integrated commit may already be main's tip, unjournalled: judging starts again from the best.
      if ((await ctx.repo.head()) !== open.base) await ctx.repo.resetHard(open.base);
      await integrateAndJudge(ctx, book, open.n, open.base, end, false);
    }
  }
  // After `met` nothing more is judged: work still waiting (a kill came before it was marked) is kept as a patch only.
  const met = ctx.ledger[ctx.ledger.length - 1]?.verdict.kind === 'met';
  for (const s of book.inFlight()) {
    const usage = transcriptUsage(path.join(ctx.paths.transcripts, `${s.key}.jsonl`));
    const tree = salvagedTree(ctx.paths.state, s.key);
    let commit = s.base;
    // Only a tree whose copy-in had finished: a sandbox killed during it holds a part of the base, which reads as deletions.
    if (fs.existsSync(tree) && book.movedIn.has(s.key)) {
      const message = `baton: lane ${s.lane} session ${s.key}: saved from its sandbox after the harness stopped`;
      commit = await ctx.repo.commitFolder(tree, s.base, message, [], `${tree}.index`).catch(() => s.base);
    }
    const saved = commit !== s.base ? 'its work was copied out of its sandbox and is saved' : 'its work went with its sandbox';
    const session: SessionRecord = {
      summary: '(interrupted: the harness stopped during the session)',
      stopReason: 'interrupted',
      usage,
      durationMs: 0,
      cause: `interrupted: the harness stopped during the session; ${saved}`,
    };
    ctx.emit({ type: 'warning', text: `lane ${s.lane}: session ${s.key} was in flight when the harness stopped; it is recorded as crashed (${saved})` });
    await ctx.repo.updateRef(`refs/baton/lanes/${s.lane}`, commit);
    book.log(ctx, { type: 'lane-end', lane: s.lane, key: s.key, commit, session, judged: !met });
    // Removed only once its lane-end holds the commit: a kill before that finds the tree again.
    fs.rmSync(tree, { recursive: true, force: true });
    fs.rmSync(`${tree}.index`, { force: true });
    if (met) await saveUnjudged(ctx, s.lane, s.key, s.base, commit);
  }
  for (const end of book.pending()) {
    if (!met) await judgeWork(ctx, book, end, false);
    else {
      const { v: _v, at: _at, ...entry } = end;
      book.log(ctx, { ...entry, judged: false });
      await saveUnjudged(ctx, end.lane, end.key, book.starts.get(end.key)?.base ?? (await ctx.repo.parentOf(end.commit)), end.commit);
    }
  }
}

/**
 * Where a lane session's tree saved from its orphaned sandbox goes (salvageLaneWork), until recoverLaneWork commits
 * it: in .baton/, not scratch (which a run's end removes), so a kill between the sweep and the recovery loses nothing.
 */
function salvagedTree(state: string, key: string): string {
  return path.join(state, 'salvage', key);
}

/**
 * Before the sweep removes a killed run's sandboxes: the /workspace of each
 * lane session's sandbox is copied out (hostile-tree rules), so the session
 * is recorded crashed with its work saved rather than lost.
 */
export async function salvageLaneWork(
  experiment: string,
  provider: RunContext['provider'],
  state: string,
  spec: RunContext['spec'],
  emit: RunContext['emit'],
): Promise<void> {
  if (!provider.salvage) return;
  const dir = path.join(state, 'salvage');
  fs.mkdirSync(dir, { recursive: true });
  // A copy a kill cut short is a part of a tree (it would read as deletions): gone, and read again if its sandbox is.
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.part')) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  // A tree already saved by an earlier start (killed before its recovery) stays; a sandbox is read into `<key>.part`,
  // renamed to `<key>` once whole.
  const dest = (key: string) => {
    if (!/^lane\d+-\d+$/.test(key)) return undefined;
    if (fs.existsSync(salvagedTree(state, key))) return undefined;
    return `${salvagedTree(state, key)}.part`;
  };
  try {
    const keys = await provider.salvage({ experiment }, '/workspace', dest, { limits: workspaceLimits({ spec }) });
    for (const key of keys) fs.renameSync(`${salvagedTree(state, key)}.part`, salvagedTree(state, key));
    if (keys.length) emit({ type: 'info', text: `saved the work of ${keys.length} lane session(s) a killed run left in flight: ${keys.join(', ')}` });
  } catch (e) {
    emit({ type: 'warning', text: `could not save the work of lane sessions a killed run left: ${(e as Error).message}` });
  }
}

/** The judge's iteration that a crash left open, when it is a lane's. */
function openLaneIteration(journal: readonly JournalEntry[]) {
  let open: { n: number; base: string; lane: number; key: string; session?: SessionRecord; candidate?: string } | undefined;
  for (const e of journal) {
    if (e.type === 'iteration-start') open = e.key && e.lane ? { n: e.iteration, base: e.base, lane: e.lane, key: e.key } : undefined;
    else if (open && 'iteration' in e && e.iteration === open.n) {
      if (e.type === 'session-end') open.session = e.session;
      if (e.type === 'candidate') open.candidate = e.commit;
      if (e.type === 'settled') open = undefined;
    }
  }
  return open;
}

function placeOf(book: LaneBook, end: LaneEnd): LanePlace {
  const task = book.starts.get(end.key)?.task;
  return { lane: end.lane, ...(task ? { task: task.id } : {}) };
}

/** Numbers a lane's finished work as the next iteration and judges it on top of main's tip. */
async function judgeWork(ctx: RunContext, book: LaneBook, end: LaneEnd, report = true): Promise<string> {
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
async function integrateAndJudge(ctx: RunContext, book: LaneBook, n: number, best: string, end: LaneEnd, report: boolean): Promise<string> {
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

/** Work a stop (met) cut short: its lane ref stays, and its patch is saved beside the iterations' (not judged, no number). */
async function saveUnjudged(ctx: RunContext, lane: number, key: string, base: string, commit: string): Promise<void> {
  if (commit === base || (await ctx.repo.changedPaths(base, commit)).length === 0) return;
  fs.mkdirSync(ctx.paths.attempts, { recursive: true });
  await ctx.repo.diffToFile(base, commit, path.join(ctx.paths.attempts, `${key}.patch`));
  ctx.emit({ type: 'info', text: `lane ${lane}: the run is met; session ${key}'s unjudged work is saved as ${path.join(ctx.paths.attempts, `${key}.patch`)}` });
}
