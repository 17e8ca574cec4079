/**
 * The `benchmark` oracle's spec: what it times, how often, and what counts.
 * `baton schema` prints it as part of baton.yaml's schema (src/spec/schema.ts).
 */
import { z } from 'zod';
import { command, oracleCommon } from '../../src/spec/schema-parts.js';

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
