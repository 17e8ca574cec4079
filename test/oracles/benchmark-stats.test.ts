/**
 * Statistics of the benchmark oracle against values computed independently
 * by test/oracles/benchmark-reference.py (numpy, brute-force enumeration,
 * math.erfc, a Python port of the PRNG), plus textbook examples.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../oracles/benchmark/prng.js';
import { bootstrapMedianCI, bootstrapRatioCI, iqr, mean, median, quantile, stdev, summarize, tukeyOutliers } from '../../oracles/benchmark/stats.js';
import { erfc, exactUCounts, mannWhitneyU, midRanks } from '../../oracles/benchmark/mann-whitney.js';
import { compareSamples } from '../../oracles/benchmark/compare.js';

const S = [0.212, 0.205, 0.198, 0.25, 0.201, 0.203, 0.199, 0.207, 0.42, 0.202, 0.204];
const A = [0.112, 0.109, 0.131, 0.104, 0.118, 0.122, 0.107, 0.125];
const B = [0.101, 0.099, 0.097, 0.103, 0.1, 0.098, 0.096, 0.102, 0.0955];

describe('descriptive statistics (numpy reference)', () => {
  it('median, mean, sample stdev, IQR, type-7 quantile', () => {
    expect(median(S)).toBeCloseTo(0.204, 15);
    expect(mean(S)).toBeCloseTo(0.2273636363636364, 15);
    expect(stdev(S)).toBeCloseTo(0.06551072084364928, 14);
    expect(iqr(S)).toBeCloseTo(0.00799999999999998, 14);
    expect(quantile(S, 0.1)).toBeCloseTo(0.199, 15);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(stdev([5])).toBe(0);
  });

  it('flags outliers by Tukey fences', () => {
    const { flags } = tukeyOutliers(S);
    expect(flags.flatMap((f, i) => (f ? [i] : []))).toEqual([3, 8]);
    expect(summarize(S).outlierIndices).toEqual([3, 8]);
    expect(summarize(S).outliers).toBe(2);
  });
});

describe('seeded bootstrap', () => {
  it('mulberry32 matches the Python port', () => {
    const r = mulberry32(42);
    const got = Array.from({ length: 5 }, () => r());
    expect(got).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693, 0.17481389874592423]);
  });

  it('the CI of the median is the one the Python port computes, and reproducible', () => {
    expect(bootstrapMedianCI(S)).toEqual([0.201, 0.212]);
    expect(bootstrapMedianCI(S, { seed: 7 })).toEqual([0.201, 0.212]);
    expect(bootstrapMedianCI(S)).toEqual(bootstrapMedianCI(S));
    const [lo, hi] = bootstrapRatioCI(A, B);
    expect(lo).toBeCloseTo(1.079207920792079, 12);
    expect(hi).toBeCloseTo(1.2708923969072161, 12);
  });

  it('covers the true median of a large sample', () => {
    const r = mulberry32(1);
    const xs = Array.from({ length: 400 }, () => r()); // uniform, true median 0.5
    const [lo, hi] = bootstrapMedianCI(xs);
    expect(lo).toBeLessThan(0.5);
    expect(hi).toBeGreaterThan(0.5);
    expect(hi - lo).toBeLessThan(0.15);
  });
});

describe('Mann-Whitney U', () => {
  it('R wilcox.test example (Hollander & Wolfe): W = 35, two-sided exact p = 0.2544', () => {
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const r = mannWhitneyU(x, y);
    expect(r.method).toBe('exact');
    expect(r.u).toBe(35);
    expect(r.pValue).toBeCloseTo(0.2544122544122544, 14);
  });

  it('exact p for 8 vs 9 matches brute-force enumeration', () => {
    const r = mannWhitneyU(A, B);
    expect(r.u).toBe(72);
    expect(r.method).toBe('exact');
    expect(r.pValue).toBeCloseTo(8.227067050596462e-5, 17);
    // symmetric in the order of the samples
    expect(mannWhitneyU(B, A).pValue).toBeCloseTo(r.pValue, 17);
    expect(mannWhitneyU(B, A).u).toBe(0);
  });

  it('exact counts are the Gaussian binomial coefficients', () => {
    expect(exactUCounts(2, 2)).toEqual([1n, 1n, 2n, 1n, 1n]);
    const c = exactUCounts(10, 5);
    expect(c.reduce((s, v) => s + v, 0n)).toBe(3003n);
    expect(c.length).toBe(51);
  });

  it('uses the normal approximation with tie correction when there are ties', () => {
    const r = mannWhitneyU([1, 2, 2, 3, 3, 3, 4], [2, 3, 4, 4, 5, 5, 6, 7]);
    expect(r.method).toBe('normal');
    expect(r.ties).toBe(true);
    expect(r.u).toBe(8.5);
    expect(r.z).toBeCloseTo(2.2371010419935717, 12);
    expect(r.pValue / 0.02527973688589393).toBeCloseTo(1, 6);
  });

  it('uses the normal approximation for large samples', () => {
    const x = Array.from({ length: 60 }, (_, i) => 1 + i / 100);
    const y = Array.from({ length: 60 }, (_, j) => 1.3 + j / 97 + 1e-4);
    const r = mannWhitneyU(x, y);
    expect(r.method).toBe('normal');
    expect(r.u).toBe(435);
    expect(r.z).toBeCloseTo(7.1617676573567675, 12);
    expect(r.pValue / 7.964332670470494e-13).toBeCloseTo(1, 5);
  });

  it('exact up to 50 per side, quickly, matching the Mann-Whitney recurrence in Python', () => {
    const x = Array.from({ length: 50 }, (_, i) => i * 1.001);
    const y = Array.from({ length: 50 }, (_, i) => i * 1.001 + 6.5);
    const t0 = performance.now();
    const r = mannWhitneyU(x, y);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r).toMatchObject({ method: 'exact', u: 946 });
    expect(r.pValue).toBeCloseTo(0.0360178078648808, 14);
    const normal = mannWhitneyU(x, y, { method: 'normal' });
    expect(normal.z).toBeCloseTo(2.092274332201234, 12);
    expect(normal.pValue / 0.03641398244477254).toBeCloseTo(1, 6);
    // one more value and the normal approximation takes over
    expect(mannWhitneyU([...x, 1000], y).method).toBe('normal');
    expect(() => mannWhitneyU([1, 1], [2], { method: 'exact' })).toThrow(/needs no ties/);
  });

  it('all values tied gives p = 1', () => {
    expect(mannWhitneyU([1, 1, 1], [1, 1, 1]).pValue).toBe(1);
  });

  it('mid-ranks and erfc', () => {
    expect(midRanks([10, 20, 20, 30])).toEqual({ ranks: [1, 2.5, 2.5, 4], tieSizes: [2] });
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(1) / 0.15729920705028513).toBeCloseTo(1, 6); // math.erfc(1)
    expect(erfc(-1)).toBeCloseTo(2 - 0.15729920705028513, 7);
  });
});

describe('compareSamples', () => {
  const noisy = (center: number, n: number, seed: number, spread = 0.001) => {
    const r = mulberry32(seed);
    return Array.from({ length: n }, () => center + (r() - 0.5) * spread);
  };

  it('a real speed-up is "improved"', () => {
    const c = compareSamples(noisy(0.1, 12, 1), noisy(0.2, 12, 2));
    expect(c.verdict).toBe('improved');
    expect(c.pValue).toBeLessThan(0.001);
    expect(c.speedup).toBeCloseTo(2, 1);
    expect(c.ratioCI[0]).toBeLessThan(c.ratio);
    expect(c.ratioCI[1]).toBeGreaterThan(c.ratio);
  });

  it('a slow-down is "regressed"', () => {
    expect(compareSamples(noisy(0.3, 12, 3), noisy(0.2, 12, 4)).verdict).toBe('regressed');
  });

  it('two samples of the same distribution are "~"', () => {
    const c = compareSamples(noisy(0.2, 12, 5, 0.02), noisy(0.2, 12, 6, 0.02));
    expect(c.verdict).toBe('~');
    expect(c.reason).toMatch(/not significant/);
  });

  it('a significant 1% change under min_effect 2% is "~"', () => {
    const c = compareSamples(noisy(0.198, 12, 7, 0.0002), noisy(0.2, 12, 8, 0.0002), { minEffect: 0.02 });
    expect(c.pValue).toBeLessThan(0.001);
    expect(c.verdict).toBe('~');
    expect(c.reason).toMatch(/within the minimum effect 2%/);
    // and the same change counts with a smaller minimum effect
    expect(compareSamples(noisy(0.198, 12, 7, 0.0002), noisy(0.2, 12, 8, 0.0002), { minEffect: 0.005 }).verdict).toBe('improved');
  });

  it('too few samples is "~" however large the effect', () => {
    const c = compareSamples(noisy(0.1, 5, 1), noisy(0.2, 5, 2));
    expect(c.verdict).toBe('~');
    expect(c.reason).toMatch(/too few runs to decide \(5 and 5, need 10 each\)/);
    expect(compareSamples(noisy(0.1, 5, 1), noisy(0.2, 5, 2), { minSamples: 5 }).verdict).toBe('improved');
  });

  it('respects alpha', () => {
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21, 0.95, 1.0, 0.92, 0.85, 1.1];
    const p = compareSamples(x, y).pValue;
    expect(compareSamples(x, y, { alpha: p / 2 }).verdict).toBe('~');
    expect(compareSamples(x, y, { alpha: Math.min(0.99, p * 2) }).verdict).toBe('regressed');
  });

  it('zero medians give "~" with finite numbers', () => {
    const c = compareSamples([0, 0, 0], [0, 0, 0], { minSamples: 3 });
    expect(c.verdict).toBe('~');
    expect(c.ratio).toBe(1);
    expect(Number.isFinite(c.speedup)).toBe(true);
  });
});
