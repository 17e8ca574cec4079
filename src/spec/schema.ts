/**
 * The one definition of baton.yaml. Everything else (the JSON Schema, the
 * docs of `baton schema`, the defaults) is generated from or reads this.
 * Each oracle kind's entry is defined in its oracles/<kind>/schema.ts and
 * listed in src/oracles/specs.ts (`ORACLE_SPECS`); the shared pieces are in
 * schema-parts.ts.
 * Durations and sizes stay strings here and are parsed where they are used
 * (units.ts), so the JSON Schema describes exactly what users write.
 */
import { z } from 'zod';
import { ORACLE_SPECS } from '../oracles/specs.js';
import { SANDBOX_KIND_NAMES, SANDBOX_SPEC_FIELDS } from '../sandbox/spec-keys.js';
import { command, duration, envNames, id, size } from './schema-parts.js';
import { THRESHOLD_PATTERN } from './threshold.js';

export { oracleCommon } from './schema-parts.js';

/** One entry of `oracles`: the built-in kinds' schemas, each in its oracles/<kind>/schema.ts, listed in src/oracles/specs.ts. */
export const OracleSpec = z.discriminatedUnion('kind', [...ORACLE_SPECS]);

const pricing = z
  .object({
    input: z.number().min(0),
    output: z.number().min(0),
    cache_read: z.number().min(0),
    cache_write: z.number().min(0),
  })
  .strict()
  .describe('USD per million tokens.');

export const ReplayWorkerSpec = z
  .object({
    kind: z.literal('replay'),
    script: z.string().min(1).describe('Replay script, relative to the experiment folder.'),
  })
  .strict();

export const AnthropicWorkerSpec = z
  .object({
    kind: z.literal('anthropic'),
    model: z
      .string()
      .min(1)
      .default('claude-sonnet-5-5')
      .describe('Model id; the default is the current Sonnet (claude-sonnet-4-5 reaches end-of-life on 2026-11-30).'),
    max_tokens: z.number().int().min(256).default(8192).describe('max_tokens of each model turn.'),
    pricing: z.record(z.string(), pricing).default({}).describe('Overrides of the built-in price table, by model.'),
  })
  .strict();

export const CommandWorkerSpec = z
  .object({
    kind: z.literal('command'),
    command: command.describe('The agent command, run in the worker sandbox with the prompt on stdin and in $BATON_PROMPT_FILE.'),
    env: envNames.default([]),
  })
  .strict();

export const WorkerSpec = z.discriminatedUnion('kind', [ReplayWorkerSpec, AnthropicWorkerSpec, CommandWorkerSpec]);

export const JudgeSpec = z
  .object({
    keep: z.enum(['improve', 'no-regress', 'always']).default('improve'),
    primary: z.string().optional().describe('The metric whose improvement `keep: improve` asks for; default the first threshold.'),
    confirm: z.number().int().min(1).default(1).describe('Consecutive measurements on which every threshold must hold.'),
    stall_after: z
      .number()
      .int()
      .min(1)
      .default(8)
      .describe('Iterations without a kept improvement before the prompt asks for a new approach; twice this stops the run.'),
    model: z
      .object({
        model: z.string().min(1).default('claude-haiku-4-5'),
        condition: z.string().min(1).describe('What the model judge must agree holds before the goal counts as met.'),
        timeout: duration.default('2m'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const BudgetSpec = z
  .object({
    iterations: z.number().int().min(1).default(20),
    time: duration.default('24h').describe('Wall time of the whole run.'),
    usd: z.number().min(0).optional(),
    tokens: z.number().int().min(0).optional(),
    session: z
      .object({
        time: duration.default('30m'),
        turns: z.number().int().min(1).default(80),
        tokens: z.number().int().min(0).optional(),
      })
      .strict()
      .default({ time: '30m', turns: 80 }),
  })
  .strict();

/** `sandbox:`; the kinds, and the keys only one kind reads (image, allow_plain_processes), come from the sandbox registry. */
export const SandboxSpec = z
  .object({
    kind: z.enum(SANDBOX_KIND_NAMES).default('docker'),
    memory: size.default('2g'),
    cpus: z.number().gt(0).default(2),
    pids: z.number().int().min(16).default(512),
    tmp: size.default('512m').describe('Size of the tmpfs at /tmp.'),
    network: z.enum(['none', 'bridge']).default('none'),
    env: envNames.default([]),
    ...SANDBOX_SPEC_FIELDS,
  })
  .strict();

/** Checked after every session: a workspace over either limit ends the session as crashed, and the oversized files are removed. */
export const LimitsSpec = z
  .object({
    workspace: size.default('2g').describe('Total size of the workspace files (its .git excluded) after a session.'),
    file: size.default('256m').describe('Size of any one workspace file after a session.'),
  })
  .strict();

/** The most lanes one run may have: each holds a sandbox and a session in flight, and nothing spawns beyond them. */
export const MAX_LANES = 16;

/** `parallel:`: sessions at once on one experiment (docs/lanes.md). */
export const ParallelSpec = z
  .object({
    lanes: z
      .number()
      .int()
      .min(1)
      .max(MAX_LANES)
      .default(1)
      .describe(
        'Sessions that work at once, each on its own copy of the workspace at the current best; their candidates are integrated onto the best and judged one at a time. 1 is the sequential loop.',
      ),
    measure: z
      .number()
      .int()
      .min(1)
      .max(8)
      .default(1)
      .describe(
        "With lanes: measurements at once (the judge's and the workers' measure tool). A measurement with a benchmark oracle always runs alone; so does every measurement at 1.",
      ),
    replan_every: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe('With lanes and a model worker: the planner rewrites TASKS.yaml after this many kept iterations (and when the tasks run out or one stalls).'),
  })
  .strict();

const metricName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$/, 'expected a dotted metric name such as accuracy.pk.P.max_rel');

/** baton.yaml with `oracle` as the schema of one entry of `oracles`. */
function specObject<O extends z.ZodType>(oracle: O) {
  return z
    .object({
      version: z.literal(1).default(1),
      name: id,
      goal: z.string().min(1, 'expected a goal in words'),
      protected: z.array(z.string().min(1)).default([]).describe('Workspace paths (globs) the worker must not change; PROMPT.md is always protected.'),
      expose: z
        .array(z.string().min(1))
        .default([])
        .describe('Experiment files (globs, e.g. oracle/*.dat) the worker may read at /baton/exposed; nothing else of oracle/ is visible to it.'),
      oracles: z.array(oracle).min(1, 'expected at least one oracle'),
      thresholds: z.record(metricName, z.string().regex(THRESHOLD_PATTERN, 'expected a threshold such as "< 1e-3" or ">= 1"')),
      worker: WorkerSpec.default({ kind: 'replay', script: 'replay.yaml' }),
      judge: JudgeSpec.default({ keep: 'improve', confirm: 1, stall_after: 8 }),
      budget: BudgetSpec.default({ iterations: 20, time: '24h', session: { time: '30m', turns: 80 } }),
      // Every key's own default (a kind's keys included): parsed, not listed here.
      sandbox: SandboxSpec.prefault({}),
      prompt: z
        .object({ max_chars: z.number().int().min(2000).default(24_000) })
        .strict()
        .default({ max_chars: 24_000 }),
      limits: LimitsSpec.default({ workspace: '2g', file: '256m' }),
      parallel: ParallelSpec.default({ lanes: 1, measure: 1, replan_every: 5 }),
    })
    .strict();
}

export const Spec = specObject(OracleSpec);

/**
 * The spec schema that also admits oracle kinds registered beyond the
 * built-in ones (src/oracles/registry.ts, by tests): their entries parse,
 * but are typed as Spec's built-in union, so a registered kind's descriptor
 * is handed its own spec as `OracleSpecBase` plus what its schema adds.
 */
export function specSchemaWith(extra: readonly z.ZodObject[]): typeof Spec {
  if (extra.length === 0) return Spec;
  const union = z.discriminatedUnion('kind', [...OracleSpec.options, ...extra] as unknown as typeof OracleSpec.options);
  return specObject(union) as unknown as typeof Spec;
}

export type Spec = z.infer<typeof Spec>;
export type OracleSpec = z.infer<typeof OracleSpec>;
export type TableOracleSpec = Extract<OracleSpec, { kind: 'table' }>;
export type TableSpec = TableOracleSpec['tables'][number];
export type BenchmarkOracleSpec = Extract<OracleSpec, { kind: 'benchmark' }>;
export type TestsOracleSpec = Extract<OracleSpec, { kind: 'tests' }>;
export type BrowserOracleSpec = Extract<OracleSpec, { kind: 'browser' }>;
export type CommandOracleSpec = Extract<OracleSpec, { kind: 'command' }>;
export type WorkerSpec = z.infer<typeof WorkerSpec>;
export type JudgeSpec = z.infer<typeof JudgeSpec>;
export type BudgetSpec = z.infer<typeof BudgetSpec>;
export type SandboxSpec = z.infer<typeof SandboxSpec>;
export type LimitsSpec = z.infer<typeof LimitsSpec>;
export type ParallelSpec = z.infer<typeof ParallelSpec>;

/** The JSON Schema of baton.yaml, as `baton schema` prints it. */
export function specJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(Spec, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...schema, title: 'baton.yaml' };
}
