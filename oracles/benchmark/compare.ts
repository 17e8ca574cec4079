/**
 * The decision "is the candidate faster than the best kept commit?" from two
 * samples of run times, pure.
 *
 * Why this is not "median A < median B": on a shared machine two runs of the
 * same binary differ by several percent (CPU frequency, cache state, other
 * containers, the scheduler), so a plain comparison would call half of all
 * no-op changes "improved" and the loop would keep noise and revert real
 * work. A change counts only when a rank test says the two samples differ
 * (Mann–Whitney U at `alpha`, robust to the skewed, outlier-prone shape of
 * timings) AND the medians differ by more than `minEffect`, a practically
 * meaningful size that statistical significance alone does not guarantee
 * with many samples, AND each side has at least `minSamples` runs.
 */
import { mannWhitneyU } from './mann-whitney.js';
import { bootstrapRatioCI, median } from './stats.js';

export type ComparisonVerdict = 'improved' | 'regressed' | '~';

export interface CompareOptions {
  /** Significance level of the two-sided test (default 0.05). */
  alpha?: number;
  /** Smallest relative change of the median that counts (default 0.02 = 2%). */
  minEffect?: number;
  /** Fewest samples on each side for any verdict other than "~" (default 10). */
  minSamples?: number;
  /** Seed of the bootstrap CI of the ratio. */
  seed?: number;
}

export interface Comparison {
  verdict: ComparisonVerdict;
  /** Two-sided p-value of the Mann–Whitney U test. */
  pValue: number;
  method: 'exact' | 'normal';
  u: number;
  /** Candidate median / best median: below 1 is faster. */
  ratio: number;
  /** Best median / candidate median: above 1 is faster. */
  speedup: number;
  /** Percentile bootstrap 95% CI of the ratio. */
  ratioCI: [number, number];
  candidateMedian: number;
  bestMedian: number;
  nCandidate: number;
  nBest: number;
  alpha: number;
  minEffect: number;
  minSamples: number;
  /** Why this verdict, in one sentence. */
  reason: string;
}

const fmt = (x: number) => Number(x.toPrecision(4)).toString();
const pct = (x: number) => `${fmt(x * 100)}%`;

/** Compares candidate run times with the best's; lower is better. Samples must be non-empty and finite. */
export function compareSamples(candidate: readonly number[], best: readonly number[], options: CompareOptions = {}): Comparison {
  const { alpha = 0.05, minEffect = 0.02, minSamples = 10, seed } = options;
  const candidateMedian = median(candidate);
  const bestMedian = median(best);
  const test = mannWhitneyU(candidate, best);
  const positive = candidateMedian > 0 && bestMedian > 0;
  const ratio = positive ? candidateMedian / bestMedian : 1;
  const ratioCI: [number, number] =
    positive && candidate.every((x) => x > 0) && best.every((x) => x > 0) ? bootstrapRatioCI(candidate, best, { seed }) : [ratio, ratio];
  const base = {
    pValue: test.pValue,
    method: test.method,
    u: test.u,
    ratio,
    speedup: 1 / ratio,
    ratioCI,
    candidateMedian,
    bestMedian,
    nCandidate: candidate.length,
    nBest: best.length,
    alpha,
    minEffect,
    minSamples,
  };
  const facts = `median ${fmt(candidateMedian)} s vs best ${fmt(bestMedian)} s (ratio ${fmt(ratio)}, p = ${fmt(test.pValue)})`;
  const same = (reason: string): Comparison => ({ ...base, verdict: '~', reason: `${facts}: ${reason}` });

  if (!positive) return same('a median run time is not positive, so no ratio can be formed');
  if (candidate.length < minSamples || best.length < minSamples) {
    return same(`too few runs to decide (${candidate.length} and ${best.length}, need ${minSamples} each)`);
  }
  if (test.pValue >= alpha) return same(`not significant at alpha ${alpha}`);
  const change = Math.abs(ratio - 1);
  if (change <= minEffect) return same(`significant but the change ${pct(change)} is within the minimum effect ${pct(minEffect)}`);
  const verdict: ComparisonVerdict = ratio < 1 ? 'improved' : 'regressed';
  return { ...base, verdict, reason: `${facts}: ${verdict === 'improved' ? 'faster' : 'slower'} by ${pct(change)}` };
}
