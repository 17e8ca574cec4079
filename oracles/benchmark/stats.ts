/**
 * Descriptive statistics of timing samples. Pure functions of arrays of
 * finite numbers; callers check finiteness and non-emptiness first.
 */
import { mulberry32 } from './prng.js';

function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/** Quantile `p` in [0, 1] of already-sorted values by linear interpolation (numpy's default, Hyndman–Fan type 7). */
export function quantileSorted(s: readonly number[], p: number): number {
  if (s.length === 0) throw new RangeError('quantile of an empty sample');
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/** Quantile `p` in [0, 1] of values (type 7, as numpy.quantile). */
export function quantile(xs: readonly number[], p: number): number {
  return quantileSorted(sorted(xs), p);
}

/** The median (mean of the two middle values for even n). */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Arithmetic mean. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('mean of an empty sample');
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n - 1 in the denominator); 0 for fewer than two values. */
export function stdev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/** Interquartile range q3 - q1 (type 7 quartiles). */
export function iqr(xs: readonly number[]): number {
  const s = sorted(xs);
  return quantileSorted(s, 0.75) - quantileSorted(s, 0.25);
}

/** Tukey's fences: values below q1 - k·IQR or above q3 + k·IQR are outliers (k = 1.5). */
export function tukeyOutliers(xs: readonly number[], k = 1.5): { low: number; high: number; flags: boolean[] } {
  const s = sorted(xs);
  const q1 = quantileSorted(s, 0.25);
  const q3 = quantileSorted(s, 0.75);
  const low = q1 - k * (q3 - q1);
  const high = q3 + k * (q3 - q1);
  return { low, high, flags: xs.map((x) => x < low || x > high) };
}

export interface BootstrapOptions {
  /** Number of resamples (default 2000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  /** PRNG seed (default 0x5eed): the same samples always give the same interval. */
  seed?: number;
}

/** Draws one resample with replacement, using `rand` for indices. */
function resample(xs: readonly number[], rand: () => number): number[] {
  const out = new Array<number>(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = xs[Math.floor(rand() * xs.length)];
  return out;
}

/** Percentile bootstrap CI of a statistic of one sample. */
export function bootstrapCI(xs: readonly number[], statistic: (sample: number[]) => number, options: BootstrapOptions = {}): [number, number] {
  const { resamples = 2000, level = 0.95, seed = 0x5eed } = options;
  const rand = mulberry32(seed);
  const stats = new Array<number>(resamples);
  for (let b = 0; b < resamples; b++) stats[b] = statistic(resample(xs, rand));
  const s = sorted(stats);
  const tail = (1 - level) / 2;
  return [quantileSorted(s, tail), quantileSorted(s, 1 - tail)];
}

/** Percentile bootstrap 95% CI (by default) of the median. */
export function bootstrapMedianCI(xs: readonly number[], options: BootstrapOptions = {}): [number, number] {
  return bootstrapCI(xs, median, options);
}

/**
 * Percentile bootstrap CI of median(a) / median(b), resampling both sides
 * independently from one seeded stream (a's resample, then b's).
 */
export function bootstrapRatioCI(a: readonly number[], b: readonly number[], options: BootstrapOptions = {}): [number, number] {
  const { resamples = 2000, level = 0.95, seed = 0x5eed } = options;
  const rand = mulberry32(seed);
  const stats = new Array<number>(resamples);
  for (let i = 0; i < resamples; i++) {
    const ra = resample(a, rand);
    const rb = resample(b, rand);
    stats[i] = median(ra) / median(rb);
  }
  const s = sorted(stats);
  const tail = (1 - level) / 2;
  return [quantileSorted(s, tail), quantileSorted(s, 1 - tail)];
}

/** Everything the benchmark oracle reports about one side's samples (seconds). */
export interface SampleSummary {
  n: number;
  median: number;
  mean: number;
  stdev: number;
  iqr: number;
  ci: [number, number];
  outliers: number;
  /** Indices of the samples outside Tukey's fences, in run order. */
  outlierIndices: number[];
}

/** Summarizes a non-empty sample: median, mean, stdev, IQR, bootstrap CI of the median, Tukey outliers. */
export function summarize(xs: readonly number[], options: BootstrapOptions = {}): SampleSummary {
  const { flags } = tukeyOutliers(xs);
  const outlierIndices = flags.flatMap((f, i) => (f ? [i] : []));
  return {
    n: xs.length,
    median: median(xs),
    mean: mean(xs),
    stdev: stdev(xs),
    iqr: iqr(xs),
    ci: bootstrapMedianCI(xs, options),
    outliers: outlierIndices.length,
    outlierIndices,
  };
}
