/**
 * The report split (issue 12): the workspace's reports/ folder, which the
 * worker reads, holds error-vs-x charts binned to COARSE_BINS maxima; the
 * per-point series go only to the researcher's folder outside the workspace.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../src/report/model.js';
import { planCharts, seriesRequests } from '../../src/report/charts.js';
import { COARSE_BINS, binMaxima } from '../../src/report/error-chart.js';
import { detailFor, generateReport } from '../../src/report/generate.js';
import { parseSeries } from '../../src/report/series.js';
import { tmpDir } from '../helpers/tmp.js';
import { loadFixture } from './helpers.js';

const fx = loadFixture('short');

function errorRows(spec: Record<string, unknown>): { x: number; x2?: number; rel: number; line: string }[] {
  const layers = (spec.layer as { data?: { values?: unknown[] } }[]) ?? [];
  return (layers[0]?.data?.values ?? []) as { x: number; x2?: number; rel: number; line: string }[];
}

describe('error charts in the workspace are coarse', () => {
  const model = buildModel(fx.spec, fx.records, 'running');
  const series = seriesRequests(model).map((request) => {
    const r = parseSeries(readFileSync(path.join(fx.artifactRoot, request.path), 'utf8'));
    if (!r.ok) throw new Error(r.error);
    return { request, series: r.series };
  });

  it('by default: at most COARSE_BINS bins per line, none of the series x values but the two ends', () => {
    const xs = new Set(series.flatMap((s) => s.series.points.map((p) => p.x)));
    expect(xs.size).toBeGreaterThan(10 * COARSE_BINS);
    for (const c of planCharts(model, series).filter((p) => p.kind === 'error')) {
      const rows = errorRows(c.spec);
      const lines = new Set(rows.map((r) => r.line));
      for (const l of lines) expect(rows.filter((r) => r.line === l).length).toBeLessThanOrEqual(COARSE_BINS);
      const leaked = new Set(rows.flatMap((r) => [r.x, r.x2 ?? NaN]).filter((x) => [...xs].some((g) => Math.abs(g - x) <= 1e-5 * Math.abs(g))));
      expect(leaked.size).toBeLessThanOrEqual(2);
      expect(JSON.stringify(c.spec)).toContain(`largest error in each of ${COARSE_BINS} bins`);
    }
  });

  it('full detail keeps the per-point series (for the researcher)', () => {
    const [c] = planCharts(model, series, 'iteration', 'full').filter((p) => p.kind === 'error');
    expect(errorRows(c.spec).length).toBeGreaterThan(10 * COARSE_BINS);
  });

  it('binMaxima keeps the largest value of each bin, with computed edges', () => {
    const pts = Array.from({ length: 100 }, (_, i) => ({ x: 1 + i, y: i === 37 ? 5 : 1 }));
    const bins = binMaxima(pts, 1, 100, false, 4);
    expect(bins.map((b) => b.y)).toEqual([1, 5, 1, 1]);
    expect(bins[0].x0).toBe(1);
    expect(bins[3].x1).toBe(100);
    expect(bins[1].x0).toBeCloseTo(25.75, 10);
  });
});

describe('generateReport writes the full report only to fullOutDir', () => {
  it('the workspace copy has binned error data, the researcher copy the series; other charts are the same bytes', async () => {
    const root = tmpDir();
    const ws = path.join(root, 'reports-ws');
    const full = path.join(root, 'reports-full');
    const r = await generateReport({ spec: fx.spec, records: fx.records, state: 'running', artifactRoot: fx.artifactRoot, outDir: ws, fullOutDir: full });
    expect(r.warnings).toEqual([]);
    const stems = readdirSync(path.join(ws, 'plots')).filter((f) => f.startsWith('error-') && f.endsWith('.vl.json'));
    expect(stems.length).toBeGreaterThan(0);
    for (const f of stems) {
      const coarse = errorRows(JSON.parse(readFileSync(path.join(ws, 'plots', f), 'utf8')));
      const fine = errorRows(JSON.parse(readFileSync(path.join(full, 'plots', f), 'utf8')));
      expect(new Set(coarse.map((x) => x.x)).size).toBeLessThanOrEqual(COARSE_BINS);
      expect(new Set(fine.map((x) => x.x)).size).toBeGreaterThan(COARSE_BINS * 4);
    }
    for (const f of readdirSync(path.join(ws, 'plots')).filter((x) => !x.startsWith('error-'))) {
      expect(readFileSync(path.join(ws, 'plots', f)).equals(readFileSync(path.join(full, 'plots', f))), f).toBe(true);
    }
    expect(readdirSync(full).sort()).toEqual(['REPORT.md', 'metrics.csv', 'plots']);
  });

  it('detailFor: coarse inside the workspace (links followed), full outside', async () => {
    const root = tmpDir();
    const ws = path.join(root, 'workspace');
    mkdirSync(path.join(ws, 'reports'), { recursive: true });
    symlinkSync(path.join(ws, 'reports'), path.join(root, 'sneaky'));
    expect(await detailFor(path.join(ws, 'reports'), ws)).toBe('coarse');
    expect(await detailFor(path.join(ws, 'new', 'deep'), ws)).toBe('coarse');
    expect(await detailFor(path.join(root, 'sneaky', 'x'), ws)).toBe('coarse');
    expect(await detailFor(path.join(root, 'reports'), ws)).toBe('full');
    expect(await detailFor(path.join(root, 'workspace-2'), ws)).toBe('full');
  });
});
