/**
 * Number, duration and text formatting shared by REPORT.md, report.html and
 * chart titles. Everything here is deterministic: no locale, no clock.
 */

// Metric values: the formatter PROGRESS.md, the prompt and the verdicts use too, so the two never disagree.
export { fmtNum } from '../number-format.js';

/** An integer with thousands separators: `12,345`. */
export function fmtInt(n: number): string {
  const s = String(Math.round(Math.abs(n)));
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${grouped}` : grouped;
}

/** US dollars: `$0.042`, `$12.34`, `$1,234`. */
export function fmtUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.1) return `$${usd.toFixed(3)}`;
  if (usd < 1000) return `$${usd.toFixed(2)}`;
  return `$${fmtInt(usd)}`;
}

/** Token counts: `950`, `12.3k`, `4.5M`. */
export function fmtTokens(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1e6) return `${Number((n / 1e3).toPrecision(3))}k`;
  if (n < 1e9) return `${Number((n / 1e6).toPrecision(3))}M`;
  return `${Number((n / 1e9).toPrecision(3))}G`;
}

/** A duration from milliseconds: `850 ms`, `42 s`, `12 min`, `5 h 12 min`, `3 d 4 h`. */
export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 90) return `${Math.round(s)} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** A duration from hours, as fmtDuration. */
export function fmtHours(hours: number): string {
  return fmtDuration(hours * 3_600_000);
}

/** A ratio as a readable factor: `12×`, `1.5×`, or a percentage below 1.5×. */
export function fmtFactor(ratio: number): string {
  if (!Number.isFinite(ratio) || ratio <= 0) return '—';
  if (ratio >= 1e4) return `${ratio.toExponential(1).replace('e+', 'e')}×`;
  if (ratio >= 1.5) return `${Number(ratio.toPrecision(ratio >= 10 ? 3 : 2))}×`;
  return `${Number(((ratio - 1) * 100).toPrecision(2))}%`;
}

const SPARK = '▁▂▃▄▅▆▇█';

/** A unicode sparkline of values (log-scaled when `log`), low values as low bars. */
export function sparkline(values: number[], log = false): string {
  const vs = values.map((v) => (log ? Math.log10(v) : v)).filter(Number.isFinite);
  if (vs.length === 0) return '';
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  return vs.map((v) => SPARK[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (SPARK.length - 1))]).join('');
}

/** Escapes text for a GitHub markdown table cell: one line, pipes escaped, bounded length. */
export function mdCell(text: string, max = 160): string {
  let s = text.replace(/\s+/g, ' ').trim();
  if (s.length > max) s = `${s.slice(0, max - 1)}…`;
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes text for HTML element content and attribute values. */
export function htmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A file-name-safe stem for a metric or table name. */
export function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'chart';
}

/** Cuts text to at most `maxLines` lines and `maxChars` characters, saying how much was left out. */
export function boundText(text: string, maxLines: number, maxChars: number): string {
  let lines = text.replace(/\r\n?/g, '\n').split('\n');
  let cut = 0;
  if (lines.length > maxLines) {
    cut = lines.length - maxLines;
    lines = lines.slice(0, maxLines);
  }
  let out = lines.join('\n');
  if (out.length > maxChars) {
    out = out.slice(0, maxChars);
    cut = Math.max(cut, 1);
  }
  return cut > 0 ? `${out.trimEnd()}\n… (${cut > 1 ? `${cut} more lines` : 'cut'})` : out;
}

/** A fraction as a percentage with two significant digits: `2.5%`, `0.31%`. */
export function fmtPct(fraction: number): string {
  if (!Number.isFinite(fraction)) return '—';
  return `${Number((fraction * 100).toPrecision(2))}%`;
}

/** `1 iteration`, `5,000 iterations`. */
export function count(n: number, noun: string): string {
  return `${fmtInt(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function flatRecord(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => x === null || typeof x !== 'object');
}

/**
 * JSON for a chart spec a reader may restyle: indented structure, but each
 * data row (a flat object in an array) on one line, which halves the size of
 * data-heavy specs and keeps their git diffs one line per row.
 */
export function specJson(value: unknown, indent = ''): string {
  const inner = `${indent} `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((x) => x === null || typeof x !== 'object')) return JSON.stringify(value);
    const rows = value.every(flatRecord);
    return `[\n${value.map((x) => inner + (rows ? JSON.stringify(x) : specJson(x, inner))).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${specJson(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
