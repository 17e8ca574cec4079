/**
 * Error vs x for one compared column of a table oracle: the relative error
 * (|candidate − reference| / |reference|), or the absolute one when that is
 * what the threshold is on, along the reference grid at the
 * baseline, the best and the latest iteration, on log axes when the data
 * span decades.
 *
 * Two resolutions. `full` draws the series point by point (thinned to
 * ERROR_MAX_POINTS): only for the researcher's report outside the workspace.
 * `coarse` draws the largest error in each of COARSE_BINS bins of x: this is
 * what the workspace's reports/ holds, because the worker reads that folder,
 * and a per-point error series together with its own candidate gives it the
 * hidden reference (issue 12: rebuilt to ~3e-8 from the plot data).
 */
import { decimate } from './decimate.js';
import { fmtNum } from './format.js';
import type { SeriesArtifact } from './series.js';
import { withUnit } from './units.js';
import { COLORS, HEIGHT, WIDTH, logAxis, r6, subtitleLines, topLevel, type VlSpec } from './theme.js';

/** Which iteration a series belongs to in the chart. */
export type SeriesRole = 'baseline' | 'best' | 'latest';

/** How finely an error chart shows the series: per point, or the maximum per bin of x. */
export type ErrorDetail = 'full' | 'coarse';

export interface RoleSeries {
  role: SeriesRole;
  iteration: number;
  series: SeriesArtifact;
}

/** Points per line above which a series is thinned to per-bin extremes. */
export const ERROR_MAX_POINTS = 800;
/** Bins of x in a coarse chart: the most a worker can learn about where the error lies. */
export const COARSE_BINS = 16;
const ROLE_COLOR: Record<SeriesRole, string> = { baseline: '#999999', best: COLORS.best, latest: COLORS.latest };
const ROLE_ORDER: SeriesRole[] = ['baseline', 'best', 'latest'];

/**
 * The largest `y` in each of `bins` equal bins of x between lo and hi (equal
 * in log x when `log`), empty bins left out. Edges are computed, not taken
 * from the data, so no x of the grid but the two ends is given away.
 */
export function binMaxima(
  points: readonly { x: number; y: number }[],
  lo: number,
  hi: number,
  log: boolean,
  bins = COARSE_BINS,
): { x0: number; x1: number; y: number }[] {
  const t = (x: number) => (log ? Math.log(x) : x);
  const a = t(lo);
  const width = (t(hi) - a) / bins;
  const edge = (k: number) => (k === 0 ? lo : k === bins ? hi : log ? Math.exp(a + k * width) : a + k * width);
  const max = new Array<number>(bins).fill(-Infinity);
  for (const p of points) {
    const k = width > 0 ? Math.min(bins - 1, Math.max(0, Math.floor((t(p.x) - a) / width))) : 0;
    if (p.y > max[k]) max[k] = p.y;
  }
  const out: { x0: number; x1: number; y: number }[] = [];
  for (let k = 0; k < bins; k++) if (max[k] > -Infinity) out.push({ x0: edge(k), x1: edge(k + 1), y: max[k] });
  return out;
}

function spans(lo: number, hi: number): boolean {
  return lo > 0 && hi / lo >= 100;
}

/**
 * The vega-lite spec of error vs x for one column. `lines` holds at most one
 * series per role; when best and latest are the same iteration pass only one.
 */
export function errorSpec(
  oracle: string,
  lines: RoleSeries[],
  threshold?: { value: number; text: string },
  quantity: 'rel' | 'abs' = 'rel',
  detail: ErrorDetail = 'coarse',
  units: { x?: string; column?: string } = {},
): VlSpec | undefined {
  const q = (p: { rel: number | null; abs: number }) => (quantity === 'rel' ? p.rel : p.abs);
  const sorted = ROLE_ORDER.flatMap((r) => lines.filter((l) => l.role === r));
  const first = sorted[0]?.series;
  if (!first) return undefined;
  const label = (l: RoleSeries) => `${l.role} (iteration ${l.iteration})`;
  const rows: { x: number; x2?: number; rel: number; line: string }[] = [];
  let xlo = Infinity;
  let xhi = -Infinity;
  let ylo = Infinity;
  let yhi = -Infinity;
  let zeros = 0;
  let thinned = false;
  const perLine = sorted.map((l) => {
    const pts = l.series.points.flatMap((p) => {
      const v = q(p);
      return v === null ? [] : [{ x: p.x, rel: v }];
    });
    for (const p of pts) {
      if (p.x < xlo) xlo = p.x;
      if (p.x > xhi) xhi = p.x;
      if (p.rel > 0 && p.rel < ylo) ylo = p.rel;
      if (p.rel > yhi) yhi = p.rel;
    }
    return { l, pts };
  });
  const logX = spans(xlo, xhi);
  for (const { l, pts } of perLine) {
    if (detail === 'coarse') {
      for (const b of binMaxima(
        pts.map((p) => ({ x: p.x, y: p.rel })),
        xlo,
        xhi,
        logX,
      ))
        rows.push({ x: r6(b.x0), x2: r6(b.x1), rel: r6(b.y), line: label(l) });
      continue;
    }
    const kept = decimate(pts, { x: (p) => p.x, y: (p) => p.rel, bins: ERROR_MAX_POINTS / 2 });
    if (kept.length < pts.length) thinned = true;
    for (const p of kept) rows.push({ x: r6(p.x), rel: r6(p.rel), line: label(l) });
  }
  if (rows.length === 0) return undefined;
  const logY =
    Number.isFinite(ylo) &&
    (spans(ylo, yhi) || (threshold !== undefined && threshold.value > 0 && spans(Math.min(ylo, threshold.value), Math.max(yhi, threshold.value))));
  const shown = logY
    ? rows.filter((r) => {
        if (r.rel > 0) return true;
        zeros += 1;
        return false;
      })
    : rows;
  const y = {
    // a relative error has no unit; an absolute one has the column's
    field: 'rel',
    type: 'quantitative',
    title: quantity === 'rel' ? `relative error of ${first.column}` : withUnit(`absolute error of ${first.column}`, units.column),
    scale: logY ? { type: 'log' } : { zero: true },
    axis: logY ? logAxis([...shown.map((r) => r.rel), threshold?.value ?? NaN]) : { format: '~g' },
  };
  const x = {
    field: 'x',
    type: 'quantitative',
    title: withUnit(first.x, units.x),
    scale: logX ? { type: 'log', nice: false } : { zero: false, nice: false },
    axis: logX ? logAxis([xlo, xhi]) : { format: '~g' },
  };
  const domain = sorted.map(label);
  const layers: VlSpec[] = [
    {
      data: { values: shown },
      mark: detail === 'coarse' ? { type: 'rule', strokeWidth: 2.5, clip: true } : { type: 'line', strokeWidth: 1.6, clip: true },
      encoding: {
        x,
        ...(detail === 'coarse' ? { x2: { field: 'x2' } } : {}),
        y,
        color: {
          field: 'line',
          type: 'nominal',
          scale: { domain, range: sorted.map((l) => ROLE_COLOR[l.role]) },
          legend: { title: null, orient: 'top', direction: 'horizontal', symbolType: 'stroke', symbolStrokeWidth: 3 },
        },
        order: { field: 'line' },
      },
    },
  ];
  if (threshold && (!logY || threshold.value > 0)) {
    layers.push({
      data: { values: [{ rel: threshold.value }] },
      layer: [
        { mark: { type: 'rule', color: COLORS.threshold, strokeDash: [6, 4], strokeWidth: 1.5 }, encoding: { y: { field: 'rel', type: 'quantitative' } } },
      ],
    });
  }
  const parts = sorted.map((l) => {
    let max = -Infinity;
    let at = NaN;
    for (const p of l.series.points) {
      const v = q(p);
      if (v !== null && v > max) {
        max = v;
        at = p.x;
      }
    }
    return `${l.role} max ${fmtNum(max)} at ${first.x} = ${fmtNum(at)}`;
  });
  const notes: string[] = [];
  if (threshold) notes.push(`red dashed line: the max_${quantity} threshold ${threshold.text}`);
  if (first.normalize && quantity === 'rel') notes.push(`relative to ${first.normalize}`);
  if (detail === 'coarse')
    notes.push(`largest error in each of ${COARSE_BINS} bins of ${first.x}; the per-point series is only in the researcher's report, outside the workspace`);
  else if (first.decimated && first.n_points) notes.push(`the oracle kept per-bin extremes of ${first.n_points} compared points`);
  if (thinned) notes.push(`lines thinned to per-bin extremes (${ERROR_MAX_POINTS} points)`);
  if (zeros) notes.push(`${zeros} exact matches (error 0) not shown on the log axis`);
  return topLevel(`${oracle}.${first.table}.${first.column}: error vs ${first.x}`, [...subtitleLines(parts), ...subtitleLines(notes, 95, '; ')], {
    width: WIDTH,
    height: HEIGHT,
    layer: layers,
  });
}
