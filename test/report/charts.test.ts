import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planCharts, seriesRequests } from '../../src/report/charts.js';
import { buildModel } from '../../src/report/model.js';
import { compileSpec, DEFAULT_FONT_FILES, PNG_SCALE, renderPng, renderSvg } from '../../src/report/render.js';
import { parseSeries } from '../../src/report/series.js';
import { Spec } from '../../src/spec/schema.js';
import { SYNTHETIC_SPEC_INPUT, syntheticRun } from '../fixtures/ledgers/synthetic.js';
import { darkPixels, decodePng, loadFixture } from './helpers.js';

function charts(spec: Spec, records: Parameters<typeof buildModel>[1]) {
  const model = buildModel(spec, records, 'running');
  return { model, plans: planCharts(model, []) };
}

describe('vega-lite specs', () => {
  const short = syntheticRun({ seed: 7, iterations: 8, force: { 3: 'crashed', 5: 'tamper' } });
  const long = syntheticRun({ seed: 11, iterations: 5000 });
  const met = syntheticRun({ seed: 5, iterations: 80, canMeet: true });
  const higher = Spec.parse({ ...SYNTHETIC_SPEC_INPUT, thresholds: { 'unit.pass_rate': '>= 1', 'speed.median_s': '< 0.5' } });
  const typo = Spec.parse({ ...SYNTHETIC_SPEC_INPUT, thresholds: { 'accuracy.cl.TE.max_rel': '< 1e-3' } });
  const allCrashed = short.records.map((r, i) => (i === 0 ? r : { ...r, measurements: [], metrics: {}, verdict: { kind: 'crashed' as const, reason: 'oom' } }));
  const cases: [string, Spec, Parameters<typeof buildModel>[1]][] = [
    ['short run with a crash and a tamper', short.spec, short.records],
    ['5,000 iterations', long.spec, long.records],
    ['a run that meets its goal', met.spec, met.records],
    ['"higher is better" thresholds', higher, short.records],
    ['every iteration crashed', short.spec, allCrashed],
    ['baseline only', short.spec, short.records.slice(0, 1)],
    ['a threshold on a metric never measured', typo, short.records],
  ];

  it.each(cases)('compile without warnings: %s', (_, spec, records) => {
    const { plans } = charts(spec, records);
    expect(plans.length).toBeGreaterThan(0);
    for (const p of plans) expect(compileSpec(p.spec).warnings, p.file).toEqual([]);
  });

  it('timelines can show elapsed hours on x', () => {
    const model = buildModel(short.spec, short.records, 'running');
    const plans = planCharts(model, [], 'hours');
    const t = plans.find((p) => p.kind === 'timeline')!;
    expect(JSON.stringify(t.spec)).toContain('"title":"elapsed hours"');
    expect(compileSpec(t.spec).warnings).toEqual([]);
  });

  it('a 5,000-iteration run stays small: markers thinned, every chart under ~2,000 marks', async () => {
    const { plans } = charts(long.spec, long.records);
    for (const p of plans) {
      const values = JSON.stringify(p.spec).match(/"iteration":/g)?.length ?? 0;
      expect(values, p.file).toBeLessThan(2000);
    }
    const timeline = plans.find((p) => p.kind === 'timeline')!;
    const svg = await renderSvg(compileSpec(timeline.spec).vega);
    expect(svg.length).toBeLessThan(600_000);
    expect(svg).toContain('markers thinned to per-bin extremes');
  });

  it('timelines mark kept, reverted, crashed and tamper iterations distinctly, with the threshold and the running best', () => {
    const { plans } = charts(short.spec, short.records);
    const t = JSON.stringify(plans.find((p) => p.file === 'timeline-accuracy-cl-TT-max_rel')!.spec);
    for (const label of ['"baseline"', '"kept"', '"reverted"', '"crashed"', '"tamper"']) expect(t).toContain(label);
    expect(t).toContain('threshold < 1e-3');
    expect(t).toContain('"interpolate":"step-after"');
    expect(t).toContain('"type":"log"');
  });

  it('error charts come from the baseline, best and latest series files', () => {
    const fx = loadFixture('short');
    const model = buildModel(fx.spec, fx.records, 'running');
    const req = seriesRequests(model);
    expect(req.map((r) => `${r.role}:${r.iteration}:${r.name}`)).toEqual([
      'baseline:0:cl.TT',
      'baseline:0:cl.EE',
      `best:${model.bestIteration}:cl.TT`,
      `best:${model.bestIteration}:cl.EE`,
      'latest:8:cl.TT',
      'latest:8:cl.EE',
    ]);
  });
});

describe('error vs x', () => {
  const fx = loadFixture('short');
  const withSeries = (spec: Spec) => {
    const model = buildModel(spec, fx.records, 'running');
    const series = seriesRequests(model).map((request) => {
      const r = parseSeries(readFileSync(path.join(fx.artifactRoot, request.path), 'utf8'));
      if (!r.ok) throw new Error(r.error);
      return { request, series: r.series };
    });
    return planCharts(model, series).filter((p) => p.kind === 'error');
  };

  it('plots the relative error with the max_rel threshold', () => {
    const [tt] = withSeries(fx.spec);
    const text = JSON.stringify(tt.spec);
    expect(text).toContain('relative error of TT');
    expect(text).toContain('the max_rel threshold < 1e-3');
    expect(compileSpec(tt.spec).warnings).toEqual([]);
  });

  it('plots the absolute error when the threshold is on max_abs', () => {
    const spec = Spec.parse({ ...SYNTHETIC_SPEC_INPUT, thresholds: { 'accuracy.cl.TT.max_abs': '< 0.5' } });
    const [tt] = withSeries(spec);
    const text = JSON.stringify(tt.spec);
    expect(text).toContain('absolute error of TT');
    expect(text).toContain('the max_abs threshold < 0.5');
  });
});

describe('PNG rendering', () => {
  it('draws text: the title area has dark pixels with DejaVu and none without fonts', async () => {
    const fx = loadFixture('short');
    const { plans } = charts(fx.spec, fx.records);
    const svg = await renderSvg(compileSpec(plans[0].spec).vega);
    const withFonts = decodePng(await renderPng(svg, DEFAULT_FONT_FILES));
    const noFonts = decodePng(await renderPng(svg, []));
    const title = [0, 0, Math.round(300 * PNG_SCALE), Math.round(28 * PNG_SCALE)] as const;
    expect(darkPixels(withFonts, ...title)).toBeGreaterThan(300);
    expect(darkPixels(noFonts, ...title)).toBe(0);
    // and it is not blank below the title either: axes, marks, labels
    expect(darkPixels(withFonts, 0, 0, withFonts.width, withFonts.height)).toBeGreaterThan(3000);
  });
});
