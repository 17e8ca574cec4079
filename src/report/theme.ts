/**
 * The look shared by every chart: DejaVu Sans (the font the PNGs are drawn
 * with), a white background, a colour-blind-safe palette (Okabe–Ito) and one
 * fixed colour and shape per verdict so every chart reads the same way.
 */
import type { VerdictKind } from '../ledger/record.js';

/** A vega-lite spec as plain JSON. */
export type VlSpec = Record<string, unknown>;

export const FONT = 'DejaVu Sans';
export const WIDTH = 640;
export const HEIGHT = 240;
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export const COLORS = {
  ink: '#222222',
  muted: '#666666',
  grid: '#e6e6e6',
  threshold: '#c0392b',
  best: '#009E73',
  baseline: '#000000',
  latest: '#0072B2',
  passed: '#009E73',
  failed: '#D55E00',
  skipped: '#999999',
  band: '#009E73',
} as const;

/** Colour, shape and legend label of each verdict; the order is the legend order. */
export const VERDICT_STYLE: Record<VerdictKind, { color: string; shape: string; label: string }> = {
  baseline: { color: '#000000', shape: 'square', label: 'baseline' },
  keep: { color: '#009E73', shape: 'circle', label: 'kept' },
  met: { color: '#0072B2', shape: 'diamond', label: 'met' },
  revert: { color: '#8c8c8c', shape: 'circle', label: 'reverted' },
  crashed: { color: '#E69F00', shape: 'cross', label: 'crashed' },
  tamper: { color: '#CC79A7', shape: 'triangle-up', label: 'tamper' },
  conflict: { color: '#D55E00', shape: 'triangle-left', label: 'conflict' },
  'out-of-scope': { color: '#D55E00', shape: 'triangle-right', label: 'out of scope' },
  stalled: { color: '#56B4E9', shape: 'square', label: 'stalled' },
  budget: { color: '#56B4E9', shape: 'triangle-down', label: 'budget' },
};

const VERDICT_ORDER = Object.keys(VERDICT_STYLE) as VerdictKind[];

/** Colour and shape encodings for a `verdict` field holding legend labels, with only the verdicts present. */
export function verdictEncoding(present: Iterable<VerdictKind>, legend = true): { color: VlSpec; shape: VlSpec } {
  const set = new Set(present);
  const kinds = VERDICT_ORDER.filter((k) => set.has(k));
  const domain = kinds.map((k) => VERDICT_STYLE[k].label);
  const leg = legend ? { title: null, orient: 'top', direction: 'horizontal' } : null;
  return {
    color: { field: 'verdict', type: 'nominal', scale: { domain, range: kinds.map((k) => VERDICT_STYLE[k].color) }, legend: leg },
    shape: { field: 'verdict', type: 'nominal', scale: { domain, range: kinds.map((k) => VERDICT_STYLE[k].shape) }, legend: leg },
  };
}

/** The config block every chart carries. */
export function chartConfig(): VlSpec {
  return {
    font: FONT,
    background: 'white',
    padding: 8,
    view: { stroke: '#cccccc' },
    title: { font: FONT, fontSize: 15, fontWeight: 'bold', anchor: 'start', color: COLORS.ink, subtitleFontSize: 11, subtitleColor: COLORS.muted, offset: 10 },
    axis: {
      labelFont: FONT,
      titleFont: FONT,
      labelFontSize: 11,
      titleFontSize: 12,
      titleFontWeight: 'normal',
      titleColor: COLORS.ink,
      labelColor: COLORS.ink,
      gridColor: COLORS.grid,
      tickColor: '#999999',
      domainColor: '#999999',
    },
    legend: { labelFont: FONT, titleFont: FONT, labelFontSize: 11, titleFontSize: 11, symbolSize: 70 },
    text: { font: FONT },
  };
}

/** Wraps a chart body with the schema, a title, a subtitle and the shared config. */
export function topLevel(title: string, subtitle: string | string[] | undefined, body: VlSpec): VlSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: subtitle === undefined ? { text: title } : { text: title, subtitle },
    ...body,
    config: chartConfig(),
  };
}

/** Point size for a number of points: big when few, small when thousands. */
export function pointSize(n: number): number {
  if (n <= 60) return 70;
  if (n <= 300) return 40;
  if (n <= 1500) return 18;
  return 10;
}

/** Rounds a number to 6 significant digits for chart data (smaller specs, same picture). */
export function r6(v: number): number {
  return v === 0 || !Number.isFinite(v) ? v : Number(v.toPrecision(6));
}

/** Decade tick values covering `values` (positive ones), at most ~8 labels. */
export function logTicks(values: readonly number[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!(v > 0) || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return [];
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const step = Math.max(1, Math.ceil((b - a) / 8));
  const out: number[] = [];
  for (let e = a; e <= b; e += step) out.push(Number(`1e${e}`));
  return out;
}

/** Joins subtitle parts into lines of at most `max` characters (a chart is ~95 characters wide at 11 px). */
export function subtitleLines(parts: readonly string[], max = 95, sep = ' · '): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const p of parts) {
    if (!p) continue;
    if (cur && cur.length + sep.length + p.length > max) {
      lines.push(cur);
      cur = p;
    } else cur = cur ? `${cur}${sep}${p}` : p;
  }
  if (cur) lines.push(cur);
  return lines;
}

/** Log-axis labels: `1e-3` below one, plain numbers from one up (`1`, `10`, not `1e+0`). */
export const LOG_LABEL_EXPR = "datum.value >= 1 && datum.value < 1e5 ? format(datum.value, ',~g') : format(datum.value, '.0e')";

// d3's format writes a negative number with U+2212 (−), not a hyphen.
const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '−': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };

/** `10` with the decade's exponent in superscript digits (DejaVu Sans has them), as a vega expression. */
const POWER_OF_TEN_EXPR = `'10' + ${Object.entries(SUPERSCRIPT).reduce(
  (acc, [d, s]) => `replace(${acc}, regexp('${d}', 'g'), '${s}')`,
  "format(round(log(datum.value) / LN10), 'd')",
)}`;

/**
 * The axis of a log scale: decade ticks and one label format for all of them
 * (issue 15: `1e-3` beside `10` on one axis read as two scales). Plain numbers
 * when every tick is between 0.001 and 10,000, else powers of ten: 10⁻⁶ … 10².
 */
export function logAxis(values: readonly number[]): VlSpec {
  const ticks = logTicks(values);
  const plain = ticks.length > 0 && ticks[0] >= 1e-3 && ticks[ticks.length - 1] <= 1e4;
  if (!plain) return { values: ticks, labelExpr: POWER_OF_TEN_EXPR };
  // a span of one or two decades gets 1-2-5 ticks inside the data, or it shows two labels
  if (ticks.length < 4) {
    const inData = values.filter((v) => v > 0 && Number.isFinite(v));
    const lo = Math.min(...inData);
    const hi = Math.max(...inData);
    const fine = ticks
      .flatMap((d) => [d, 2 * d, 5 * d])
      .map((v) => Number(v.toPrecision(1)))
      .filter((v) => v >= lo / 1.5 && v <= hi * 1.5);
    if (fine.length >= 3) return { values: fine, format: ',~g' };
  }
  return { values: ticks, format: ',~g' };
}
