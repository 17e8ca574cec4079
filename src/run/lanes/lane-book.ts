/** What the journal says of a run's lane sessions (lane-start, lane-ready, lane-end, plans), kept up to date as entries are appended. */
import { appendJournal, type JournalEntry, type JournalInput } from '../journal.js';
import type { RunContext } from '../context.js';

export type LaneStart = Extract<JournalEntry, { type: 'lane-start' }>;
export type LaneEnd = Extract<JournalEntry, { type: 'lane-end' }>;

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
