/**
 * The unit of a metric, as the kind of the oracle that reports it says (a
 * table's absolute errors carry the column's unit from the spec, a
 * benchmark's `*_s` figures are seconds); relative errors, counts, rates and
 * speed-ups have none. Pure.
 */
import { oracleKindOf } from '../oracles/registry.js';
import type { Spec } from '../spec/schema.js';

/** The unit of a metric `<oracle id>.<...>`, or undefined. */
export function metricUnit(spec: Spec, metric: string): string | undefined {
  const [id, ...parts] = metric.split('.');
  const o = spec.oracles.find((x) => x.id === id);
  return o ? oracleKindOf(o).metricUnit?.(o, parts) : undefined;
}
