/** The end of every iteration: its candidate committed, measured, judged and settled, from what the journal says is done. */
import type { SessionRecord } from '../ledger/record.js';
import type { RunContext } from './context.js';
import { appendJournal } from './journal.js';
import { commitCandidate, measureAndJudge, type LanePlace } from './iteration.js';
import { settle } from './settle.js';
import { cleanWorkspace } from './workspace-check.js';

/**
 * Candidate commit (if not yet), measure and judge (if not yet in the ledger), settle.
 * Returns false when an interrupt came before a healthy candidate was measured: the
 * journal then says `candidate`, and the next `baton run` measures it.
 */
export async function finishIteration(
  ctx: RunContext,
  n: number,
  base: string,
  session: SessionRecord,
  candidate?: string,
  report = true,
  place: LanePlace = {},
): Promise<boolean> {
  // Before any host git command: what the session planted is gone (its evidence is in the journalled session).
  cleanWorkspace(ctx);
  let commit = candidate;
  if (commit === undefined) ({ commit, session } = await commitCandidate(ctx, n, session));
  let record = ctx.ledger.find((r) => r.iteration === n && r.phase === 'candidate');
  if (!record) {
    if (ctx.signal.aborted && !session.cause) return false;
    record = await measureAndJudge(ctx, n, base, commit, session, place);
  }
  ctx.emit({ type: 'verdict', iteration: n, verdict: record.verdict.kind, reason: record.verdict.reason });
  ctx.emit({ type: 'step', iteration: n, step: 'settle', text: `${record.verdict.kind}: committing the report` });
  const head = await settle(ctx, n, record.verdict.kind, session.summary, base, commit, report);
  appendJournal(ctx.paths.journal, { type: 'settled', iteration: n, verdict: record.verdict.kind, head }, ctx.now());
  return true;
}
