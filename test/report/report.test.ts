import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { generateReport } from '../../src/report/index.js';
import { CSV_COLUMNS } from '../../src/report/csv.js';
import { PNG_SCALE } from '../../src/report/render.js';
import { decodePng, loadFixture } from './helpers.js';

const tmp: string[] = [];
async function outDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'baton-report-'));
  tmp.push(d);
  return d;
}
afterAll(async () => {
  for (const d of tmp) await rm(d, { recursive: true, force: true });
});

const fx = loadFixture('short');
const run = async (dir: string, html = false) =>
  generateReport({
    spec: fx.spec,
    records: fx.records,
    notes: fx.notes,
    nextPrompt: fx.nextPrompt,
    state: 'running',
    artifactRoot: fx.artifactRoot,
    outDir: dir,
    html,
  });

describe('generateReport on the short fixture (a crash at 3, a tamper at 5)', () => {
  let dir = '';
  let result: Awaited<ReturnType<typeof run>>;

  it('writes REPORT.md, metrics.csv and three files per chart, without warnings', async () => {
    dir = await outDir();
    const progress: string[] = [];
    result = await generateReport({
      spec: fx.spec,
      records: fx.records,
      notes: fx.notes,
      nextPrompt: fx.nextPrompt,
      state: 'running',
      artifactRoot: fx.artifactRoot,
      outDir: dir,
      onProgress: (d, t, l) => progress.push(`${d}/${t} ${l}`),
    });
    expect(result.warnings).toEqual([]);
    const rel = result.files.map((f) => path.relative(dir, f));
    expect(rel).toContain('REPORT.md');
    expect(rel).toContain('metrics.csv');
    const plots = (await readdir(path.join(dir, 'plots'))).sort();
    for (const stem of ['timeline-accuracy-cl-TT-max_rel', 'error-accuracy-cl-EE', 'benchmark-speed', 'tests-unit', 'cost']) {
      for (const ext of ['svg', 'png', 'vl.json']) expect(plots).toContain(`${stem}.${ext}`);
    }
    expect(progress.at(-1)).toMatch(/^(\d+)\/\1 /);
  });

  it('REPORT.md matches the reviewed snapshot', async () => {
    const md = await readFile(path.join(dir, 'REPORT.md'), 'utf8');
    await expect(md).toMatchFileSnapshot('./snapshots/short-REPORT.md');
  });

  it('says that iteration 3 crashed and iteration 5 tampered, and why', async () => {
    const md = await readFile(path.join(dir, 'REPORT.md'), 'utf8');
    expect(md).toContain('## Crashes and tampering');
    expect(md).toMatch(/#3 💥 crashed\*\* — .*(OOM|exited unexpectedly)/);
    expect(md).toMatch(/#5 ⚠️ tamper\*\* — .*protected path tests\/test_cl\.py/);
    expect(md).toMatch(/\| 3 \| 💥 crashed \| \*\*crashed\*\*: .*\(cause: (oom|sandbox-died)\)/);
    expect(md).toContain('⚠️ tamper: protected path tests/test_cl.py changed — iteration 5');
  });

  it('metrics.csv parses back with csv-parse and holds every metric of every measurement', async () => {
    const text = await readFile(path.join(dir, 'metrics.csv'), 'utf8');
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual([...CSV_COLUMNS]);
    const expected = fx.records.reduce((n, r) => n + Math.max(1, Object.keys(r.metrics).length), 0);
    expect(rows).toHaveLength(expected);
    const r4 = fx.records[4];
    const tt = rows.find((r) => r.iteration === '4' && r.metric === 'accuracy.cl.TT.max_rel')!;
    expect(Number(tt.value)).toBe(r4.metrics['accuracy.cl.TT.max_rel']);
    expect(tt).toMatchObject({ oracle: 'accuracy', threshold: '< 1e-3', verdict: r4.verdict.kind, commit: r4.commit, timestamp: r4.at });
    const crash = rows.filter((r) => r.iteration === '3');
    expect(crash).toEqual([expect.objectContaining({ verdict: 'crashed', metric: '', value: '' })]);
    expect(rows.filter((r) => r.metric === 'unit.failed').every((r) => r.pass === String(Number(r.value) <= 0))).toBe(true);
  });

  it('PNGs decode, are white-backed and PNG_SCALE times the size of their SVG', async () => {
    const svg = await readFile(path.join(dir, 'plots/cost.svg'), 'utf8');
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg)!;
    const img = decodePng(await readFile(path.join(dir, 'plots/cost.png')));
    expect([img.width, img.height]).toEqual([Math.round(PNG_SCALE * Number(w)), Math.round(PNG_SCALE * Number(h))]);
    expect([...img.rgba.subarray(0, 4)]).toEqual([255, 255, 255, 255]);
  });

  it('is idempotent: a second run gives byte-identical files', async () => {
    const again = await outDir();
    const second = await run(again);
    expect(second.files.map((f) => path.relative(again, f))).toEqual(result.files.map((f) => path.relative(dir, f)));
    for (const f of result.files) {
      const a = await readFile(f);
      const b = await readFile(path.join(again, path.relative(dir, f)));
      expect(a.equals(b), path.relative(dir, f)).toBe(true);
    }
  });

  it('report.html is self-contained: scripts inlined, no network references', async () => {
    const d = await outDir();
    const r = await run(d, true);
    expect(r.files.map((f) => path.basename(f))).toContain('report.html');
    const html = await readFile(path.join(d, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).toContain('vegaEmbed');
    expect(html).toContain('id="chart-0"');
    expect(html).toMatch(/<svg class="icon"[^>]*aria-label="crashed"[\s\S]*?<\/svg>crashed/);
    // every chart's spec is embedded once
    const specs = JSON.parse(/<script type="application\/json" id="baton-specs">(.*?)<\/script>/s.exec(html)![1]);
    expect(specs).toHaveLength((await readdir(path.join(d, 'plots'))).filter((f) => f.endsWith('.vl.json')).length);
  });

  it('removes plots of charts that no longer exist and reports missing series files', async () => {
    const d = await outDir();
    await run(d);
    const spec = { ...fx.spec, thresholds: { 'accuracy.cl.TT.max_rel': '< 1e-3' } };
    const r = await generateReport({ spec, records: fx.records, state: 'running', artifactRoot: path.join(d, 'nowhere'), outDir: d });
    const plots = await readdir(path.join(d, 'plots'));
    expect(plots.filter((f) => f.startsWith('timeline-'))).toEqual([
      'timeline-accuracy-cl-TT-max_rel.png',
      'timeline-accuracy-cl-TT-max_rel.svg',
      'timeline-accuracy-cl-TT-max_rel.vl.json',
    ]);
    expect(plots.some((f) => f.startsWith('error-'))).toBe(false);
    expect(r.warnings.some((w) => /series artifact 0000\/accuracy\/series\/cl\.TT\.json .* is missing/.test(w))).toBe(true);
    expect(await readFile(path.join(d, 'REPORT.md'), 'utf8')).toMatch(/## Integrity[\s\S]*series artifact .* is missing/);
  });
});
