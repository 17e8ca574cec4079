/**
 * generateReport: the one step of the report that touches the filesystem.
 * It reads the series files the ledger points to, renders every chart, and
 * writes reports/REPORT.md, metrics.csv, plots/* and optionally report.html.
 * The same ledger gives byte-identical files.
 *
 * The workspace's reports/ folder is read by the worker, so its error-vs-x
 * charts are coarse (largest error per bin of x); the per-point series would
 * give away the hidden reference. The full report goes to `fullOutDir`, a
 * host folder no sandbox mounts. Charts the two share are rendered once.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, rename, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LedgerRecord } from '../ledger/record.js';
import type { Spec } from '../spec/schema.js';
import { planCharts, seriesRequests, type ChartPlan, type SeriesRequest } from './charts.js';
import { renderCsv } from './csv.js';
import type { ErrorDetail } from './error-chart.js';
import { specJson } from './format.js';
import { renderHtml, type EmbedScripts } from './html.js';
import { renderMarkdown } from './markdown.js';
import { buildModel, type ReportModel } from './model.js';
import type { RunState } from '../state/run-state.js';
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
  /** Error charts in outDir: `coarse` (default; the worker reads the workspace) or `full` (a folder only the researcher reads). */
  detail?: ErrorDetail;
  /** Also write the full report (per-point error charts) here: a host folder outside the workspace. */
  fullOutDir?: string;
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
  /** The REPORT.md written to each folder, by folder (a running settle stamps it with how far it lags: run/settle.ts). */
  markdown: Record<string, string>;
}

/** The plot files of one chart, relative to outDir. */
export function chartFiles(c: ChartPlan): string[] {
  return [`plots/${c.file}.svg`, `plots/${c.file}.png`, `plots/${c.file}.vl.json`];
}

async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  // An exclusive, unguessable name: a link planted at a predictable temporary name must never be written through.
  const tmp = path.join(path.dirname(file), `.baton-tmp-${randomBytes(12).toString('hex')}`);
  await writeFile(tmp, data, { flag: 'wx' });
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
 * Renders charts to SVG (now) and PNG (in a worker thread), each distinct
 * spec once however many folders it is written to. `write` writes a chart's
 * SVG and spec at once and queues its PNG; `close` settles when every PNG is
 * written (and pushed to `written`) and the worker is gone.
 */
class ChartWriter {
  private readonly svgs = new Map<string, Promise<string>>();
  private readonly pngs = new Map<string, Promise<Buffer>>();
  private readonly pending: Promise<void>[] = [];
  private readonly pool: PngPool | undefined;

  constructor(
    fonts: string[],
    private readonly warnings: string[],
  ) {
    this.pool = fonts.length ? new PngPool(fonts, PNG_SCALE) : undefined;
  }

  async write(c: ChartPlan, plotsDir: string, written: string[]): Promise<void> {
    const json = specJson(c.spec);
    let svgP = this.svgs.get(json);
    if (!svgP) {
      const { vega, warnings: w } = compileSpec(c.spec);
      for (const x of w) this.warnings.push(`chart ${c.file}: ${x}`);
      svgP = renderSvg(vega);
      this.svgs.set(json, svgP);
    }
    const svg = await svgP;
    const base = path.join(plotsDir, c.file);
    await writeAtomic(`${base}.svg`, svg);
    await writeAtomic(`${base}.vl.json`, `${json}\n`);
    written.push(`${base}.svg`, `${base}.vl.json`);
    // PNGs rasterize in a worker thread while the next chart is laid out
    // a PNG that cannot be drawn is a warning: the SVG and the spec are there
    if (this.pool) {
      let png = this.pngs.get(svg);
      if (!png) this.pngs.set(svg, (png = this.pool.render(svg)));
      this.pending.push(
        png
          .then((buf) => writeAtomic(`${base}.png`, buf))
          .then(
            () => {
              written.push(`${base}.png`);
            },
            (e: unknown) => {
              this.warnings.push(`chart ${c.file}: PNG not written to ${plotsDir}: ${e instanceof Error ? e.message : String(e)}`);
            },
          ),
      );
    }
  }

  async close(): Promise<void> {
    try {
      await Promise.all(this.pending);
    } finally {
      await Promise.allSettled(this.pending);
      await this.pool?.close();
    }
  }
}

/** Writes REPORT.md, metrics.csv and (with `html`) report.html to `dir`; returns their paths. */
async function writeDocuments(
  o: GenerateReportOptions,
  dir: string,
  model: ReportModel,
  charts: ChartPlan[],
  problems: string[],
  progress: (label: string) => void,
): Promise<{ written: string[]; md: string }> {
  const written: string[] = [];
  const md = renderMarkdown({ model, charts, notes: o.notes, nextPrompt: o.nextPrompt, problems, now: o.now, recentRows: o.recentRows });
  await writeAtomic(path.join(dir, 'REPORT.md'), md);
  written.push(path.join(dir, 'REPORT.md'));
  progress('REPORT.md');
  await writeAtomic(path.join(dir, 'metrics.csv'), renderCsv(model));
  written.push(path.join(dir, 'metrics.csv'));
  progress('metrics.csv');
  if (o.html) {
    const html = renderHtml({ model, charts, scripts: await loadEmbedScripts(), notes: o.notes, nextPrompt: o.nextPrompt, problems, recentRows: o.recentRows });
    await writeAtomic(path.join(dir, 'report.html'), html);
    written.push(path.join(dir, 'report.html'));
    progress('report.html');
  }
  return { written, md };
}

/** The path of `p` after symlinks, resolving its nearest existing ancestor when `p` does not exist yet. */
async function realish(p: string): Promise<string> {
  const abs = path.resolve(p);
  try {
    return await realpath(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(await realish(parent), path.basename(abs));
  }
}

/**
 * The detail a report written to `dir` may carry: `coarse` inside the
 * workspace (symlinks followed: the worker reads it), `full` elsewhere.
 */
export async function detailFor(dir: string, workspace: string): Promise<ErrorDetail> {
  const [d, w] = await Promise.all([realish(dir), realish(workspace)]);
  const r = path.relative(w, d);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r)) ? 'coarse' : 'full';
}

/** Regenerates the whole report from the ledger: into outDir and, when given, fullOutDir. */
export async function generateReport(o: GenerateReportOptions): Promise<GenerateReportResult> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const model = buildModel(o.spec, o.records, o.state);
  const series = await loadSeries(o.artifactRoot, seriesRequests(model), problems);
  const targets = [{ dir: o.outDir, detail: o.detail ?? 'coarse' }, ...(o.fullOutDir ? [{ dir: o.fullOutDir, detail: 'full' as const }] : [])];
  const plans = targets.map((t) => ({ ...t, charts: planCharts(model, series, o.timeAxis, t.detail) }));
  const total = plans.reduce((n, p) => n + p.charts.length + (o.html ? 4 : 3), 0);
  let done = 0;
  const progress = (label: string) => o.onProgress?.(++done, total, label);

  const fonts = availableFonts(o.fontFiles ?? DEFAULT_FONT_FILES);
  if (fonts.length === 0)
    warnings.push(`no font file found (${(o.fontFiles ?? DEFAULT_FONT_FILES).join(', ')}): PNGs were not written, since resvg would draw them without text`);
  const writer = new ChartWriter(fonts, warnings);
  const written: string[] = [];
  const markdown: Record<string, string> = {};
  try {
    for (const p of plans) {
      await mkdir(path.join(p.dir, 'plots'), { recursive: true });
      for (const c of p.charts) {
        await writer.write(c, path.join(p.dir, 'plots'), written);
        progress(c.file);
      }
      // REPORT.md is written while the PNGs rasterize
      const docs = await writeDocuments(o, p.dir, model, p.charts, problems, progress);
      written.push(...docs.written);
      markdown[p.dir] = docs.md;
    }
  } finally {
    await writer.close().catch(() => undefined);
  }
  await writer.close();
  // plots of charts that no longer exist (a threshold removed) would mislead
  for (const p of plans) {
    const plotsDir = path.join(p.dir, 'plots');
    const keep = new Set(written.filter((f) => path.dirname(f) === plotsDir).map((f) => path.basename(f)));
    for (const f of await readdir(plotsDir)) {
      if (/\.(svg|png|vl\.json)$/.test(f) && !keep.has(f)) await unlink(path.join(plotsDir, f));
    }
    progress('cleanup');
  }
  return { files: written.sort(), warnings: [...problems, ...warnings], markdown };
}
