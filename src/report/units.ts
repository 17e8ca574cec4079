/**
 * What the report's axes say beside a number: the unit a spec gives a table's
 * x and columns (`x_unit`, `units`), seconds for a benchmark's times, a
 * 0..1 scale for rates, and a readable time unit (µs, ms, s, min) for
 * benchmark run times. Units are labels only; nothing here changes a value
 * the judge sees. Pure.
 */
import type { Spec } from '../spec/schema.js';

/** `name [unit]`, or the name alone. */
export function withUnit(name: string, unit: string | undefined): string {
  return unit ? `${name} [${unit}]` : name;
}

/** The table spec a metric or series belongs to, by oracle id and table name. */
function tableOf(spec: Spec, oracle: string, table: string) {
  const o = spec.oracles.find((x) => x.id === oracle);
  return o?.kind === 'table' ? o.tables.find((t) => t.name === table) : undefined;
}

/** The units of a table oracle's x and one of its columns, as the spec gives them. */
export function tableUnits(spec: Spec, oracle: string, table: string, column: string): { x?: string; column?: string } {
  const t = tableOf(spec, oracle, table);
  return { x: t?.x_unit, column: t?.units?.[column] };
}

/**
 * The unit of a metric: a table's absolute errors carry the column's unit,
 * `x_at_*` the x unit; a benchmark's `*_s` figures are seconds; relative
 * errors, counts, rates and speed-ups have none.
 */
export function metricUnit(spec: Spec, metric: string): string | undefined {
  const parts = metric.split('.');
  const o = spec.oracles.find((x) => x.id === parts[0]);
  if (!o) return undefined;
  if (o.kind === 'table' && parts.length === 4) {
    const [, table, column, stat] = parts;
    const u = tableUnits(spec, o.id, table, column);
    if (stat.startsWith('x_at_')) return u.x;
    if (/(^|_)abs$/.test(stat)) return u.column;
    return undefined;
  }
  if (o.kind === 'benchmark' && parts.length === 2 && /_s$/.test(parts[1])) return 's';
  return undefined;
}

/** Whether a metric is a rate or fraction, drawn on 0..1 when its values lie there. */
export function isRate(metric: string): boolean {
  const last = metric.split('.').pop() ?? '';
  return /(^|_)(rate|fraction|ratio_passed)$/.test(last);
}

/** A time unit for seconds of about `max`: the one whose numbers read with few digits. */
export function timeUnit(maxSeconds: number): { unit: string; factor: number } {
  if (!(maxSeconds > 0) || !Number.isFinite(maxSeconds)) return { unit: 's', factor: 1 };
  if (maxSeconds < 1e-3) return { unit: 'µs', factor: 1e6 };
  if (maxSeconds < 1) return { unit: 'ms', factor: 1e3 };
  if (maxSeconds < 300) return { unit: 's', factor: 1 };
  return { unit: 'min', factor: 1 / 60 };
}
