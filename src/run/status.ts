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
import { readJournal } from './journal.js';

export interface MetricStatus {
  metric: string;
  threshold: string;
  baseline?: number;
  best?: number;
  latest?: number;
  /** Whether it holds on the kept code. */
  holds: boolean;
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
  warnings: string[];
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
    warnings: [...journal.warnings, ...ledger.warnings],
  };
}
