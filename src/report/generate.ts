/**
 * generateReport: the one step of the report that touches the filesystem.
 * It reads the series files the ledger points to, renders every chart, and
 * writes reports/REPORT.md, metrics.csv, plots/* and optionally report.html.
 * The same ledger gives byte-identical files.
 */
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LedgerRecord } from '../ledger/record.js';
import type { Spec } from '../spec/schema.js';
import { planCharts, seriesRequests, type ChartPlan, type SeriesRequest } from './charts.js';
import { renderCsv } from './csv.js';
import { specJson } from './format.js';
import { renderHtml, type EmbedScripts } from './html.js';
import { renderMarkdown } from './markdown.js';
import { buildModel, type ReportModel, type RunState } from './model.js';
import { PngPool } from './png-pool.js';
import { availableFonts, compileSpec, DEFAULT_FONT_FILES, PNG_SCALE, renderSvg } from './render.js';
import { parseSeries, type SeriesArtifact } from './series.js';
import type { TimeAxis } from './timeline-chart.js';

export interface GenerateReportOptions {
  spec: Spec;
  records: LedgerRecord[];
  /** NOTES.md text; its failed-approaches section is quoted. */
  notes?: string;
  /** What the next session is told. */
  nextPrompt?: string;
  state: RunState;
  /** Host folder artifact paths in the ledger are relative to. */
  artifactRoot: string;
  /** The workspace's reports/ folder. */
  outDir: string;
  /** Also write the self-contained, interactive report.html. */
  html?: boolean;
  /** Shown in the footer; nothing else reads the clock. */
  now?: Date;
  /** Called after each step: charts rendered, files written. */
  onProgress?: (done: number, total: number, label: string) => void;
  /** Fonts for PNG text (default: Debian's DejaVu Sans). */
  fontFiles?: string[];
  /** x axis of the metric timelines. */
  timeAxis?: TimeAxis;
  /** Iterations REPORT.md lists one by one (older ones are folded). */
  recentRows?: number;
}

export interface GenerateReportResult {
  /** Absolute paths of every file written, sorted. */
  files: string[];
  /** Problems that did not stop the report: missing series, chart warnings, missing fonts. */
  warnings: string[];
}

/** The plot files of one chart, relative to outDir. */
export function chartFiles(c: ChartPlan): string[] {
  return [`plots/${c.file}.svg`, `plots/${c.file}.png`, `plots/${c.file}.vl.json`];
}

async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

async function loadSeries(root: string, requests: SeriesRequest[], problems: string[]) {
  const out: { request: SeriesRequest; series: SeriesArtifact }[] = [];
  for (const request of requests) {
    const file = path.resolve(root, request.path);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      problems.push(`series artifact ${request.path} (${request.oracle}, iteration ${request.iteration}) is missing`);
      continue;
    }
    const r = parseSeries(text);
    if (r.ok) out.push({ request, series: r.series });
    else problems.push(`series artifact ${request.path} is invalid: ${r.error}`);
  }
  return out;
}

let embedScripts: EmbedScripts | undefined;

/** The browser builds of vega, vega-lite and vega-embed from node_modules. */
export async function loadEmbedScripts(): Promise<EmbedScripts> {
  if (embedScripts) return embedScripts;
  const req = createRequire(import.meta.url);
  const dir = (pkg: string) => path.dirname(req.resolve(pkg));
  const [vega, vegaLite, vegaEmbed] = await Promise.all([
    readFile(path.join(dir('vega'), 'vega.min.js'), 'utf8'),
    readFile(path.join(dir('vega-lite'), 'vega-lite.min.js'), 'utf8'),
    readFile(path.join(dir('vega-embed'), 'vega-embed.min.js'), 'utf8'),
  ]);
  embedScripts = { vega, vegaLite, vegaEmbed };
  return embedScripts;
}

/**
 * Writes each chart's SVG and spec now and its PNG (with fonts) from a worker
 * thread; `pngs` settles when every PNG is written (and pushed to `written`)
 * and the worker is gone, so the caller can write REPORT.md meanwhile.
 */
async function renderCharts(charts: ChartPlan[], plotsDir: string, fonts: string[], warnings: string[], progress: (label: string) => void): Promise<{ written: string[]; pngs: Promise<void> }> {
  const written: string[] = [];
  const pending: Promise<void>[] = [];
  const pool = fonts.length ? new PngPool(fonts, PNG_SCALE) : undefined;
  const finish = async () => {
    try {
      await Promise.all(pending);
    } finally {
      await Promise.allSettled(pending);
      await pool?.close();
    }
  };
  try {
    for (const c of charts) {
      const { vega, warnings: w } = compileSpec(c.spec);
      for (const x of w) warnings.push(`chart ${c.file}: ${x}`);
      const svg = await renderSvg(vega);
      const base = path.join(plotsDir, c.file);
      await writeAtomic(`${base}.svg`, svg);
      await writeAtomic(`${base}.vl.json`, `${specJson(c.spec)}\n`);
      written.push(`${base}.svg`, `${base}.vl.json`);
      // PNGs rasterize in a worker thread while the next chart is laid out
      // a PNG that cannot be drawn is a warning: the SVG and the spec are there
      if (pool) {
        pending.push(pool.render(svg).then((buf) => writeAtomic(`${base}.png`, buf)).then(
          () => { written.push(`${base}.png`); },
          (e: unknown) => { warnings.push(`chart ${c.file}: PNG not written: ${e instanceof Error ? e.message : String(e)}`); },
        ));
      }
      progress(c.file);
    }
  } catch (e) {
    await finish().catch(() => undefined);
    throw e;
  }
  return { written, pngs: finish() };
}

/** Writes REPORT.md, metrics.csv and (with `html`) report.html; returns their paths. */
async function writeDocuments(o: GenerateReportOptions, model: ReportModel, charts: ChartPlan[], problems: string[], progress: (label: string) => void): Promise<string[]> {
  const written: string[] = [];
  const md = renderMarkdown({ model, charts, notes: o.notes, nextPrompt: o.nextPrompt, problems, now: o.now, recentRows: o.recentRows });
  await writeAtomic(path.join(o.outDir, 'REPORT.md'), md);
  written.push(path.join(o.outDir, 'REPORT.md'));
  progress('REPORT.md');
  await writeAtomic(path.join(o.outDir, 'metrics.csv'), renderCsv(model));
  written.push(path.join(o.outDir, 'metrics.csv'));
  progress('metrics.csv');
  if (o.html) {
    const html = renderHtml({ model, charts, scripts: await loadEmbedScripts(), notes: o.notes, nextPrompt: o.nextPrompt, problems, recentRows: o.recentRows });
    await writeAtomic(path.join(o.outDir, 'report.html'), html);
    written.push(path.join(o.outDir, 'report.html'));
    progress('report.html');
  }
  return written;
}

/** Regenerates the whole report from the ledger. */
export async function generateReport(o: GenerateReportOptions): Promise<GenerateReportResult> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const model = buildModel(o.spec, o.records, o.state);
  const series = await loadSeries(o.artifactRoot, seriesRequests(model), problems);
  const charts = planCharts(model, series, o.timeAxis);
  const total = charts.length + (o.html ? 4 : 3);
  let done = 0;
  const progress = (label: string) => o.onProgress?.(++done, total, label);

  const fonts = availableFonts(o.fontFiles ?? DEFAULT_FONT_FILES);
  if (fonts.length === 0) warnings.push(`no font file found (${(o.fontFiles ?? DEFAULT_FONT_FILES).join(', ')}): PNGs were not written, since resvg would draw them without text`);
  const plotsDir = path.join(o.outDir, 'plots');
  await mkdir(plotsDir, { recursive: true });
  const { written, pngs } = await renderCharts(charts, plotsDir, fonts, warnings, progress);
  try {
    written.push(...(await writeDocuments(o, model, charts, problems, progress)));
  } finally {
    await pngs.catch(() => undefined);
  }
  await pngs;
  // plots of charts that no longer exist (a threshold removed) would mislead
  const keep = new Set(written.map((f) => path.basename(f)));
  for (const f of await readdir(plotsDir)) {
    if (/\.(svg|png|vl\.json)$/.test(f) && !keep.has(f)) await unlink(path.join(plotsDir, f));
  }
  progress('cleanup');
  return { files: written.sort(), warnings: [...problems, ...warnings] };
}
