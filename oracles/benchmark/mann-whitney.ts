/**
 * Two-sided Mann–Whitney U test (Wilcoxon rank-sum), pure.
 *
 * Method: the exact null distribution of U when there are no ties and both
 * samples have at most EXACT_MAX_N values (counted with BigInt from the
 * Gaussian binomial coefficient, so no rounding); otherwise the normal
 * approximation with the tie correction of the variance and a continuity
 * correction of 0.5. This is the same pair of methods as scipy's
 * `mannwhitneyu(method='auto')`, with a larger exact range.
 */

/** Largest sample size (each side) for which the exact distribution is used. */
export const EXACT_MAX_N = 50;

export interface MannWhitneyResult {
  /** U of the first sample: the number of pairs (x, y) with x > y, ties counting one half. */
  u: number;
  /** Two-sided p-value. */
  pValue: number;
  method: 'exact' | 'normal';
  /** Standardized statistic of the normal approximation (with continuity correction); absent for exact. */
  z?: number;
  /** Whether the pooled sample has tied values. */
  ties: boolean;
}

/** Mid-ranks (1-based) of the pooled values, and the sizes of the tie groups. */
export function midRanks(values: readonly number[]): { ranks: number[]; tieSizes: number[] } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  const tieSizes: number[] = [];
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const rank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = rank;
    if (j > i) tieSizes.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, tieSizes };
}

/**
 * Counts of U = 0..m·n under the null hypothesis without ties: the
 * coefficients of the Gaussian binomial [m+n choose n]_q.
 */
export function exactUCounts(m: number, n: number): bigint[] {
  const k = Math.min(m, n);
  const big = Math.max(m, n);
  let c: bigint[] = [1n];
  for (let i = 1; i <= k; i++) {
    // multiply by (1 - q^(big+i)) then divide exactly by (1 - q^i)
    const deg = c.length - 1 + big + i;
    const mul = new Array<bigint>(deg + 1).fill(0n);
    for (let d = 0; d < c.length; d++) {
      mul[d] += c[d];
      mul[d + big + i] -= c[d];
    }
    const outDeg = deg - i;
    const div = new Array<bigint>(outDeg + 1).fill(0n);
    for (let d = 0; d <= outDeg; d++) div[d] = mul[d] + (d >= i ? div[d - i] : 0n);
    c = div;
  }
  return c;
}

/** The complementary error function, |relative error| < 1.2e-7 (Numerical Recipes' erfcc). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * Two-sided Mann–Whitney U test of x against y. Both samples must be
 * non-empty and finite. `method` 'auto' (default) picks exact when it can.
 */
export function mannWhitneyU(x: readonly number[], y: readonly number[], options: { method?: 'auto' | 'exact' | 'normal' } = {}): MannWhitneyResult {
  const method = options.method ?? 'auto';
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('Mann-Whitney U needs two non-empty samples');
  const { ranks, tieSizes } = midRanks([...x, ...y]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i];
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const ties = tieSizes.length > 0;

  const exactPossible = !ties && n1 <= EXACT_MAX_N && n2 <= EXACT_MAX_N;
  if (method === 'exact' && !exactPossible) {
    throw new RangeError(`the exact Mann-Whitney distribution needs no ties and at most ${EXACT_MAX_N} values per side`);
  }
  if (exactPossible && method !== 'normal') {
    const counts = exactUCounts(n1, n2);
    let total = 0n;
    for (const c of counts) total += c;
    const ui = Math.round(u);
    let le = 0n;
    for (let k = 0; k <= ui; k++) le += counts[k];
    let ge = 0n;
    for (let k = ui; k < counts.length; k++) ge += counts[k];
    const tail = le < ge ? le : ge;
    return { u, pValue: Math.min(1, 2 * (Number(tail) / Number(total))), method: 'exact', ties };
  }

  const n = n1 + n2;
  const mu = (n1 * n2) / 2;
  const tieTerm = tieSizes.reduce((s, t) => s + (t ** 3 - t), 0) / (n * (n - 1));
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm);
  if (variance <= 0) return { u, pValue: 1, method: 'normal', z: 0, ties };
  const z = Math.max(0, Math.abs(u - mu) - 0.5) / Math.sqrt(variance);
  return { u, pValue: Math.min(1, erfc(z / Math.SQRT2)), method: 'normal', z, ties };
}
