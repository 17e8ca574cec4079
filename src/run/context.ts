/** What every step of a run shares: the spec, the paths, the adapters, the state read from disk. */
import type { ExperimentPaths } from '../experiment.js';
import type { LedgerRecord } from '../ledger/record.js';
import type { Isolation } from '../sandbox/isolation.js';
import type { SandboxHandle, SandboxProvider } from '../sandbox/types.js';
import type { Spec } from '../spec/schema.js';
import type { Worker } from '../workers/types.js';
import type { Repo } from '../workspace/git.js';
import type { Gate } from './lanes/gate.js';

/** Progress and warnings for whoever drives the run (the CLI prints them). */
export type RunEvent =
  | { type: 'info'; text: string }
  | { type: 'warning'; text: string }
  | { type: 'step'; iteration: number; step: 'session' | 'measure' | 'judge' | 'settle' | 'report' | 'recover'; text: string; lane?: number }
  | { type: 'verdict'; iteration: number; verdict: string; reason: string };

export interface RunContext {
  spec: Spec;
  paths: ExperimentPaths;
  repo: Repo;
  provider: SandboxProvider;
  /** The isolation the run's sandboxes get (recorded in every ledger record); undefined with an injected provider (tests). */
  isolation?: Isolation;
  worker: Worker;
  runId: string;
  /** When the run began (its first `run-start`). */
  startedAt: Date;
  /** Running time of the experiment's earlier runs (active-time.ts); with now − resumedAt, what the time budget counts. */
  activeBeforeMs: number;
  /** When this process's run started. */
  resumedAt: Date;
  /** The ledger as read at start, appended to as the run goes. */
  ledger: LedgerRecord[];
  /** SHA-256 of the oracle files at the run's first measurement. */
  oracleHashes: Record<string, string>;
  signal: AbortSignal;
  /** Sandboxes an interrupt must not remove at once: lanes' sessions, whose work is copied out first (runSession). */
  spareOnInterrupt?: Set<SandboxHandle>;
  /** With lanes: the measure queue every measurement passes through (lanes/gate.ts); without, measurements run as they come. */
  measureSlot?: Gate;
  emit(e: RunEvent): void;
  now(): Date;
}

/** Milliseconds the experiment has been running: earlier runs plus this one, pauses between them left out. */
export function activeMs(ctx: Pick<RunContext, 'activeBeforeMs' | 'resumedAt' | 'now'>): number {
  return ctx.activeBeforeMs + Math.max(0, ctx.now().getTime() - ctx.resumedAt.getTime());
}
