/**
 * The timeline of one threshold metric: its value at every measurement,
 * coloured and shaped by verdict, the running best as a step line, the
 * threshold and the baseline as rules. Iterations that produced no value
 * (a crash, a tamper caught before measuring) are marked along the bottom.
 */
import type { VerdictKind } from '../ledger/record.js';
import { decimate } from './decimate.js';
import { count, fmtInt, fmtNum } from './format.js';
import type { MetricSummary, ReportModel } from './model.js';
import { metricUnit } from './metric-unit.js';
import { isRate, withUnit } from './units.js';
import { COLORS, HEIGHT, VERDICT_STYLE, WIDTH, logAxis, pointSize, r6, subtitleLines, topLevel, verdictEncoding, type VlSpec } from './theme.js';
import type { TimeAxis } from './chart-plan.js';

/** Which quantity the x axis shows (defined with the other chart shapes in chart-plan.ts). */
export type { TimeAxis };

/** Above this many points the reverted (and other routine) points are thinned. */
export const TIMELINE_MAX_POINTS = 600;
const BINS = 150;

interface Row {
  iteration: number;
  hours: number;
  value?: number;
  verdict: string;
  phase: string;
  /** With lanes: `lane 2`. */
  lane?: string;
}

/** Up to this many marks, each is labelled with its lane; past it the lane is in the tooltip only. */
const LANE_LABELS_MAX = 80;

function xEncoding(axis: TimeAxis, last: number): VlSpec {
  if (axis === 'hours') return { field: 'hours', type: 'quantitative', title: 'elapsed hours', scale: { zero: true, padding: 10, nice: false } };
  return {
    field: 'iteration',
    type: 'quantitative',
    title: 'iteration',
    scale: { domain: [0, Math.max(1, last)], padding: 12, nice: false },
    axis: { format: 'd', tickMinStep: 1 },
  };
}

/** A constant metric (pass_rate 1, n_dropped 0) would collapse the y axis to a point: give it room. */
function flatDomain(m: MetricSummary): { domain?: [number, number] } {
  if (m.points.length === 0) return {};
  let lo = m.threshold?.value ?? Infinity;
  let hi = m.threshold?.value ?? -Infinity;
  for (const p of m.points) {
    if (p.value < lo) lo = p.value;
    if (p.value > hi) hi = p.value;
  }
  if (hi - lo > 1e-12 * Math.max(1, Math.abs(hi))) return {};
  const pad = lo !== 0 ? Math.abs(lo) * 0.5 : 1;
  return { domain: [lo - pad, hi + pad] };
}

/** The vega-lite spec of one metric's timeline; undefined before the first iteration or measurement. */
export function timelineSpec(model: ReportModel, m: MetricSummary, axis: TimeAxis = 'iteration'): VlSpec | undefined {
  if (m.points.length === 0 && model.iterations.length <= 1) return undefined;
  // the step line keeps every improvement exactly; markers are thinned per verdict
  const always = new Set<VerdictKind>(['baseline', 'met', 'tamper', 'stalled', 'budget']);
  const shown =
    m.points.length <= TIMELINE_MAX_POINTS
      ? m.points
      : decimate(m.points, {
          x: (p) => p.iteration,
          y: (p) => p.value,
          group: (p) => p.verdict,
          bins: BINS,
          keep: (p) => always.has(p.verdict),
        });
  const thinned = shown.length < m.points.length;
  const rows: Row[] = shown
    .filter((p) => !m.log || p.value > 0)
    .map((p) => ({
      iteration: p.iteration,
      hours: r6(p.hours),
      value: p.value,
      verdict: VERDICT_STYLE[p.verdict].label,
      phase: p.phase,
      ...(p.lane !== undefined ? { lane: `lane ${p.lane}` } : {}),
    }));
  const measured = new Set(m.points.map((p) => p.iteration));
  const missingAll = model.iterations.filter((it) => it.iteration > 0 && !measured.has(it.iteration));
  const missing = decimate(missingAll, {
    x: (it) => it.iteration,
    y: () => 0,
    group: (it) => it.verdict,
    bins: BINS,
    keep: (it) => it.verdict === 'tamper',
  }).map((it) => ({
    iteration: it.iteration,
    hours: r6(it.elapsedHours),
    verdict: VERDICT_STYLE[it.verdict].label,
    phase: 'no value',
    ...(it.lane !== undefined ? { lane: `lane ${it.lane}` } : {}),
  }));
  const lanes = rows.some((r) => r.lane) || missing.some((r) => r.lane);
  const laneTip = lanes ? [{ field: 'lane', type: 'nominal' }] : [];
  const labelled = lanes && rows.length + missing.length <= LANE_LABELS_MAX;
  const present = new Set<VerdictKind>([...shown.map((p) => p.verdict), ...missingAll.map((it) => it.verdict)]);
  const { color, shape } = verdictEncoding(present);
  const x = xEncoding(axis, model.latestIteration);
  const xf = axis === 'hours' ? 'hours' : 'iteration';
  // a rate (pass_rate) whose values lie in 0..1 is drawn on the whole 0..1: 0.8 of the tests is not near the bottom of a scale
  const rate =
    !m.log && isRate(m.name) && m.points.every((p) => p.value >= 0 && p.value <= 1) && (!m.threshold || (m.threshold.value >= 0 && m.threshold.value <= 1));
  const y = {
    field: 'value',
    type: 'quantitative',
    title: withUnit(m.name.split('.').slice(1).join('.') || m.name, metricUnit(model.spec, m.name)),
    scale: m.log ? { type: 'log', padding: 10 } : rate ? { domain: [0, 1], nice: false, padding: 10 } : { zero: false, padding: 10, ...flatDomain(m) },
    axis: m.log
      ? logAxis([...rows.map((r) => r.value as number), m.threshold?.value ?? NaN, m.baseline ?? NaN])
      : rate
        ? { format: '~g', values: [0, 0.2, 0.4, 0.6, 0.8, 1] }
        : { format: '~g' },
  };
  const steps = m.bestSteps.map((s) => ({ iteration: s.iteration, hours: r6(s.hours), value: s.value }));
  if (steps.length) steps.push({ ...steps[steps.length - 1], iteration: model.latestIteration, hours: r6(model.totals.elapsedHours) });

  const layers: VlSpec[] = [];
  if (m.baseline !== undefined && (!m.log || m.baseline > 0)) {
    layers.push({
      data: { values: [{ value: m.baseline, label: `baseline ${fmtNum(m.baseline)}` }] },
      layer: [
        { mark: { type: 'rule', color: COLORS.baseline, strokeDash: [2, 3], opacity: 0.6 }, encoding: { y: { ...y } } },
        {
          mark: { type: 'text', align: 'right', dx: -4, dy: -7, fontSize: 10, color: COLORS.muted },
          encoding: { y: { ...y }, x: { value: WIDTH }, text: { field: 'label' } },
        },
      ],
    });
  }
  if (m.threshold && (!m.log || m.threshold.value > 0)) {
    layers.push({
      data: { values: [{ value: m.threshold.value, label: `threshold ${m.threshold.text}` }] },
      layer: [
        { mark: { type: 'rule', color: COLORS.threshold, strokeDash: [6, 4], strokeWidth: 1.5 }, encoding: { y: { ...y } } },
        // early iterations sit far from the goal: the label goes on the left, on the side away from the data
        {
          mark: { type: 'text', align: 'left', dx: 4, dy: m.direction === 'higher' ? 12 : -7, fontSize: 11, color: COLORS.threshold, fontWeight: 'bold' },
          encoding: { y: { ...y }, x: { value: 0 }, text: { field: 'label' } },
        },
      ],
    });
  }
  if (steps.length) {
    layers.push({
      data: { values: steps.filter((s) => !m.log || s.value > 0) },
      mark: { type: 'line', interpolate: 'step-after', color: COLORS.best, strokeWidth: 2, opacity: 0.9 },
      encoding: { x: { ...x, field: xf }, y: { ...y } },
    });
  }
  layers.push({
    data: { values: rows },
    mark: { type: 'point', filled: true, size: pointSize(rows.length), opacity: rows.length > 1500 ? 0.6 : 0.85 },
    encoding: {
      x,
      y,
      color,
      shape,
      tooltip: [
        { field: 'iteration', type: 'quantitative' },
        { field: 'hours', type: 'quantitative', format: '.2f' },
        { field: 'value', type: 'quantitative', format: '.4~g' },
        { field: 'verdict', type: 'nominal' },
        { field: 'phase', type: 'nominal' },
        ...laneTip,
      ],
    },
  });
  if (labelled) {
    // Each mark says which lane made it: `L2` beside the point.
    layers.push({
      data: { values: rows.filter((r) => r.lane && r.phase !== 'confirm').map((r) => ({ ...r, tag: `L${r.lane!.slice(5)}` })) },
      mark: { type: 'text', align: 'right', dx: -6, dy: -6, fontSize: 9, color: COLORS.muted },
      encoding: { x, y, text: { field: 'tag' } },
    });
  }
  if (missing.length) {
    layers.push({
      data: { values: missing },
      mark: { type: 'point', filled: true, size: Math.max(30, pointSize(missing.length)), opacity: 0.9 },
      encoding: {
        x,
        y: { value: HEIGHT - 4 },
        color,
        shape,
        tooltip: [{ field: 'iteration', type: 'quantitative' }, { field: 'verdict', type: 'nominal' }, ...laneTip],
      },
    });
    if (labelled) {
      layers.push({
        data: { values: missing.filter((r) => r.lane).map((r) => ({ ...r, tag: `L${r.lane!.slice(5)}` })) },
        mark: { type: 'text', align: 'right', dx: -6, dy: -4, fontSize: 9, color: COLORS.muted },
        encoding: { x, y: { value: HEIGHT - 4 }, text: { field: 'tag' } },
      });
    }
  }

  const parts: string[] = [];
  if (m.threshold) parts.push(`goal ${m.threshold.text}`);
  if (m.current) parts.push(`now ${fmtNum(m.current.value)}${m.threshold ? (m.pass ? ' (passes)' : ' (fails)') : ''}`);
  if (m.best && m.best.value !== m.current?.value) parts.push(`best ${fmtNum(m.best.value)} at iteration ${m.best.iteration}`);
  if (m.baseline !== undefined) parts.push(`baseline ${fmtNum(m.baseline)}`);
  parts.push(count(model.latestIteration, 'iteration'));
  const notes: string[] = ['green step line: running best of kept iterations'];
  if (missing.length) notes.push('marks on the bottom edge: no value measured');
  if (lanes) notes.push(labelled ? 'L1, L2, …: the lane of each iteration' : 'the lane of each iteration is in its tooltip');
  if (thinned) notes.push(`markers thinned to per-bin extremes (${fmtInt(shown.length)} of ${fmtInt(m.points.length)} shown)`);
  const dropped = shown.length - rows.length;
  if (dropped > 0) notes.push(`${fmtInt(dropped)} values <= 0 not shown on the log axis`);
  const sub = [...subtitleLines(parts), ...subtitleLines(notes, 95, '; ')];
  return topLevel(m.name, sub, { width: WIDTH, height: HEIGHT, layer: layers, resolve: { scale: { color: 'shared', shape: 'shared' } } });
}
