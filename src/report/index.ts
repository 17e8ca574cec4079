/** The report: REPORT.md, metrics.csv, plots and report.html regenerated from the ledger. */
export { detailFor, generateReport, loadEmbedScripts, type GenerateReportOptions, type GenerateReportResult } from './generate.js';
export { regenerateReport, type RegenerateReportOptions } from './regenerate.js';
export { buildModel, type ReportModel } from './model.js';
export type { RunState } from '../state/run-state.js';
export { planCharts, seriesRequests, type ChartPlan } from './charts.js';
export { renderMarkdown } from './markdown.js';
export { renderCsv, CSV_COLUMNS } from './csv.js';
export { renderHtml } from './html.js';
export { compileSpec, renderSvg, renderPng, DEFAULT_FONT_FILES } from './render.js';
export {
  SeriesArtifact,
  SERIES_VERSION,
  parseSeries,
  serializeSeries,
  seriesArtifactName,
  seriesArtifactPath,
} from './series.js';
