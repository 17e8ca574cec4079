/**
 * What the report's axes say beside a number: a 0..1 scale for rates, and a
 * readable time unit (µs, ms, s, min) for run times. The unit of a metric
 * comes from its oracle's kind (metric-unit.ts). Units are labels only;
 * nothing here changes a value the judge sees. Pure.
 */

/** `name [unit]`, or the name alone. */
export function withUnit(name: string, unit: string | undefined): string {
  return unit ? `${name} [${unit}]` : name;
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
