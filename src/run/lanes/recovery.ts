/**
 * Lanes after a crash: the work of sessions in flight saved from their
 * orphaned sandboxes before the sweep, the judge's open iteration finished,
 * sessions in flight recorded crashed, ended work judged (docs/lanes.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SessionRecord } from '../../ledger/record.js';
import { transcriptUsage } from '../../workers/transcript.js';
import type { RunContext } from '../context.js';
import { finishIteration } from '../finish.js';
import type { JournalEntry } from '../journal.js';
import { integrateAndJudge, judgeWork, placeOf, saveUnjudged } from './integrate.js';
import { LaneBook } from './lane-book.js';
import { workspaceLimits } from './lane-session.js';

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
