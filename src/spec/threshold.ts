/** Thresholds are strings such as `"< 1e-3"` or `">= 1"`: an operator and a finite number. */

export type Comparator = '<' | '<=' | '>' | '>=' | '==';

export interface Threshold {
  op: Comparator;
  value: number;
  /** The text as written in the spec. */
  text: string;
}

export const THRESHOLD_PATTERN = /^\s*(<=|>=|==|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$/;

/** Parses a threshold string, or returns undefined when it is malformed. */
export function parseThreshold(text: string): Threshold | undefined {
  const m = THRESHOLD_PATTERN.exec(text);
  if (!m) return undefined;
  const value = Number(m[2]);
  if (!Number.isFinite(value)) return undefined;
  return { op: m[1] as Comparator, value, text: text.trim() };
}

/** Whether a value satisfies a threshold. Non-finite values never do. */
export function holds(t: Threshold, value: number | undefined): boolean {
  if (value === undefined || !Number.isFinite(value)) return false;
  switch (t.op) {
    case '<':
      return value < t.value;
    case '<=':
      return value <= t.value;
    case '>':
      return value > t.value;
    case '>=':
      return value >= t.value;
    case '==':
      return value === t.value;
  }
}

/** Which way is better for a metric with this threshold: lower for `<`, higher for `>`. */
export function direction(t: Threshold): 'lower' | 'higher' | 'none' {
  if (t.op === '<' || t.op === '<=') return 'lower';
  if (t.op === '>' || t.op === '>=') return 'higher';
  return 'none';
}
