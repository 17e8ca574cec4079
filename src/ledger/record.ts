/**
 * The ledger: one JSON line per measurement (baseline, candidate, confirm),
 * with the verdict it led to and the session that produced it. Schema
 * version `v`; validated on every read.
 */
import { z } from 'zod';
import { Isolation } from '../sandbox/isolation.js';

export const VERDICT_KINDS = ['baseline', 'met', 'keep', 'revert', 'crashed', 'tamper', 'conflict', 'out-of-scope', 'stalled', 'budget'] as const;
/**
 * What happened to an iteration's candidate. `keep`/`revert` are the judge's
 * `continue`/`revert` settled; `met` kept and done; `crashed` the session or
 * sandbox died; `tamper` a protected or oracle file was touched. With lanes:
 * `conflict` the lane's work did not apply onto the current best (three-way);
 * `out-of-scope` it wrote outside its task's write scope. Neither is measured.
 */
export type VerdictKind = (typeof VERDICT_KINDS)[number];

const finite = z.number().refine(Number.isFinite, 'expected a finite number');

export const MeasurementRecord = z.object({
  oracle: z.string(),
  status: z.enum(['ok', 'failed', 'timeout', 'error']),
  metrics: z.record(z.string(), finite),
  reason: z.string().optional(),
  details: z.record(z.string(), z.unknown()),
  artifacts: z.array(z.object({ name: z.string(), kind: z.enum(['series', 'screenshot', 'file']), path: z.string() })),
  durationMs: z.number(),
});

export const Usage = z.object({
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  cacheReadTokens: z.number().int().min(0),
  cacheWriteTokens: z.number().int().min(0),
  usd: z.number().min(0),
});
export type Usage = z.infer<typeof Usage>;

export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, usd: 0 };

export const SessionRecord = z.object({
  summary: z.string(),
  stopReason: z.string(),
  usage: Usage,
  durationMs: z.number(),
  /** Why the session ended abnormally: oom, sandbox-died, timeout, error. */
  cause: z.string().optional(),
  /** With stopReason `run-budget`: the run budget in force when the session stopped short of crossing it. */
  runBudget: z.object({ usd: z.number().optional(), tokens: z.number().optional() }).optional(),
  /** What the harness found and undid after the session (a nested .git, an oversized file): each is tamper or a crash cause. */
  tamper: z.array(z.string()).optional(),
  /** With lanes: re-plans that ran just before this iteration; their cost is in `usage` too (lanes/planner.ts). */
  planner: z.object({ sessions: z.number().int().min(1), usage: Usage, reasons: z.array(z.string()) }).optional(),
});

export const LedgerRecordV1 = z.object({
  v: z.literal(1),
  run: z.string(),
  /** 0 is the baseline; iterations count from 1 without gaps. */
  iteration: z.number().int().min(0),
  phase: z.enum(['baseline', 'candidate', 'confirm']),
  commit: z.string(),
  at: z.string(),
  /** Hours since the run started, for time axes. */
  elapsedHours: z.number().min(0),
  measurements: z.array(MeasurementRecord),
  /** Every metric of every oracle, flattened: `accuracy.pk.P.max_rel` → value. */
  metrics: z.record(z.string(), finite),
  verdict: z.object({ kind: z.enum(VERDICT_KINDS), reason: z.string() }),
  session: SessionRecord.optional(),
  /** Integrity findings: tamper, non-finite outputs, oracle file hash changes. */
  warnings: z.array(z.string()).default([]),
  durationMs: z.number().min(0),
  /** The isolation the iteration's session and measurements ran under (provider, runtime, image id, user, network). */
  isolation: Isolation.optional(),
  /** With lanes (parallel.lanes > 1): the lane whose session made the candidate, and the task it worked on. */
  lane: z.number().int().min(1).optional(),
  task: z.string().optional(),
});

export type LedgerRecord = z.infer<typeof LedgerRecordV1>;
export type MeasurementRecord = z.infer<typeof MeasurementRecord>;
export type SessionRecord = z.infer<typeof SessionRecord>;

/** Reads any known version of a ledger line into the current shape. */
export const LedgerRecord = LedgerRecordV1;
