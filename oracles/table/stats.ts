/**
 * Error statistics of one compared column, accumulated point by point, and
 * its error-vs-x series decimated on the fly to a bounded number of points.
 * Decimation keeps, in each run of consecutive points, the one with the
 * largest relative error (then absolute error), so the maximum always stays
 * and the envelope of the error keeps its shape.
 */

/** The per-column statistics the table oracle reports (TABLE_STATS). Relative ones are absent when no point had a non-zero denominator. */
export interface ColumnStats {
  max_rel?: number;
  mean_rel?: number;
  rms_rel?: number;
  max_abs?: number;
  x_at_max_rel?: number;
  n_points: number;
  n_dropped: number;
  n_ref_zero: number;
}

/** One point of an error-vs-x series (src/report/series.ts): `rel` is null where the denominator was 0. */
export interface SeriesPoint {
  x: number;
  rel: number | null;
  abs: number;
}

export const DEFAULT_MAX_SERIES_POINTS = 2000;

/** Accumulates the statistics and the decimated series of one column. */
export class ColumnAccumulator {
  private nPoints = 0;
  private nRel = 0;
  private nRefZero = 0;
  private maxRel = -1;
  private xAtMaxRel = NaN;
  private sumRel = 0;
  private sumSq = 0;
  private maxAbs = -1;
  // Decimation buckets: each covers `width` consecutive points.
  private width = 1;
  private filled = 0; // points in the open bucket
  private count = 0; // closed + open buckets
  private readonly bx: Float64Array;
  private readonly brel: Float64Array; // -Infinity where the denominator was 0
  private readonly babs: Float64Array;
  private readonly cap: number;

  constructor(maxPoints = DEFAULT_MAX_SERIES_POINTS) {
    this.cap = Math.max(2, maxPoints - (maxPoints % 2));
    this.bx = new Float64Array(this.cap);
    this.brel = new Float64Array(this.cap);
    this.babs = new Float64Array(this.cap);
  }

  /** Adds one point: reference x, |candidate - reference|, and the denominator (0 excludes it from relative errors). */
  add(x: number, abs: number, denom: number): void {
    this.nPoints++;
    if (abs > this.maxAbs) this.maxAbs = abs;
    let rel = -Infinity;
    if (denom === 0) {
      this.nRefZero++;
    } else {
      rel = abs / denom;
      this.nRel++;
      this.sumRel += rel;
      this.sumSq += rel * rel;
      if (rel > this.maxRel) {
        this.maxRel = rel;
        this.xAtMaxRel = x;
      }
    }
    this.keep(x, rel, abs);
  }

  private keep(x: number, rel: number, abs: number): void {
    if (this.filled === 0) {
      if (this.count === this.cap) this.halve();
      const b = this.count++;
      this.bx[b] = x;
      this.brel[b] = rel;
      this.babs[b] = abs;
    } else {
      const b = this.count - 1;
      if (rel > this.brel[b] || (rel === this.brel[b] && abs > this.babs[b])) {
        this.bx[b] = x;
        this.brel[b] = rel;
        this.babs[b] = abs;
      }
    }
    if (++this.filled === this.width) this.filled = 0;
  }

  /** Merges buckets pairwise and doubles their width. */
  private halve(): void {
    const { bx, brel, babs } = this;
    for (let k = 0; k < this.count / 2; k++) {
      const a = 2 * k;
      const b = a + 1;
      const pick = brel[b] > brel[a] || (brel[b] === brel[a] && babs[b] > babs[a]) ? b : a;
      bx[k] = bx[pick];
      brel[k] = brel[pick];
      babs[k] = babs[pick];
    }
    this.count /= 2;
    this.width *= 2;
  }

  /** The statistics so far; `dropped` is the alignment's count of reference points not compared. */
  stats(dropped: number): ColumnStats {
    const s: ColumnStats = { n_points: this.nPoints, n_dropped: dropped, n_ref_zero: this.nRefZero };
    if (this.nPoints > 0) s.max_abs = this.maxAbs;
    if (this.nRel > 0) {
      s.max_rel = this.maxRel;
      s.mean_rel = this.sumRel / this.nRel;
      s.rms_rel = Math.sqrt(this.sumSq / this.nRel);
      s.x_at_max_rel = this.xAtMaxRel;
    }
    return s;
  }

  /** The decimated series; `decimated` is true when points were merged. */
  series(): { points: SeriesPoint[]; decimated: boolean } {
    const points: SeriesPoint[] = [];
    for (let k = 0; k < this.count; k++) {
      points.push({ x: this.bx[k], rel: this.brel[k] === -Infinity ? null : this.brel[k], abs: this.babs[k] });
    }
    return { points, decimated: this.width > 1 };
  }
}
