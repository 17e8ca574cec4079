/**
 * The Worker contract (DESIGN.md §5): one session in a fresh worker sandbox.
 * The loop does not care which worker it drives.
 */
import type { SandboxHandle } from '../sandbox/types.js';
import type { Spec } from '../spec/schema.js';
import type { Usage } from '../ledger/record.js';
import type { Transcript } from './transcript.js';

/**
 * Why a session ended. The abnormal ones make the iteration `crashed`.
 * `budget`: a session cap (turns, tokens); `run-budget`: the run's USD or
 * token budget would be crossed by the next model turn, so the run stops too.
 */
export type StopReason = 'done' | 'nothing-to-do' | 'budget' | 'run-budget' | 'timeout' | 'oom' | 'sandbox-died' | 'interrupted' | 'error';

/** Stop reasons that mean the session crashed rather than finished. */
export const CRASH_REASONS: ReadonlySet<StopReason> = new Set(['oom', 'sandbox-died', 'interrupted', 'error']);

export interface SessionContext {
  spec: Spec;
  experimentDir: string;
  iteration: number;
  /** 0-based index of this session among the run's (with lanes: its lane's) sessions that were not cut short by the harness dying. */
  sessionIndex: number;
  /** With lanes (parallel.lanes > 1): the lane the session runs in, from 1. */
  lane?: number;
  sandbox: SandboxHandle;
  prompt: string;
  /** Epoch ms at which the session must have stopped. */
  deadline: number;
  /** USD and tokens the run may still spend, when budgeted. */
  runBudgetLeft: { usd?: number; tokens?: number };
  transcript: Transcript;
  signal: AbortSignal;
  /** Measures the current working tree with the oracles; the table the worker's `measure` tool returns. */
  measure?: () => Promise<string>;
  /** Tells whoever watches the run what the session is waiting on (a model API that does not answer); printed, not journaled. */
  notify?: (text: string) => void;
}

export interface SessionResult {
  summary: string;
  stopReason: StopReason;
  usage: Usage;
  /** The detail behind an abnormal stop, e.g. the command that was OOM-killed. */
  cause?: string;
  /** With `run-budget`: the run budget in force (spec.budget usd/tokens), so a resume after raising it goes on. */
  runBudget?: { usd?: number; tokens?: number };
}

/** A task a script gives a lane's session (the replay worker stands in for the planner). */
export interface ScriptedTask {
  title: string;
  scope: string[];
  metric?: string;
}

export interface Worker {
  readonly kind: Spec['worker']['kind'];
  runSession(ctx: SessionContext): Promise<SessionResult>;
  /** The task the script gives session `sessionIndex` of `lane`, when the worker is scripted (replay). */
  scriptedTask?(lane: number, sessionIndex: number): ScriptedTask | undefined;
}
