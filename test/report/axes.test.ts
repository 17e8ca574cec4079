/**
 * Issue 15, the plots a newcomer reads: units from the spec on the axes
 * (`x_unit`, per-column `units`), one tick format per axis (never `1e-3`
 * beside `10`), rates on 0..1, benchmark times in a readable unit on a log
 * scale once they span 10x. The specs are compiled and drawn by vega, and the
 * drawn tick labels are read back from the SVG.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planCharts, seriesRequests } from '../../src/report/charts.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildModel } from '../../src/report/model.js';
import { compileSpec, renderSvg } from '../../src/report/render.js';
import { parseSeries } from '../../src/report/series.js';
import { logAxis } from '../../src/report/theme.js';
import { Spec } from '../../src/spec/schema.js';
import { crossCheck } from '../../src/spec/validate.js';
import { SYNTHETIC_SPEC_INPUT, syntheticRun } from '../fixtures/ledgers/synthetic.js';
import { loadFixture } from './helpers.js';

const fx = loadFixture('short');

function withUnits(over: Record<string, unknown> = {}): Spec {
  const raw = JSON.parse(JSON.stringify(SYNTHETIC_SPEC_INPUT));
  Object.assign(raw.oracles[0].tables[0], { x_unit: 'multipole', units: { TT: 'μK²' } }, over);
  raw.thresholds = { 'accuracy.cl.TT.max_abs': '< 0.5' };
  return Spec.parse(raw);
}

function errorCharts(spec: Spec) {
  const model = buildModel(spec, fx.records, 'running');
  const series = seriesRequests(model).map((request) => {
    const r = parseSeries(readFileSync(path.join(fx.artifactRoot, request.path), 'utf8'));
    if (!r.ok) throw new Error(r.error);
    return { request, series: r.series };
  });
  return planCharts(model, series, 'iteration', 'full');
}

/** The tick labels vega draws on the x axis (centred under it) and the y axis (right-aligned beside it), read from its SVG. */
async function tickLabels(spec: Record<string, unknown>): Promise<[string[], string[]]> {
  const svg = await renderSvg(compileSpec(spec).vega);
  const x: string[] = [];
  const y: string[] = [];
  for (const g of svg.matchAll(/<g class="mark-text role-axis-label"[^>]*>(.*?)<\/g>/gs)) {
    for (const t of g[1].matchAll(/<text text-anchor="(\w+)"[^>]*>([^<]*)<\/text>/g)) (t[1] === 'middle' ? x : y).push(t[2]);
  }
  return [x, y];
}

describe('units from the spec', () => {
  it('the table spec takes x_unit and units; a unit is one short line', () => {
    expect(withUnits().oracles[0]).toMatchObject({ tables: [{ x_unit: 'multipole', units: { TT: 'μK²' } }] });
    expect(() => withUnits({ x_unit: 'a'.repeat(33) })).toThrow(/at most 32/);
    expect(() => withUnits({ units: { TT: 'a\nb' } })).toThrow(/one line/);
  });

  it('baton check refuses a unit for a column that is not compared, with a did-you-mean', () => {
    const problems = crossCheck(withUnits({ units: { TTT: 'μK²' } }), 'baton.yaml');
    const p = problems.find((x) => x.where.includes('units'));
    expect(p).toMatchObject({ where: 'oracles[0].tables[0].units.TTT', hint: 'did you mean "TT"?' });
    expect(p!.expected).toContain('TT, EE');
    expect(crossCheck(withUnits(), 'baton.yaml').filter((x) => x.where.includes('units'))).toEqual([]);
  });

  it('error vs x: x axis and an absolute error carry their units, a relative error none', () => {
    const [tt] = errorCharts(withUnits()).filter((p) => p.kind === 'error');
    const text = JSON.stringify(tt.spec);
    expect(text).toContain('"l [multipole]"');
    expect(text).toContain('absolute error of TT [μK²]');
    const [rel] = errorCharts(Spec.parse({ ...withUnits(), thresholds: { 'accuracy.cl.TT.max_rel': '< 1e-3' } })).filter((p) => p.kind === 'error');
    expect(JSON.stringify(rel.spec)).toContain('"relative error of TT"');
    expect(compileSpec(tt.spec).warnings).toEqual([]);
  });

  it('timelines: max_abs in the column unit, a benchmark median in seconds', () => {
    const spec = withUnits();
    const plans = errorCharts(Spec.parse({ ...spec, thresholds: { ...spec.thresholds, 'speed.median_s': '< 0.5' } }));
    expect(JSON.stringify(plans.find((p) => p.file === 'timeline-accuracy-cl-TT-max_abs')!.spec)).toContain('cl.TT.max_abs [μK²]');
    expect(JSON.stringify(plans.find((p) => p.file === 'timeline-speed-median_s')!.spec)).toContain('median_s [s]');
  });
});

describe('tick labels', () => {
  it('a log axis has one format: plain numbers within 0.001..10,000, else powers of ten for every tick', () => {
    expect(logAxis([0.01, 300])).toEqual({ values: [0.01, 0.1, 1, 10, 100, 1000], format: ',~g' });
    const wide = logAxis([3e-8, 0.2]);
    expect(wide.format).toBeUndefined();
    expect(String(wide.labelExpr)).not.toContain('?');
  });

  it('drawn: the error chart spanning 1e-8..1 labels every y tick as a power of ten, x ticks as plain numbers', async () => {
    const [tt] = errorCharts(fx.spec).filter((p) => p.kind === 'error');
    const [x, y] = await tickLabels(tt.spec);
    expect(y.length).toBeGreaterThan(3);
    for (const l of y) expect(l).toMatch(/^10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+$/);
    expect(y).toContain('10⁻⁶');
    for (const l of x) expect(l).toMatch(/^[\d,]+$/);
  });

  it('a pass rate is drawn on 0..1 whatever its values', async () => {
    const run = syntheticRun({ seed: 3, iterations: 6 });
    const spec = Spec.parse({ ...run.spec, thresholds: { 'unit.pass_rate': '>= 1' } });
    const records = run.records.map((r) => ({ ...r, metrics: { ...r.metrics, 'unit.pass_rate': r.iteration === 2 ? 0.8 : 1 } }));
    const plan = planCharts(buildModel(spec, records, 'running'), []).find((p) => p.file === 'timeline-unit-pass_rate')!;
    const [, y] = await tickLabels(plan.spec);
    expect(y[0]).toBe('0');
    expect(y[y.length - 1]).toBe('1');
  });

  it('benchmark times: milliseconds when under 1 s, a log scale once the medians span 10x', async () => {
    const run = syntheticRun({ seed: 7, iterations: 8 });
    // medians falling from 0.2 s to 0.012 s
    const records = run.records.map((r) => ({
      ...r,
      measurements: r.measurements.map((m) =>
        m.oracle === 'speed' ? { ...m, details: { ...m.details, samples: [0.95, 1, 1.05].map((f) => (f * 0.2) / (1 + 2 * r.iteration)) } } : m,
      ),
    }));
    const plan = planCharts(buildModel(run.spec, records, 'running'), []).find((p) => p.kind === 'benchmark')!;
    const text = JSON.stringify(plan.spec);
    expect(text).toContain('time per run [ms]');
    expect(text).toContain('"type":"log"');
    const [, y] = await tickLabels(plan.spec);
    expect(y.length).toBeGreaterThanOrEqual(3);
    for (const l of y) expect(l).toMatch(/^\d+$/);
    // REPORT.md's noise table speaks the same unit
    const md = renderMarkdown({ model: buildModel(run.spec, records, 'running'), charts: [] });
    expect(md).toContain('| measurement | median (ms) | IQR (ms) |');
    expect(md).toMatch(/\| baseline \(#0\) \| 200 \|/);
  });
});
