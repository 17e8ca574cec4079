/**
 * PROGRESS.md, regenerated from the ledger after every iteration (so it is
 * idempotent under crash recovery). The newest entries are shown in full;
 * older ones are folded into a summary, so its size is bounded.
 */
import type { Spec } from '../spec/schema.js';
import { VERDICT_KINDS, type LedgerRecord, type VerdictKind } from '../ledger/record.js';
import { isKept } from '../ledger/query.js';
import { fmt } from '../judge/judge.js';
import { primaryMetric } from '../judge/metrics.js';
import { formatDuration } from '../spec/units.js';

/** One iteration as the prompt and PROGRESS.md show it. */
export interface ProgressEntry {
  iteration: number;
  verdict: VerdictKind;
  summary: string;
  reason: string;
  primary?: number;
  previous?: number;
  usd: number;
  durationMs: number;
  cause?: string;
  /** With lanes: the lane whose session made the candidate, and its task. */
  lane?: number;
  task?: string;
}

/** The entries of the ledger, one per iteration (its last record, so a confirmation shows the final verdict). */
export function progressEntries(spec: Spec, records: LedgerRecord[]): ProgressEntry[] {
  const primary = primaryMetric(spec);
  const byIteration = new Map<number, LedgerRecord>();
  const usd = new Map<number, number>();
  for (const r of records) {
    byIteration.set(r.iteration, r);
    usd.set(r.iteration, (usd.get(r.iteration) ?? 0) + (r.session?.usage.usd ?? 0));
  }
  let previous: number | undefined;
  const entries: ProgressEntry[] = [];
  for (const r of [...byIteration.values()].sort((a, b) => a.iteration - b.iteration)) {
    const value = r.metrics[primary];
    entries.push({
      iteration: r.iteration,
      verdict: r.verdict.kind,
      summary: r.iteration === 0 ? 'baseline: the untouched workspace' : (r.session?.summary ?? ''),
      reason: r.verdict.reason,
      primary: value,
      previous,
      usd: usd.get(r.iteration) ?? 0,
      durationMs: r.durationMs,
      cause: r.session?.cause,
      ...laneOf(r),
    });
    if (isKept(r)) previous = value ?? previous;
  }
  return entries;
}

/** The lane and task of a record, when it has them. */
function laneOf(r: LedgerRecord): Pick<ProgressEntry, 'lane' | 'task'> {
  return { ...(r.lane !== undefined ? { lane: r.lane } : {}), ...(r.task !== undefined ? { task: r.task } : {}) };
}

/** One entry as a markdown block. */
export function formatEntry(e: ProgressEntry, primary: string): string {
  const change = e.previous === undefined ? `${primary} = ${fmt(e.primary)}` : `${primary}: ${fmt(e.previous)} → ${fmt(e.primary)}`;
  const where = e.lane !== undefined ? ` (lane ${e.lane}${e.task ? `, task ${e.task}` : ''})` : '';
  const lines = [`### Iteration ${e.iteration}: ${e.verdict}${where}`, '', `- ${e.summary || '(no summary)'}`, `- ${change}`, `- judge: ${e.reason}`];
  if (e.cause) lines.push(`- cause: ${e.cause}`);
  lines.push(`- cost $${e.usd.toFixed(2)}, ${formatDuration(e.durationMs)}`);
  return lines.join('\n');
}

/** What a fold says about the entries folded into it, gathered one entry at a time. */
interface Fold {
  first: ProgressEntry;
  last: ProgressEntry;
  counts: Map<string, number>;
  firstValue?: number;
  lastValue?: number;
}

function addToFold(fold: Fold | undefined, e: ProgressEntry): Fold {
  const f = fold ?? { first: e, last: e, counts: new Map<string, number>() };
  f.last = e;
  f.counts.set(e.verdict, (f.counts.get(e.verdict) ?? 0) + 1);
  if (e.primary !== undefined) {
    f.firstValue ??= e.primary;
    f.lastValue = e.primary;
  }
  return f;
}

function foldText(f: Fold | undefined, primary: string): string {
  if (!f) return '';
  const tally = VERDICT_KINDS.filter((k) => f.counts.has(k))
    .map((k) => `${f.counts.get(k)} ${k}`)
    .join(', ');
  const range = f.firstValue !== undefined ? `; ${primary} from ${fmt(f.firstValue)} to ${fmt(f.lastValue)}` : '';
  return `Iterations ${f.first.iteration}–${f.last.iteration} (folded): ${tally}${range}.`;
}

/** A one-paragraph summary of entries folded away. */
export function foldEntries(entries: ProgressEntry[], primary: string): string {
  let fold: Fold | undefined;
  for (const e of entries) fold = addToFold(fold, e);
  return foldText(fold, primary);
}

/** The whole PROGRESS.md. */
export function progressFile(spec: Spec, records: LedgerRecord[], keepFull = 20): string {
  const primary = primaryMetric(spec);
  const entries = progressEntries(spec, records);
  const folded = entries.slice(0, Math.max(0, entries.length - keepFull));
  return progressText(primary, foldEntries(folded, primary), entries.slice(folded.length));
}

function progressText(primary: string, folded: string, recent: ProgressEntry[]): string {
  const parts = ['# Progress', '', '<!-- Written by baton from the ledger after every iteration; edits here are reverted as tampering. -->', ''];
  if (folded) parts.push('## Earlier iterations', '', folded, '');
  parts.push('## Iterations', '');
  for (const e of [...recent].reverse()) parts.push(formatEntry(e, primary), '');
  return parts.join('\n');
}

/**
 * PROGRESS.md of a growing ledger at a cost that does not grow with it: the
 * run appends records, so only the new ones are read and the fold of older
 * entries is kept as running counts. `file(records)` equals
 * `progressFile(spec, records, keepFull)`; a ledger that did not just grow at
 * its end (a record inserted before the last iteration, a different array) is
 * read again from the start.
 */
export class ProgressTracker {
  private readonly primary: string;
  private entries: ProgressEntry[] = [];
  /** The last record read and how many were read: the ledger must still hold it there to be read on from it. */
  private read = 0;
  private lastRecord: LedgerRecord | undefined;
  /** The primary metric's running best after all entries but the last (the last can still change: a confirmation). */
  private previous: number | undefined;
  /** Whether the last entry's record is kept (then its value is the running best after it). */
  private lastKept = false;
  private folded = 0;
  private fold: Fold | undefined;

  constructor(
    private readonly spec: Spec,
    private readonly keepFull = 20,
  ) {
    this.primary = primaryMetric(spec);
  }

  file(records: LedgerRecord[]): string {
    if (this.keepFull < 1 || records.length < this.read || (this.read > 0 && records[this.read - 1] !== this.lastRecord)) this.reset();
    for (let i = this.read; i < records.length; i++) {
      if (!this.add(records[i])) {
        // not in iteration order: the whole computation, and a fresh start next time
        this.reset();
        return progressFile(this.spec, records, this.keepFull);
      }
    }
    this.read = records.length;
    this.lastRecord = records[records.length - 1];
    // only the last entry changes once added; it stays among the recent ones since keepFull >= 1
    while (this.entries.length - this.folded > this.keepFull) this.fold = addToFold(this.fold, this.entries[this.folded++]);
    return progressText(this.primary, foldText(this.fold, this.primary), this.entries.slice(this.folded));
  }

  private reset(): void {
    this.entries = [];
    this.read = 0;
    this.lastRecord = undefined;
    this.previous = undefined;
    this.lastKept = false;
    this.folded = 0;
    this.fold = undefined;
  }

  /** Reads one more record; false when it belongs before the last entry (the caller starts over). */
  private add(r: LedgerRecord): boolean {
    const last = this.entries[this.entries.length - 1];
    const usd = r.session?.usage.usd ?? 0;
    if (last && r.iteration < last.iteration) return false;
    if (last && r.iteration === last.iteration) {
      this.entries[this.entries.length - 1] = this.entry(r, last.previous, last.usd + usd);
    } else {
      // as progressEntries does: a kept entry's value (when it has one) is the running best after it
      if (last && this.lastKept) this.previous = last.primary ?? last.previous;
      this.entries.push(this.entry(r, this.previous, usd));
    }
    this.lastKept = isKept(r);
    this.lastRecord = r;
    return true;
  }

  private entry(r: LedgerRecord, previous: number | undefined, usd: number): ProgressEntry {
    return {
      iteration: r.iteration,
      verdict: r.verdict.kind,
      summary: r.iteration === 0 ? 'baseline: the untouched workspace' : (r.session?.summary ?? ''),
      reason: r.verdict.reason,
      primary: r.metrics[this.primary],
      previous,
      usd,
      durationMs: r.durationMs,
      cause: r.session?.cause,
      ...laneOf(r),
    };
  }
}
