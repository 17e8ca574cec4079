/**
 * What `baton status` and `baton log` show, computed from the state files
 * without taking the lock (read-only; a torn line is reported, not cut).
 */
import * as fs from 'node:fs';
import type { ExperimentPaths } from '../experiment.js';
import { LedgerRecord } from '../ledger/record.js';
import type { Spec } from '../spec/schema.js';
import { holds, parseThreshold } from '../spec/threshold.js';
import { readJsonl } from '../state/jsonl.js';
import { lockHolder, type LockInfo } from '../state/lock.js';
import { bestValue } from '../judge/metrics.js';
import { currentBest, lastIteration, totalUsage, tokensOf } from '../ledger/query.js';
import { parseDuration } from '../spec/units.js';
import { progressEntries, type ProgressEntry } from '../workspace/progress.js';
import { readJournal, type JournalEntry } from './journal.js';

export interface MetricStatus {
  metric: string;
  threshold: string;
  baseline?: number;
  best?: number;
  latest?: number;
  /** Whether it holds on the kept code. */
  holds: boolean;
}

/** A lane's work that is not yet settled: its session runs, waits for the judge, or is being judged. */
export interface LaneStatus {
  lane: number;
  key: string;
  task?: string;
  step: 'session' | 'waiting for the judge' | 'judged';
  /** With step `judged`: the iteration number the judge gave it. */
  iteration?: number;
  /** When the step began (ISO). */
  since: string;
}

export interface RunStatus {
  name: string;
  /** not-started | running | met | budget | stalled | interrupted | error | stopped */
  state: string;
  reason?: string;
  holder?: LockInfo;
  run?: string;
  iteration: number;
  startedAt?: string;
  elapsedMs: number;
  budget: { iterations: number; timeMs: number; usd?: number; tokens?: number };
  used: { iterations: number; usd: number; tokens: number };
  metrics: MetricStatus[];
  entries: ProgressEntry[];
  /** With lanes: each piece of lane work not settled yet, by lane. */
  lanes: LaneStatus[];
  warnings: string[];
}

/** What the journal says each lane is doing: sessions in flight, work waiting for or in the judge. */
export function laneStatus(journal: readonly JournalEntry[]): LaneStatus[] {
  const open = new Map<string, LaneStatus>();
  const numbered = new Map<number, string>();
  for (const e of journal) {
    if (e.type === 'lane-start') open.set(e.key, { lane: e.lane, key: e.key, ...(e.task ? { task: e.task.title } : {}), step: 'session', since: e.at });
    else if (e.type === 'lane-end') {
      const s = open.get(e.key);
      if (s && e.judged) open.set(e.key, { ...s, step: 'waiting for the judge', since: e.at });
      else open.delete(e.key);
    } else if (e.type === 'iteration-start' && e.key) {
      const s = open.get(e.key);
      if (s) open.set(e.key, { ...s, step: 'judged', iteration: e.iteration, since: e.at });
      numbered.set(e.iteration, e.key);
    } else if (e.type === 'settled' && numbered.has(e.iteration)) open.delete(numbered.get(e.iteration)!);
  }
  return [...open.values()].sort((a, b) => a.lane - b.lane || a.since.localeCompare(b.since));
}

/** Reads the run's state. */
export function readStatus(spec: Spec, paths: ExperimentPaths, now: Date = new Date()): RunStatus {
  const journal = fs.existsSync(paths.journal) ? readJournal(paths.journal) : { records: [], warnings: [] };
  const ledger = readJsonl(paths.ledger, LedgerRecord);
  const records = ledger.records;
  const holder = lockHolder(paths.lock);
  const starts = journal.records.filter((e) => e.type === 'run-start');
  const end = [...journal.records].reverse().find((e) => e.type === 'run-end' || e.type === 'run-start');
  let state = 'not-started';
  let reason: string | undefined;
  if (holder) state = 'running';
  else if (end?.type === 'run-end') ({ state, reason } = end);
  else if (starts.length) state = 'stopped';
  const kept = currentBest(records);
  const baseline = records.find((r) => r.iteration === 0);
  const latest = records[records.length - 1];
  const metrics = Object.entries(spec.thresholds).map(([metric, text]) => {
    const t = parseThreshold(text)!;
    return {
      metric,
      threshold: text,
      baseline: baseline?.metrics[metric],
      best: bestValue(spec, records, metric),
      latest: latest?.metrics[metric],
      holds: holds(t, kept?.metrics[metric]),
    };
  });
  const used = totalUsage(records);
  const startedAt = starts[0]?.at;
  return {
    name: spec.name,
    state,
    reason,
    holder,
    run: starts[0]?.type === 'run-start' ? starts[0].run : undefined,
    iteration: lastIteration(records),
    startedAt,
    elapsedMs: startedAt ? now.getTime() - new Date(startedAt).getTime() : 0,
    budget: { iterations: spec.budget.iterations, timeMs: parseDuration(spec.budget.time), usd: spec.budget.usd, tokens: spec.budget.tokens },
    used: { iterations: lastIteration(records), usd: used.usd, tokens: tokensOf(used) },
    metrics,
    entries: progressEntries(spec, records),
    lanes: laneStatus(journal.records),
    warnings: [...journal.warnings, ...ledger.warnings],
  };
}
