/**
 * Which metric names each oracle kind can produce, so `baton check` can
 * refuse a threshold on a metric no oracle will ever report.
 */
import type { OracleSpec } from './schema.js';

/** Statistics the table oracle reports per compared column. */
export const TABLE_STATS = [
  'max_rel', 'mean_rel', 'rms_rel', 'max_abs', 'x_at_max_rel', 'n_points', 'n_dropped', 'n_ref_zero',
] as const;
/** Metrics of the tests and browser oracles. */
export const TEST_STATS = ['passed', 'failed', 'errors', 'skipped', 'total', 'pass_rate'] as const;
/**
 * Metrics of the benchmark oracle, in seconds. `speedup` is the best kept
 * commit's median / this median (the oracle measures both, interleaved);
 * `baseline_speedup` is the baseline's median / this median, derived by the
 * harness, for goals such as "3x faster than at the start".
 */
export const BENCHMARK_STATS = [
  'median_s', 'mean_s', 'stdev_s', 'iqr_s', 'ci_low_s', 'ci_high_s', 'n_samples', 'n_outliers', 'speedup', 'baseline_speedup',
] as const;
/** The benchmark metrics the harness derives rather than the oracle reports (src/run/measure.ts). */
export const DERIVED_BENCHMARK_STATS: readonly string[] = ['baseline_speedup'];

/** A pattern a metric name must match to be producible by an oracle. */
export type MetricPattern = { oracle: string; parts: (string | '*')[] } | { oracle: string; any: true };

/** The metric-name patterns an oracle can produce. `*` matches any one segment. */
export function producibleMetrics(oracle: OracleSpec): MetricPattern[] {
  switch (oracle.kind) {
    case 'table':
      return oracle.tables.flatMap((t) =>
        t.columns.flatMap((c) =>
          TABLE_STATS.map((stat) => ({ oracle: oracle.id, parts: [t.name, typeof c === 'string' ? c : '*', stat] })),
        ),
      );
    case 'tests':
    case 'browser':
      return TEST_STATS.map((s) => ({ oracle: oracle.id, parts: [s] }));
    case 'benchmark':
      return BENCHMARK_STATS.map((s) => ({ oracle: oracle.id, parts: [s] }));
    case 'command':
      return [{ oracle: oracle.id, any: true }];
  }
}

/** Whether some oracle can produce this metric name. */
export function isProducible(metric: string, oracles: OracleSpec[]): boolean {
  const [head, ...rest] = metric.split('.');
  return oracles.some((o) =>
    producibleMetrics(o).some((p) => {
      if (p.oracle !== head) return false;
      if ('any' in p) return rest.length >= 1;
      return p.parts.length === rest.length && p.parts.every((part, i) => part === '*' || part === rest[i]);
    }),
  );
}

/** Every concrete metric name the spec's oracles are known to produce (wildcards shown as `*`). */
export function knownMetricNames(oracles: OracleSpec[]): string[] {
  return oracles.flatMap((o) =>
    producibleMetrics(o).map((p) => ('any' in p ? `${p.oracle}.<any>` : [p.oracle, ...p.parts].join('.'))),
  );
}
