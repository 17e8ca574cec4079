/**
 * Alignment of a candidate table onto the reference rows: row by row on
 * equal x (`none`), or interpolation of the candidate onto the reference x
 * grid (`linear`, `loglog`). Reference points outside the candidate's x span
 * are dropped and counted, never extrapolated.
 */
import { InputError } from '../../src/errors.js';
import { rowPlace, type Table } from './table.js';

export type Interpolation = 'none' | 'linear' | 'loglog';

/** How the reference rows were matched to the candidate. */
export interface AlignmentFacts {
  interpolate: Interpolation;
  reference_rows: number;
  candidate_rows: number;
  /** Reference rows inside x_range. */
  in_range: number;
  /** Reference rows compared. */
  used: number;
  /** Reference rows in range but below / above the candidate's x span. */
  dropped_below: number;
  dropped_above: number;
}

/** Receives each compared reference row `r` with the candidate row `j` at or just below its x; `exact` when x equals the candidate's x there. */
export type AlignedVisitor = (r: number, j: number, exact: boolean) => void;

/** Same x to within float noise (1e-12 relative). */
export function sameX(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
}

function inRange(x: number, range: readonly [number, number] | undefined): boolean {
  return range === undefined || (x >= range[0] && x <= range[1]);
}

function candidateError(candidate: Table, where: string, message: string, expected?: string, found?: string, hint?: string): InputError {
  return new InputError([{ file: candidate.file, where, message, expected, found, hint }], { context: { side: 'candidate' } });
}

/** Matches reference rows to candidate rows; throws InputError (side candidate) when the candidate's x values do not allow it. */
export function align(
  mode: Interpolation,
  reference: Table,
  rx: number,
  candidate: Table,
  cx: number,
  range: readonly [number, number] | undefined,
  visit: AlignedVisitor,
): AlignmentFacts {
  const xr = reference.columns[rx];
  const xc = candidate.columns[cx];
  const nr = reference.rows;
  const nc = candidate.rows;
  const facts: AlignmentFacts = {
    interpolate: mode,
    reference_rows: nr,
    candidate_rows: nc,
    in_range: 0,
    used: 0,
    dropped_below: 0,
    dropped_above: 0,
  };
  let k = 0;
  if (mode === 'none') {
    let c = 0;
    for (let r = 0; r < nr; r++) {
      if (!inRange(xr[r], range)) continue;
      facts.in_range++;
      while (c < nc && !inRange(xc[c], range)) c++;
      if (c >= nc || !sameX(xr[r], xc[c])) {
        const found = c >= nc ? `no row: the candidate's rows${range ? ' in x_range' : ''} end at row ${k}` : `x = ${xc[c]} at ${rowPlace(candidate, c)}`;
        throw candidateError(
          candidate,
          c >= nc ? 'end of file' : rowPlace(candidate, c),
          `x values differ from the reference at compared row ${k + 1}`,
          `x = ${xr[r]} (reference ${rowPlace(reference, r)})`,
          found,
          'with interpolate: none the candidate must have exactly the reference x values; use linear or loglog to interpolate',
        );
      }
      visit(r, c, true);
      k++;
      c++;
    }
    while (c < nc && !inRange(xc[c], range)) c++;
    if (c < nc) {
      throw candidateError(
        candidate,
        rowPlace(candidate, c),
        `the candidate has more rows than the reference${range ? ' in x_range' : ''}`,
        `${k} rows, as in the reference`,
        `an extra row with x = ${xc[c]}`,
        'with interpolate: none the candidate must have exactly the reference x values; use linear or loglog to interpolate',
      );
    }
    facts.used = k;
    return facts;
  }
  for (let c = 1; c < nc; c++) {
    if (!(xc[c] > xc[c - 1])) {
      throw candidateError(
        candidate,
        rowPlace(candidate, c),
        'x must increase strictly from row to row to interpolate',
        `x > ${xc[c - 1]} (the previous row)`,
        `x = ${xc[c]}`,
      );
    }
  }
  if (mode === 'loglog' && xc[0] <= 0) {
    throw candidateError(
      candidate,
      rowPlace(candidate, 0),
      'loglog interpolation needs x > 0',
      'x > 0',
      `x = ${xc[0]}`,
      'use interpolate: linear for non-positive x',
    );
  }
  let j = 0;
  const lo = xc[0];
  const hi = xc[nc - 1];
  for (let r = 0; r < nr; r++) {
    const x = xr[r];
    if (!inRange(x, range)) continue;
    facts.in_range++;
    if (x < lo) {
      facts.dropped_below++;
      continue;
    }
    if (x > hi) {
      facts.dropped_above++;
      continue;
    }
    // The reference is usually sorted: move from the last bracket, else bisect.
    if (!(xc[j] <= x && (j + 1 >= nc || x < xc[j + 1]))) {
      if (j + 1 < nc && xc[j + 1] <= x && (j + 2 >= nc || x < xc[j + 2])) j++;
      else {
        let a = 0;
        let b = nc - 1;
        while (a < b) {
          const m = (a + b + 1) >> 1;
          if (xc[m] <= x) a = m;
          else b = m - 1;
        }
        j = a;
      }
    }
    visit(r, j, xc[j] === x);
    k++;
  }
  facts.used = k;
  return facts;
}

/**
 * The candidate column's value at reference x, between candidate rows j and
 * j + 1, written like numpy.interp (slope * (x - x_j) + y_j), in log space for loglog.
 */
export function interpolateAt(mode: Interpolation, xc: Float64Array, yc: Float64Array, j: number, x: number): number {
  if (mode === 'linear') {
    const slope = (yc[j + 1] - yc[j]) / (xc[j + 1] - xc[j]);
    return slope * (x - xc[j]) + yc[j];
  }
  const lx0 = Math.log(xc[j]);
  const ly0 = Math.log(yc[j]);
  const slope = (Math.log(yc[j + 1]) - ly0) / (Math.log(xc[j + 1]) - lx0);
  return Math.exp(slope * (Math.log(x) - lx0) + ly0);
}
