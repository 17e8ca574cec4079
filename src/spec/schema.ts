/**
 * The one definition of baton.yaml. Everything else (the JSON Schema, the
 * docs of `baton schema`, the defaults) is generated from or reads this.
 * Durations and sizes stay strings here and are parsed where they are used
 * (units.ts), so the JSON Schema describes exactly what users write.
 */
import { z } from 'zod';
import { SANDBOX_KIND_NAMES, SANDBOX_SPEC_FIELDS } from '../sandbox/spec-keys.js';
import { DURATION_PATTERN, SIZE_PATTERN } from './units.js';
import { THRESHOLD_PATTERN } from './threshold.js';

const duration = z
  .string()
  .regex(DURATION_PATTERN, 'expected a duration such as 30s, 10m, 24h')
  .describe('A duration: a number and a unit, ms | s | m | h | d (e.g. 30s, 10m, 24h).');
const size = z
  .string()
  .regex(SIZE_PATTERN, 'expected a size such as 512m or 4g')
  .describe('A size in bytes with an optional unit k | m | g | t (e.g. 512m, 4g).');
const id = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'expected an identifier: a letter, then letters, digits, _ or -')
  .describe('An identifier: a letter, then letters, digits, _ or -.');
const envNames = z
  .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'))
  .describe('Names of host environment variables passed into the sandbox. Nothing else from the host environment is.');
const command = z.string().min(1, 'expected a non-empty shell command');
const unitText = z
  .string()
  .min(1)
  .max(32, 'expected a unit of at most 32 characters')
  .regex(/^[^\n\r\t]+$/, 'expected a unit on one line')
  .describe('A unit for axis labels, e.g. s, h/Mpc, (Mpc/h)^3, K.');
const columnRef = z
  .union([z.string().min(1), z.number().int().min(1)])
  .describe('A column by its short name (k, P, TT) or by its 1-based index.');

export const TableSpec = z
  .object({
    name: id.describe('Name of this comparison; part of metric names: <oracle>.<table>.<column>.<stat>.'),
    candidate: z.string().min(1).describe('File the candidate writes, relative to $BATON_OUT.'),
    reference: z.string().min(1).describe('Reference file, relative to the experiment folder (usually under oracle/).'),
    format: z.enum(['auto', 'csv', 'tsv', 'dat', 'npy']).default('auto').describe('File format of both tables; auto picks it from the extension.'),
    x: columnRef.describe('The abscissa column rows are aligned on.'),
    columns: z.array(columnRef).min(1, 'expected at least one column to compare'),
    interpolate: z
      .enum(['none', 'linear', 'loglog'])
      .default('none')
      .describe('none: x values must match row by row; linear/loglog: candidate interpolated onto the reference x grid, never extrapolated.'),
    x_range: z.tuple([z.number(), z.number()]).optional().describe('Compare only reference rows with lo <= x <= hi.'),
    min_points: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Reference points (in x_range) the candidate must cover; fewer fails the measurement. Default: every reference point in x_range.'),
    normalize: z
      .union([z.string().min(1), z.record(z.string(), z.string().min(1))])
      .optional()
      .describe('mathjs expression over the reference row replacing |reference| in relative errors, e.g. sqrt(TT*EE); or one per column.'),
    // Units are labels for the report's axes and metric names, never used in the comparison.
    x_unit: unitText.optional().describe('Unit of x, shown on the report\'s axes, e.g. h/Mpc.'),
    units: z
      .record(z.string().min(1), unitText)
      .optional()
      .describe('Units of the compared columns by name, shown on the report\'s axes (absolute errors carry them), e.g. { P: "(Mpc/h)^3" }.'),
  })
  .strict();

/** The keys every oracle kind's spec has; a kind's schema spreads them (`{ kind: z.literal(...), ...oracleCommon, ... }`). */
export const oracleCommon = {
  id: id.describe('Name of the oracle; the first part of its metric names.'),
  timeout: duration.default('10m').describe('Wall time allowed to the whole measurement by this oracle.'),
  env: envNames.default([]),
};

export const TableOracleSpec = z
  .object({
    kind: z.literal('table'),
    ...oracleCommon,
    run: command.describe('Shell command run in the oracle sandbox (cwd /workspace) that writes the candidate tables to $BATON_OUT.'),
    tables: z.array(TableSpec).min(1, 'expected at least one table'),
  })
  .strict();

const outputFile = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'expected a path relative to $BATON_OUT, without ..')
  .describe('A file the timed command writes, relative to $BATON_OUT.');

const benchmarkOutput = z
  .object({
    stdout: z
      .boolean()
      .default(true)
      .describe("Compare each timed run's stdout with the best kept commit's run of the same repetition (under `time: json`, all but the timing line)."),
    files: z.array(outputFile).default([]).describe("Files each timed run writes under $BATON_OUT, compared byte for byte with the best kept commit's."),
  })
  .strict()
  .default({ stdout: true, files: [] })
  .describe(
    "What a timed run must reproduce before its time counts: a run whose output differs from the best kept commit's run in the same measurement fails the measurement, naming what differed. `{ stdout: false }` turns the check off.",
  );

export const BenchmarkOracleSpec = z
  .object({
    kind: z.literal('benchmark'),
    ...oracleCommon,
    setup: command.optional().describe('Run once before timing (e.g. a build).'),
    run: command.describe('The command to time.'),
    repeat: z.number().int().min(3).default(10).describe('Timed runs per side.'),
    warmup: z.number().int().min(0).default(1).describe('Untimed runs before timing.'),
    alpha: z.number().gt(0).lt(1).default(0.05).describe('Significance level of the Mann-Whitney U test.'),
    min_effect: z.number().min(0).default(0.02).describe('Smallest relative change of the median that counts (0.02 = 2%).'),
    time: z
      .enum(['wall', 'cpu', 'json'])
      .default('wall')
      .describe(
        'wall: harness time around the process; cpu: CPU seconds of every process of the timed run, read by the host from the sandbox\'s cgroup (Docker only; as stable as CPU time and beyond the candidate\'s reach); json: the "seconds" field of the last JSON line the command prints (a candidate-controlled process: code it runs can forge it; `baton check` warns).',
      ),
    output: benchmarkOutput,
  })
  .strict();

export const TestsOracleSpec = z
  .object({
    kind: z.literal('tests'),
    ...oracleCommon,
    run: command.describe('Runs the suite and writes its report to $BATON_OUT.'),
    report: z.string().min(1).describe('Report file relative to $BATON_OUT.'),
    format: z.enum(['junit', 'tap']).default('junit'),
  })
  .strict();

export const BrowserOracleSpec = z
  .object({
    kind: z.literal('browser'),
    ...oracleCommon,
    setup: command.optional().describe('Run once before serving (e.g. a build).'),
    serve: command.describe('Starts the app in the oracle sandbox; must listen on `port`.'),
    port: z.number().int().min(1).max(65535),
    tests: z.string().min(1).describe('Folder of Playwright tests, relative to the experiment folder (usually oracle/e2e).'),
    ready_timeout: duration.default('30s'),
  })
  .strict();

export const CommandOracleSpec = z
  .object({
    kind: z.literal('command'),
    ...oracleCommon,
    run: command.describe(
      'The candidate phase, run as the sandbox user in /workspace. With `evaluate`, it writes its outputs to $BATON_OUT; without it, its last stdout line is the metrics (a process the candidate controls: `baton check` warns).',
    ),
    evaluate: command
      .optional()
      .describe(
        "The evaluation phase: run after every process of `run` is killed, as another user, in a root-only copy of the experiment's oracle/ folder ($BATON_ORACLE); reads $BATON_OUT and /workspace as data; its last stdout line must be a JSON object of finite numbers.",
      ),
  })
  .strict();

export const OracleSpec = z.discriminatedUnion('kind', [
  TableOracleSpec,
  BenchmarkOracleSpec,
  TestsOracleSpec,
  BrowserOracleSpec,
  CommandOracleSpec,
]);

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
    model: z.string().min(1).default('claude-sonnet-5-5').describe('Model id; the default is the current Sonnet (claude-sonnet-4-5 reaches end-of-life on 2026-11-30).'),
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
    stall_after: z.number().int().min(1).default(8).describe('Iterations without a kept improvement before the prompt asks for a new approach; twice this stops the run.'),
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

const metricName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$/, 'expected a dotted metric name such as accuracy.pk.P.max_rel');

/** baton.yaml with `oracle` as the schema of one entry of `oracles`. */
function specObject<O extends z.ZodType>(oracle: O) {
  return z
    .object({
      version: z.literal(1).default(1),
      name: id,
      goal: z.string().min(1, 'expected a goal in words'),
      protected: z
        .array(z.string().min(1))
        .default([])
        .describe('Workspace paths (globs) the worker must not change; PROMPT.md is always protected.'),
      expose: z
        .array(z.string().min(1))
        .default([])
        .describe('Experiment files (globs, e.g. oracle/*.dat) the worker may read at /baton/exposed; nothing else of oracle/ is visible to it.'),
      oracles: z.array(oracle).min(1, 'expected at least one oracle'),
      thresholds: z.record(metricName, z.string().regex(THRESHOLD_PATTERN, 'expected a threshold such as "< 1e-3" or ">= 1"')),
      worker: WorkerSpec.default({ kind: 'replay', script: 'replay.yaml' }),
      judge: JudgeSpec.default({ keep: 'improve', confirm: 1, stall_after: 8 }),
      budget: BudgetSpec.default({ iterations: 20, time: '24h', session: { time: '30m', turns: 80 } }),
      sandbox: SandboxSpec.default({
        kind: 'docker', image: 'baton-base', memory: '2g', cpus: 2, pids: 512, tmp: '512m', network: 'none', env: [], allow_plain_processes: false,
      }),
      prompt: z
        .object({ max_chars: z.number().int().min(2000).default(24_000) })
        .strict()
        .default({ max_chars: 24_000 }),
      limits: LimitsSpec.default({ workspace: '2g', file: '256m' }),
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
export type TableSpec = z.infer<typeof TableSpec>;
export type TableOracleSpec = z.infer<typeof TableOracleSpec>;
export type BenchmarkOracleSpec = z.infer<typeof BenchmarkOracleSpec>;
export type TestsOracleSpec = z.infer<typeof TestsOracleSpec>;
export type BrowserOracleSpec = z.infer<typeof BrowserOracleSpec>;
export type CommandOracleSpec = z.infer<typeof CommandOracleSpec>;
export type WorkerSpec = z.infer<typeof WorkerSpec>;
export type JudgeSpec = z.infer<typeof JudgeSpec>;
export type BudgetSpec = z.infer<typeof BudgetSpec>;
export type SandboxSpec = z.infer<typeof SandboxSpec>;
export type LimitsSpec = z.infer<typeof LimitsSpec>;

/** The JSON Schema of baton.yaml, as `baton schema` prints it. */
export function specJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(Spec, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...schema, title: 'baton.yaml' };
}
