/**
 * The journal: every state transition of a run, appended (and fsync'd)
 * before the next step begins, so `baton run` after a crash knows exactly
 * where the interrupted iteration stood (DESIGN.md §2, §6).
 */
import { z } from 'zod';
import { appendJsonl, readJsonl, type JsonlRead } from '../state/jsonl.js';
import { SessionRecord } from '../ledger/record.js';
import { failpoint } from '../failpoint.js';

const base = { v: z.literal(1), at: z.string() };

export const JournalEntry = z.discriminatedUnion('type', [
  /** A `baton run` process started (a new run, or a resume of one). */
  z.object({ ...base, type: z.literal('run-start'), run: z.string(), pid: z.number(), resumed: z.boolean() }),
  /** SHA-256 of every oracle and reference file, taken at the run's first measurement. */
  z.object({ ...base, type: z.literal('oracle-hashes'), hashes: z.record(z.string(), z.string()) }),
  z.object({ ...base, type: z.literal('baseline-start'), commit: z.string() }),
  z.object({ ...base, type: z.literal('baseline-done'), head: z.string() }),
  /**
   * An iteration begins from `base`, the tip of main (the best kept code). With lanes it is the judgement of
   * lane session `key`, whose work is integrated onto `base` (the session itself ran before, from its own base).
   */
  z.object({
    ...base,
    type: z.literal('iteration-start'),
    iteration: z.number().int().min(1),
    base: z.string(),
    lane: z.number().int().min(1).optional(),
    key: z.string().optional(),
  }),
  /** A lane's session starts on its own copy of `base` (lanes.ts); `key` names it until the judge numbers it. */
  z.object({
    ...base,
    type: z.literal('lane-start'),
    lane: z.number().int().min(1),
    key: z.string(),
    base: z.string(),
    task: z.object({ id: z.string(), title: z.string(), scope: z.array(z.string()), metric: z.string().optional() }).optional(),
  }),
  /** The lane session's workspace is in its sandbox (copied in): from here a tree saved from the sandbox is its work. */
  z.object({ ...base, type: z.literal('lane-ready'), key: z.string() }),
  /**
   * A lane's session ended: its work is `commit` (parent: the session's base) on refs/baton/lanes/<lane>.
   * `judged: false` when the run stopped (met) before the work could be judged: it is kept as a patch only.
   */
  z.object({
    ...base,
    type: z.literal('lane-end'),
    lane: z.number().int().min(1),
    key: z.string(),
    commit: z.string(),
    session: SessionRecord,
    judged: z.boolean().default(true),
  }),
  z.object({ ...base, type: z.literal('session-end'), iteration: z.number().int().min(1), session: SessionRecord }),
  /** The session's work committed on main as a candidate. */
  z.object({ ...base, type: z.literal('candidate'), iteration: z.number().int().min(1), commit: z.string() }),
  /** The iteration's outcome is in git: main's new tip. */
  z.object({ ...base, type: z.literal('settled'), iteration: z.number().int().min(1), verdict: z.string(), head: z.string() }),
  /** With lanes and a model worker: the planner re-plans on main after iteration `after` (lanes/planner.ts). */
  z.object({ ...base, type: z.literal('plan-start'), after: z.number().int().min(0), reason: z.string() }),
  /** The re-plan ended: its session (its cost is charged to iteration after + 1), main's new tip. */
  z.object({ ...base, type: z.literal('plan'), after: z.number().int().min(0), reason: z.string(), session: SessionRecord, head: z.string() }),
  /** The run stopped: met, budget, stalled, interrupted or error. */
  z.object({ ...base, type: z.literal('run-end'), state: z.string(), reason: z.string() }),
]);

export type JournalEntry = z.infer<typeof JournalEntry>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A journal entry before the harness stamps it with `v` and `at`. */
export type JournalInput = DistributiveOmit<JournalEntry, 'v' | 'at'>;

/** Appends one transition. */
export function appendJournal(file: string, entry: JournalInput, now: Date = new Date()): JournalEntry {
  const full = { v: 1, at: now.toISOString(), ...entry } as JournalEntry;
  appendJsonl(file, full);
  failpoint(`journal:${full.type}`);
  return full;
}

/** Reads the journal; `repair` cuts a torn last line (only the process holding the lock may). */
export function readJournal(file: string, options: { repair?: boolean } = {}): JsonlRead<JournalEntry> {
  return readJsonl(file, JournalEntry, options);
}
