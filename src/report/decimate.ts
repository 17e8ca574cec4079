/**
 * Thinning long series so charts stay legible and fast at thousands of
 * iterations: per bin of x and per group, keep the minimum and the maximum
 * (the envelope a reader would see anyway), plus every point `keep` insists on.
 */

export interface DecimateOptions<T> {
  x: (t: T) => number;
  y: (t: T) => number;
  /** Points in different groups are thinned separately (e.g. by verdict). */
  group?: (t: T) => string;
  /** Points always kept (improvements, crashes, the baseline). */
  keep?: (t: T) => boolean;
  /** Number of bins across the x range. */
  bins: number;
}

/** Returns a subset of `items` in their original order; unchanged when there are at most 2×bins items. */
export function decimate<T>(items: readonly T[], o: DecimateOptions<T>): T[] {
  if (items.length <= 2 * o.bins) return items.slice();
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of items) {
    const x = o.x(t);
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const width = hi > lo ? (hi - lo) / o.bins : 1;
  const chosen = new Uint8Array(items.length);
  const extremes = new Map<string, { min: number; max: number }>();
  items.forEach((t, i) => {
    if (o.keep?.(t)) {
      chosen[i] = 1;
      return;
    }
    const bin = Math.min(o.bins - 1, Math.floor((o.x(t) - lo) / width));
    const key = `${o.group ? o.group(t) : ''}\u0000${bin}`;
    const e = extremes.get(key);
    if (!e) {
      extremes.set(key, { min: i, max: i });
      return;
    }
    const y = o.y(t);
    if (y < o.y(items[e.min])) e.min = i;
    if (y > o.y(items[e.max])) e.max = i;
  });
  for (const e of extremes.values()) {
    chosen[e.min] = 1;
    chosen[e.max] = 1;
  }
  return items.filter((_, i) => chosen[i] === 1);
}

/** Every k-th item of a monotone series, plus the last; unchanged when short. */
export function stride<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return items.slice();
  const k = Math.ceil(items.length / max);
  const out = items.filter((_, i) => i % k === 0);
  if ((items.length - 1) % k !== 0) out.push(items[items.length - 1]);
  return out;
}
