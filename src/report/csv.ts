/**
 * metrics.csv: the ledger flattened, one row per measurement and metric, for
 * pandas and spreadsheets. RFC 4180: CRLF line ends, fields with commas,
 * quotes or line breaks quoted, quotes doubled. Pure.
 */
import type { LedgerRecord } from '../ledger/record.js';
import { holds } from '../spec/threshold.js';
import type { ReportModel } from './model.js';

export const CSV_COLUMNS = ['iteration', 'phase', 'commit', 'timestamp', 'oracle', 'metric', 'value', 'threshold', 'pass', 'verdict'] as const;

/** Quotes one field when RFC 4180 needs it. */
export function csvField(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : v;
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

type Thresholds = Map<string, NonNullable<ReportModel['metrics'][number]['threshold']>>;

/** Per oracle and metric key: the full name, its escaped `oracle,metric` cells and threshold, computed once (metrics.csv can have 10^5 rows). */
interface MetricCells {
  full: string;
  lead: string;
  threshold?: NonNullable<ReportModel['metrics'][number]['threshold']>;
  thresholdCell: string;
}
type Cache = Map<string, Map<string, MetricCells>>;

function cellsFor(cache: Cache, thresholds: Thresholds, oracle: string, key: string): MetricCells {
  let byKey = cache.get(oracle);
  if (!byKey) cache.set(oracle, (byKey = new Map()));
  let c = byKey.get(key);
  if (!c) {
    const full = oracle === '' || key.startsWith(`${oracle}.`) ? key : `${oracle}.${key}`;
    const t = thresholds.get(full);
    c = { full, lead: `${csvField(oracle || full.split('.')[0])},${csvField(full)}`, threshold: t, thresholdCell: csvField(t?.text) };
    byKey.set(key, c);
  }
  return c;
}

function rowsOf(r: LedgerRecord, thresholds: Thresholds, cache: Cache, out: string[]): void {
  const head = `${r.iteration},${csvField(r.phase)},${csvField(r.commit)},${csvField(r.at)}`;
  const tail = csvField(r.verdict.kind);
  const seen = new Set<string>();
  const line = (c: MetricCells, value: number) => {
    const pass = c.threshold ? (holds(c.threshold, value) ? 'true' : 'false') : '';
    out.push(`${head},${c.lead},${value},${c.thresholdCell},${pass},${tail}`);
  };
  for (const meas of r.measurements) {
    for (const k in meas.metrics) {
      const c = cellsFor(cache, thresholds, meas.oracle, k);
      if (seen.has(c.full)) continue;
      seen.add(c.full);
      line(c, r.metrics[c.full] ?? meas.metrics[k]);
    }
  }
  for (const k in r.metrics) {
    if (seen.has(k)) continue;
    seen.add(k);
    line(cellsFor(cache, thresholds, '', k), r.metrics[k]);
  }
  // a measurement with no numbers (a crash, a tamper caught early) still leaves its verdict
  if (seen.size === 0) out.push(`${head},${csvField(r.measurements[0]?.oracle ?? '')},,,,,${tail}`);
}

/** The whole of metrics.csv, header included, in ledger order within each iteration. */
export function renderCsv(model: ReportModel): string {
  const thresholds: Thresholds = new Map();
  for (const m of model.metrics) if (m.threshold) thresholds.set(m.name, m.threshold);
  const cache: Cache = new Map();
  // rows are flattened into chunks as they come, so 10^5 short-lived row strings
  // die young instead of being held (and promoted) until one final join
  const chunks: string[] = [CSV_COLUMNS.join(',')];
  const rows: string[] = [];
  for (const it of model.iterations) {
    for (const r of it.records) rowsOf(r, thresholds, cache, rows);
    if (rows.length >= 2000) {
      chunks.push(rows.join('\r\n'));
      rows.length = 0;
    }
  }
  if (rows.length) chunks.push(rows.join('\r\n'));
  const lines = chunks;
  return `${lines.join('\r\n')}\r\n`;
}
