/**
 * How long a run has been running, for the time budget and the ledger's
 * elapsed hours: the sum of its runs' durations, not the wall-clock time
 * since the first start. A run stopped for the night and resumed in the
 * morning has spent only what it ran (trial H3: a 30 s budget was "spent"
 * by a 35 s pause). A run that was killed counts until its last journal
 * entry. Pure: reads journal entries.
 */
import type { JournalEntry } from './journal.js';

/** Milliseconds spent in the earlier runs of an experiment, from its journal as read at a (re)start. */
export function activeMsBefore(journal: JournalEntry[]): number {
  let total = 0;
  let start: number | undefined;
  let last: number | undefined;
  const close = (): void => {
    if (start !== undefined && last !== undefined) total += Math.max(0, last - start);
  };
  for (const e of journal) {
    const at = Date.parse(e.at);
    if (!Number.isFinite(at)) continue;
    if (e.type === 'run-start') {
      close();
      start = at;
    }
    last = at;
  }
  close();
  return total;
}
