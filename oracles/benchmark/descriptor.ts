/**
 * The `benchmark` oracle kind: times a command on the candidate and on the
 * best kept commit, interleaved, and says whether the change is significant.
 */
import { defineOracleKind } from '../../src/oracles/descriptor.js';
import type { BenchmarkOracleSpec } from '../../src/spec/schema.js';
import { BenchmarkOracleSpec as BenchmarkOracleSpecSchema } from './schema.js';
import { comparisonVerdict } from './details.js';
import { benchmarkCharts, benchmarkSections } from './report.js';

/**
 * Metrics of the benchmark oracle, in seconds. `speedup` is the best kept
 * commit's median / this median (the oracle measures both, interleaved);
 * `baseline_speedup` is the baseline's median / this median, derived by the
 * harness, for goals such as "3x faster than at the start".
 */
export const BENCHMARK_STATS = [
  'median_s',
  'mean_s',
  'stdev_s',
  'iqr_s',
  'ci_low_s',
  'ci_high_s',
  'n_samples',
  'n_outliers',
  'speedup',
  'baseline_speedup',
] as const;
/** The benchmark metrics the harness derives rather than the oracle reports (`derivedMetrics` below). */
export const DERIVED_BENCHMARK_STATS: readonly string[] = ['baseline_speedup'];

/** Samples per side the significance test needs (compare.ts). */
const MIN_SAMPLES = 10;

export const benchmarkKind = defineOracleKind<BenchmarkOracleSpec>({
  kind: 'benchmark',
  schema: BenchmarkOracleSpecSchema,
  metrics: (o) => BENCHMARK_STATS.map((s) => ({ oracle: o.id, parts: [s] })),
  needsBestSnapshot: true,
  exclusive: true,
  derivedMetrics(o, metrics, baseline) {
    const now = metrics[`${o.id}.median_s`];
    const before = baseline ? baseline[`${o.id}.median_s`] : now;
    return now !== undefined && before !== undefined && now > 0 ? { [`${o.id}.baseline_speedup`]: before / now } : {};
  },
  validate(o, { spec, file, at, index: i }) {
    const judged = Object.keys(spec.thresholds).some((m) => m.startsWith(`${o.id}.`));
    if (!(o.repeat < MIN_SAMPLES && judged && spec.judge.keep !== 'always')) return [];
    return [
      {
        file,
        where: at(['oracles', i, 'repeat']),
        message: `${o.repeat} timed runs cannot show a significant change: the Mann-Whitney test needs at least ${MIN_SAMPLES} per side, so keep: ${spec.judge.keep} would never keep anything`,
        expected: `repeat: ${MIN_SAMPLES} or more`,
        found: String(o.repeat),
        hint: 'or judge.keep: always',
      },
    ];
  },
  // With `time: json` the seconds come from the process that runs the candidate's code.
  check: (o, { specFile, index: i }) => ({
    errors: [],
    warnings:
      o.time !== 'json'
        ? []
        : [
            {
              file: specFile,
              where: `oracles[${i}].time`,
              message: `benchmark ${JSON.stringify(o.id)} takes its seconds from a candidate-controlled process: with \`time: json\` the timed command prints them, and the candidate's code it runs can forge them (e.g. patch the clock)`,
              found: 'json',
              hint: "use `time: cpu`: the host reads the CPU seconds of the whole run from the sandbox's cgroup, which nothing inside can change",
            },
          ],
  }),
  weakness: (o) =>
    o.time === 'json'
      ? `oracle ${o.id}: seconds from candidate-controlled process (a benchmark with \`time: json\`; code it runs can forge them, e.g. patch the clock; use \`time: cpu\`)`
      : undefined,
  metricUnit: (_o, parts) => (parts.length === 1 && /_s$/.test(parts[0]) ? 's' : undefined),
  charts: benchmarkCharts,
  sections: benchmarkSections,
  judgeFacts: (details) => ({ comparison: comparisonVerdict(details) }),
  load: async () => (await import('./index.js')).benchmarkOracle,
});
