import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, renderCsv } from '../../src/report/csv.js';
import { decimate, stride } from '../../src/report/decimate.js';
import { boundText, fmtDuration, fmtNum, mdCell, sparkline, specJson } from '../../src/report/format.js';
import { fmt } from '../../src/judge/judge.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildModel } from '../../src/report/model.js';
import { failedApproaches } from '../../src/report/notes.js';
import { parseSeries, serializeSeries, type SeriesArtifact } from '../../src/report/series.js';
import { timeline, verdictLine } from '../../src/report/summary.js';
import { syntheticRun } from '../fixtures/ledgers/synthetic.js';

describe('format', () => {
  it('numbers read the same way everywhere', () => {
    expect([fmtNum(0.21), fmtNum(9.56e-4), fmtNum(0.001022), fmtNum(12.3456), fmtNum(7), fmtNum(123456), fmtNum(undefined)]).toEqual([
      '0.21',
      '9.56e-4',
      '0.001022',
      '12.35',
      '7',
      '1.235e+5',
      '—',
    ]);
    // PROGRESS.md, the prompt and the verdicts write the same digits as REPORT.md (they once showed 0.005 where it showed 5e-3)
    const values = [0.005, 9.56e-4, 0.001022, 12.3456, 12345, -0.0421, 123456, 1e-7, 0];
    expect(values.map((v) => fmt(v))).toEqual(values.map((v) => fmtNum(v)));
    expect(values.map((v) => fmtNum(v))).toEqual(['0.005', '9.56e-4', '0.001022', '12.35', '12345', '-0.0421', '1.235e+5', '1e-7', '0']);
    expect(fmt(undefined)).toBe('n/a');
    expect([fmtDuration(850), fmtDuration(42_000), fmtDuration(12 * 60_000), fmtDuration(5.2 * 3_600_000), fmtDuration(76 * 3_600_000)]).toEqual([
      '850 ms',
      '42 s',
      '12 min',
      '5 h 12 min',
      '3 d 4 h',
    ]);
  });
  it('markdown cells are one line with pipes escaped and bounded', () => {
    expect(mdCell('a | b\nc <x>')).toBe('a \\| b c &lt;x&gt;');
    expect(mdCell('x'.repeat(300), 20)).toHaveLength(20);
  });
  it('sparklines put low values low', () => {
    expect(sparkline([1, 2, 3])).toBe('▁▅█');
    expect(sparkline([1e-1, 1e-2, 1e-3], true)).toBe('█▅▁');
  });
  it('specJson: data rows one per line, and parses back to the same spec', () => {
    const spec = {
      mark: { type: 'point' },
      data: {
        values: [
          { x: 1, y: 'a' },
          { x: 2, y: null },
        ],
      },
      axis: { values: [1, 10] },
      skip: undefined,
    };
    const text = specJson(spec);
    expect(JSON.parse(text)).toEqual({
      mark: { type: 'point' },
      data: {
        values: [
          { x: 1, y: 'a' },
          { x: 2, y: null },
        ],
      },
      axis: { values: [1, 10] },
    });
    expect(text).toContain('\n   {"x":1,"y":"a"},\n');
    expect(text).toContain('"values": [1,10]');
  });
  it('boundText says how much it cut', () => {
    expect(boundText('a\nb\nc\nd', 2, 100)).toBe('a\nb\n… (2 more lines)');
  });
});

describe('decimate', () => {
  const pts = Array.from({ length: 10_000 }, (_, i) => ({ x: i, y: Math.sin(i) + (i === 5000 ? 100 : 0), g: i % 2 ? 'a' : 'b' }));
  it('keeps per-bin extremes per group, the forced points, and the order', () => {
    const out = decimate(pts, { x: (p) => p.x, y: (p) => p.y, group: (p) => p.g, bins: 100, keep: (p) => p.x === 1234 });
    expect(out.length).toBeLessThanOrEqual(2 * 100 * 2 + 1);
    expect(out.some((p) => p.x === 5000)).toBe(true); // the spike survives
    expect(out.some((p) => p.x === 1234)).toBe(true);
    expect(out.map((p) => p.x)).toEqual([...out.map((p) => p.x)].sort((a, b) => a - b));
  });
  it('leaves short series alone; stride keeps the last point', () => {
    expect(decimate(pts.slice(0, 50), { x: (p) => p.x, y: (p) => p.y, bins: 100 })).toHaveLength(50);
    const s = stride(pts, 300);
    expect(s.length).toBeLessThanOrEqual(301);
    expect(s[s.length - 1].x).toBe(9999);
  });
});

describe('series artifacts', () => {
  const s: SeriesArtifact = {
    v: 1,
    kind: 'error-vs-x',
    table: 'pk',
    x: 'k',
    column: 'P',
    points: [
      { x: 1e-4, rel: 3e-5, abs: 0.4 },
      { x: 1e-3, rel: null, abs: 0 },
    ],
  };
  it('round-trip through their file format', () => {
    const r = parseSeries(serializeSeries(s));
    expect(r).toEqual({ ok: true, series: s });
  });
  it('refuse bad files with where and why', () => {
    expect(parseSeries('{')).toMatchObject({ ok: false, error: expect.stringContaining('not JSON') });
    expect(parseSeries(JSON.stringify({ ...s, points: [{ x: 1, rel: -1, abs: 0 }] }))).toEqual({ ok: false, error: 'points.0.rel: expected a magnitude >= 0' });
  });
});

describe('NOTES.md', () => {
  it('quotes only the failed-approaches sections, headings and fences respected', () => {
    const notes = '# Notes\n## Plan\nx\n## Dead ends\n- a\n```\n# not a heading\n```\n### detail\n- b\n## Ideas\n- c\n';
    expect(failedApproaches(notes)).toBe('**Dead ends**\n- a\n```\n# not a heading\n```\n**detail**\n- b');
    expect(failedApproaches('# Notes\nnothing failed')).toBeUndefined();
    expect(failedApproaches('## Failed approaches\n<!-- one bullet per approach -->\n- x\n')).toBe('**Failed approaches**\n- x');
  });
});

describe('metrics.csv', () => {
  it('quotes per RFC 4180', () => {
    expect([csvField('a,b'), csvField('say "hi"'), csvField('x\ny'), csvField('plain'), csvField(1e-7)]).toEqual([
      '"a,b"',
      '"say ""hi"""',
      '"x\ny"',
      'plain',
      '1e-7',
    ]);
  });
  it('survives commas, quotes and newlines in fields and round-trips values exactly', () => {
    const run = syntheticRun({ seed: 2, iterations: 3 });
    run.records[1] = { ...run.records[1], commit: 'a,"b"\nc' };
    const rows = parse(renderCsv(buildModel(run.spec, run.records, 'running')), { columns: true }) as Record<string, string>[];
    expect(rows.filter((r) => r.iteration === '1').every((r) => r.commit === 'a,"b"\nc')).toBe(true);
    for (const r of rows) if (r.metric) expect(Number(r.value)).toBe(run.records.find((x) => String(x.iteration) === r.iteration)!.metrics[r.metric]);
  });
});

describe('summary and REPORT.md of long runs', () => {
  const long = syntheticRun({ seed: 11, iterations: 5000 });
  const model = buildModel(long.spec, long.records, 'stalled');

  it('shows the latest 40 iterations and folds the rest into at most 10 contiguous ranges', () => {
    const { rows, folded } = timeline(model, 40, 10);
    expect(rows).toHaveLength(40);
    expect(rows[39].iteration).toBe(5000);
    expect(folded.length).toBeLessThanOrEqual(10);
    expect(folded[0].from).toBe(0);
    for (let i = 1; i < folded.length; i++) expect(folded[i].from).toBe(folded[i - 1].to + 1);
    expect(folded[folded.length - 1].to + 1).toBe(rows[0].iteration);
    const total = folded.reduce((n, f) => n + Object.values(f.counts).reduce((a, b) => a + b, 0), 0);
    expect(total + rows.length).toBe(model.iterations.length);
  });

  it('keeps REPORT.md readable: bounded length whatever the run length', () => {
    const md = renderMarkdown({ model, charts: [] });
    expect(md.split('\n').length).toBeLessThan(200);
    expect(md).toContain('folded (every iteration is in `metrics.csv`)');
    expect(md).toMatch(/^\*\*Stalled \(\d+ iterations without a kept improvement\)/m);
  });

  it('confirm measurements count with their iteration, not as extra iterations', () => {
    const met = syntheticRun({ seed: 5, iterations: 400, canMeet: true });
    const last = met.records[met.records.length - 1];
    const confirm = { ...last, phase: 'confirm' as const, metrics: { ...last.metrics }, session: undefined };
    const m = buildModel(met.spec, [...met.records, confirm], 'met');
    expect(m.iterations).toHaveLength(met.records.length);
    expect(m.iterations.at(-1)!.records).toHaveLength(2);
    expect(m.metrics[0].points.filter((p) => p.iteration === last.iteration)).toHaveLength(2);
    const md = renderMarkdown({ model: m, charts: [] });
    expect(md.match(new RegExp(`^\\| ${last.iteration} \\|`, 'gm'))).toHaveLength(1);
    const rows = parse(renderCsv(m), { columns: true }) as Record<string, string>[];
    expect(rows.filter((r) => r.iteration === String(last.iteration) && r.phase === 'confirm').length).toBe(Object.keys(last.metrics).length);
  });

  it('the one-line verdict says met, or how far the furthest threshold is', () => {
    const met = syntheticRun({ seed: 5, iterations: 400, canMeet: true });
    const last = met.records[met.records.length - 1];
    expect(last.verdict.kind).toBe('met');
    expect(verdictLine(buildModel(met.spec, met.records, 'met'))).toBe(`Goal met at iteration ${last.iteration}: all 4 thresholds hold.`);
    const short = syntheticRun({ seed: 7, iterations: 3 });
    expect(verdictLine(buildModel(short.spec, short.records, 'running'))).toMatch(
      /^Running: \d of 4 thresholds hold after 3 iterations; furthest is \S+ at \S+ vs [<>=]+ \S+/,
    );
  });
});
