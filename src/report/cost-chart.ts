/**
 * What the run cost: cumulative USD, cumulative tokens by kind, and the cost
 * of each kept improvement (everything spent since the previous one).
 */
import { addUsage, keptChange } from '../ledger/query.js';
import { ZERO_USAGE } from '../ledger/record.js';
import { stride } from './decimate.js';
import { fmtTokens, fmtUsd } from './format.js';
import type { ReportModel } from './model.js';
import { COLORS, WIDTH, r6, subtitleLines, topLevel, type VlSpec } from './theme.js';

/** Cumulative series are thinned to about this many points (they are monotone). */
export const COST_MAX_POINTS = 250;

/** Cumulative cost after each iteration and the cost of each kept improvement. */
export function costSeries(model: ReportModel) {
  const cumulative: { iteration: number; usd: number; input: number; output: number; cacheRead: number; cacheWrite: number }[] = [];
  const perKept: { iteration: number; usd: number; attempts: number }[] = [];
  let u = { ...ZERO_USAGE };
  let sinceKept = 0;
  let attempts = 0;
  for (const it of model.iterations) {
    for (const r of it.records) if (r.session) u = addUsage(u, r.session.usage);
    sinceKept += it.usd;
    if (it.iteration > 0) attempts += 1;
    cumulative.push({
      iteration: it.iteration,
      usd: u.usd,
      input: u.inputTokens,
      output: u.outputTokens,
      cacheRead: u.cacheReadTokens,
      cacheWrite: u.cacheWriteTokens,
    });
    if (keptChange(it.verdict)) {
      perKept.push({ iteration: it.iteration, usd: sinceKept, attempts });
      sinceKept = 0;
      attempts = 0;
    }
  }
  return { cumulative, perKept };
}

const TOKEN_KINDS = [
  { key: 'input', label: 'input', color: '#0072B2' },
  { key: 'output', label: 'output', color: '#D55E00' },
  { key: 'cacheRead', label: 'cache read', color: '#56B4E9' },
  { key: 'cacheWrite', label: 'cache write', color: '#E69F00' },
] as const;

/** The vega-lite spec of the cost chart, or undefined when no session recorded any usage. */
export function costSpec(model: ReportModel): VlSpec | undefined {
  if (model.totals.usd === 0 && model.totals.tokens.total === 0) return undefined;
  const { cumulative, perKept } = costSeries(model);
  const cum = stride(cumulative, COST_MAX_POINTS);
  const x = {
    field: 'iteration',
    type: 'quantitative',
    title: 'iteration',
    scale: { domain: [0, Math.max(1, model.latestIteration)], nice: false },
    axis: { format: 'd', tickMinStep: 1 },
  };
  const usdRows = cum.map((p) => ({ iteration: p.iteration, usd: r6(p.usd) }));
  const tokenRows = cum.flatMap((p) => TOKEN_KINDS.map((k, i) => ({ iteration: p.iteration, kind: k.label, order: i, tokens: p[k.key] })));
  const keptRows = perKept.map((k) => ({ iteration: k.iteration, usd: r6(k.usd), attempts: k.attempts }));
  const h = 120;
  const usdFormat = model.totals.usd >= 100 ? '$,.0f' : model.totals.usd >= 1 ? '$.2~f' : '$.3~f';
  const panels: VlSpec[] = [
    {
      width: WIDTH,
      height: h,
      data: { values: usdRows },
      mark: { type: 'area', interpolate: 'step-before', color: COLORS.latest, opacity: 0.25, line: { color: COLORS.latest, strokeWidth: 1.5 } },
      encoding: { x: { ...x, title: null }, y: { field: 'usd', type: 'quantitative', title: 'USD, cumulative', axis: { format: usdFormat } } },
    },
    {
      width: WIDTH,
      height: h,
      data: { values: tokenRows },
      mark: { type: 'area', interpolate: 'step-before', opacity: 0.85 },
      encoding: {
        x: { ...x, title: null },
        y: { field: 'tokens', type: 'quantitative', stack: 'zero', title: 'tokens, cumulative', axis: { format: '~s' } },
        color: {
          field: 'kind',
          type: 'nominal',
          title: null,
          scale: { domain: TOKEN_KINDS.map((k) => k.label), range: TOKEN_KINDS.map((k) => k.color) },
          legend: { orient: 'top-left', direction: 'horizontal', fillColor: 'white', padding: 4 },
        },
        order: { field: 'order' },
      },
    },
  ];
  if (keptRows.length) {
    panels.push({
      width: WIDTH,
      height: h,
      data: { values: keptRows },
      mark:
        keptRows.length <= 80
          ? { type: 'bar', color: COLORS.best, size: Math.max(2, Math.min(14, 400 / keptRows.length)) }
          : { type: 'point', filled: true, color: COLORS.best, size: 16 },
      encoding: {
        x,
        y: { field: 'usd', type: 'quantitative', title: 'USD per kept step', axis: { format: usdFormat } },
        tooltip: [{ field: 'iteration' }, { field: 'usd', format: '$.3~f' }, { field: 'attempts' }],
      },
    });
  }
  const t = model.totals;
  const perKeptAvg = model.kept ? t.usd / model.kept : undefined;
  const parts = [
    `total ${fmtUsd(t.usd)}, ${fmtTokens(t.tokens.total)} tokens`,
    perKeptAvg !== undefined ? `${fmtUsd(perKeptAvg)} per kept improvement (${model.kept} kept)` : 'no kept improvement yet',
  ];
  return topLevel('Cost', subtitleLines(parts), { vconcat: panels, spacing: 12, resolve: { scale: { x: 'shared' }, legend: { color: 'independent' } } });
}
