/**
 * Which metric names the spec's oracles can produce, so `baton check` can
 * refuse a threshold on a metric no oracle will ever report.
 */
import { oracleKindOf } from '../oracles/registry.js';
import type { MetricPattern } from '../oracles/descriptor.js';
import type { OracleSpec } from './schema.js';

export type { MetricPattern };

/** The metric-name patterns an oracle can produce (its kind's descriptor says which). `*` matches any one segment. */
export function producibleMetrics(oracle: OracleSpec): MetricPattern[] {
  return oracleKindOf(oracle).metrics(oracle);
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
  return oracles.flatMap((o) => producibleMetrics(o).map((p) => ('any' in p ? `${p.oracle}.<any>` : [p.oracle, ...p.parts].join('.'))));
}
