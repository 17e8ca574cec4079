/**
 * The one way baton writes a metric value, in REPORT.md, report.html,
 * PROGRESS.md, the prompt, verdict reasons and the CLI: plain decimals for
 * moderate magnitudes, an exponent only for very small or large ones. Pure.
 */

/**
 * A value in 4 significant digits: `0.005`, `12.35`, `12345` (integers below
 * 1e5 exact), `9.56e-4`, `1.235e+5`; `missing` for an absent or NaN value.
 */
export function fmtNum(v: number | undefined, missing = '—'): string {
  if (v === undefined || Number.isNaN(v)) return missing;
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  // Below 1e-3 a decimal is mostly leading zeros (0.0000956); at 1e5 and above, trailing ones.
  if (a >= 1e5 || a < 1e-3) return v.toExponential(3).replace(/\.?0+e/, 'e');
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}
