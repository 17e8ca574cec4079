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
    });
    if (isKept(r)) previous = value ?? previous;
  }
  return entries;
}

/** One entry as a markdown block. */
export function formatEntry(e: ProgressEntry, primary: string): string {
  const change = e.previous === undefined ? `${primary} = ${fmt(e.primary)}` : `${primary}: ${fmt(e.previous)} → ${fmt(e.primary)}`;
  const lines = [`### Iteration ${e.iteration}: ${e.verdict}`, '', `- ${e.summary || '(no summary)'}`, `- ${change}`, `- judge: ${e.reason}`];
  if (e.cause) lines.push(`- cause: ${e.cause}`);
  lines.push(`- cost $${e.usd.toFixed(2)}, ${formatDuration(e.durationMs)}`);
  return lines.join('\n');
}

/** A one-paragraph summary of entries folded away. */
export function foldEntries(entries: ProgressEntry[], primary: string): string {
  if (entries.length === 0) return '';
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.verdict, (counts.get(e.verdict) ?? 0) + 1);
  const tally = VERDICT_KINDS.filter((k) => counts.has(k))
    .map((k) => `${counts.get(k)} ${k}`)
    .join(', ');
  const first = entries[0];
  const last = entries[entries.length - 1];
  const values = entries.map((e) => e.primary).filter((v): v is number => v !== undefined);
  const range = values.length ? `; ${primary} from ${fmt(values[0])} to ${fmt(values[values.length - 1])}` : '';
  return `Iterations ${first.iteration}–${last.iteration} (folded): ${tally}${range}.`;
}

/** The whole PROGRESS.md. */
export function progressFile(spec: Spec, records: LedgerRecord[], keepFull = 20): string {
  const primary = primaryMetric(spec);
  const entries = progressEntries(spec, records);
  const folded = entries.slice(0, Math.max(0, entries.length - keepFull));
  const recent = entries.slice(folded.length);
  const parts = ['# Progress', '', '<!-- Written by baton from the ledger after every iteration; edits here are reverted as tampering. -->', ''];
  if (folded.length) parts.push('## Earlier iterations', '', foldEntries(folded, primary), '');
  parts.push('## Iterations', '');
  for (const e of recent.reverse()) parts.push(formatEntry(e, primary), '');
  return parts.join('\n');
}
