/**
 * Coverage: on how many reference points a candidate must be compared. The
 * error statistics only see the points the candidate's x span reaches (the
 * oracle never extrapolates), so without this a candidate of 2 rows that
 * brackets 1 reference point is judged on that point alone and meets any
 * threshold. Fewer compared points than the table's `min_points` (default:
 * every reference point in x_range) fails the measurement. Pure.
 */
import type { TableSpec } from '../../src/spec/schema.js';
import type { AlignmentFacts } from './align.js';

export interface CoverageProblem {
  /** `failed`: the candidate's fault; `error`: the spec cannot be met by any candidate. */
  status: 'failed' | 'error';
  reason: string;
}

function within(t: Pick<TableSpec, 'x_range'>): string {
  return t.x_range ? ` in x_range [${t.x_range[0]}, ${t.x_range[1]}]` : '';
}

/** The reason a comparison covered too little of the reference, or undefined when it covered enough. */
export function coverageProblem(t: Pick<TableSpec, 'name' | 'min_points' | 'x_range'>, a: AlignmentFacts): CoverageProblem | undefined {
  if (a.in_range === 0) return { status: 'error', reason: `table ${t.name}: no reference row lies${t.x_range ? ' in x_range' : ' in the reference'}` };
  const required = t.min_points ?? a.in_range;
  if (required > a.in_range) {
    return {
      status: 'error',
      reason: `table ${t.name}: min_points is ${required} but the reference has only ${a.in_range} points${within(t)}; lower min_points or widen x_range`,
    };
  }
  if (a.used >= required) return undefined;
  const outside = a.dropped_below + a.dropped_above;
  return {
    status: 'failed',
    reason:
      `table ${t.name}: coverage too low: the candidate was compared on ${a.used} of the ${a.in_range} reference points${within(t)}, ` +
      `${required} required${t.min_points === undefined ? ' (every one)' : ' (min_points)'}; ` +
      `${outside} lie outside the candidate's x span (${a.dropped_below} below, ${a.dropped_above} above), which is never extrapolated`,
  };
}
