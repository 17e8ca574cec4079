/**
 * The in-memory table every reader produces: one Float64Array per column,
 * plus what is known about the column names and where each row came from,
 * so later errors can point at a file, line and column.
 */
import { extname } from 'node:path';
import { InputError } from '../../src/errors.js';

/** File formats the table oracle reads. */
export type TableFormat = 'csv' | 'tsv' | 'dat' | 'npy';

/** Column names of a table, when the file carries them. */
export interface TableHeader {
  /** Short names used to address columns (`k`, `P`, `TT`). */
  names: string[];
  /** The full text of each name as written (`k (h/Mpc)`), for display. */
  labels: string[];
  /** 1-based line of the header in a text file. */
  line?: number;
}

/** A numeric table in columns. Every value is finite (readers refuse NaN and ±Infinity). */
export interface Table {
  /** The path the table was read from, as given; used in messages. */
  file: string;
  format: TableFormat;
  /** Null when the file names no columns (a header-less .dat, a plain .npy array). */
  header: TableHeader | null;
  columns: Float64Array[];
  rows: number;
  /**
   * Where rows start in a text file: row `r` sits on line
   * `b.line + (r - b.row)` for the last breakpoint `b` with `b.row <= r`.
   * A new breakpoint is added only when comment or blank lines interrupt the data.
   */
  lineBreaks?: { row: number; line: number }[];
}

/** The format a file is read as when the spec says `auto`. */
export function formatOf(path: string, format: TableFormat | 'auto' = 'auto'): TableFormat {
  if (format !== 'auto') return format;
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.npy') return 'npy';
  return 'dat';
}

/** The 1-based source line of a 0-based row, when the table came from a text file. */
export function lineOfRow(table: Table, row: number): number | undefined {
  const breaks = table.lineBreaks;
  if (!breaks || breaks.length === 0) return undefined;
  let lo = 0;
  let hi = breaks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (breaks[mid].row <= row) lo = mid;
    else hi = mid - 1;
  }
  return breaks[lo].line + (row - breaks[lo].row);
}

/** `line 17 (row 5)` for text tables, `row 5` otherwise; rows are shown 1-based. */
export function rowPlace(table: Table, row: number): string {
  const line = lineOfRow(table, row);
  return line === undefined ? `row ${row + 1}` : `line ${line} (row ${row + 1})`;
}

/** A column as users see it: `2:TT` or `2` when unnamed. */
export function columnLabel(table: Table, index: number): string {
  const name = table.header?.names[index];
  return name === undefined ? String(index + 1) : `${index + 1}:${name}`;
}

/** Which side of a comparison a table is, for messages and for who is at fault. */
export type TableRole = 'candidate' | 'reference';

/**
 * The 0-based index of a column addressed by short name, full label or
 * 1-based index. Throws an InputError listing the columns that exist.
 */
export function resolveColumn(table: Table, ref: string | number, what: string): number {
  const n = table.columns.length;
  const available = Array.from({ length: n }, (_, i) => columnLabel(table, i)).join(', ');
  if (typeof ref === 'number') {
    if (Number.isInteger(ref) && ref >= 1 && ref <= n) return ref - 1;
    throw new InputError([
      {
        file: table.file,
        where: 'columns',
        message: `${what} ${ref} does not exist: the table has ${n} column${n === 1 ? '' : 's'}`,
        expected: `a 1-based index from 1 to ${n}, or a name`,
        found: String(ref),
        hint: `columns are ${available}`,
      },
    ]);
  }
  const header = table.header;
  if (header === null) {
    throw new InputError([
      {
        file: table.file,
        where: 'header',
        message: `${what} "${ref}" cannot be found: the file has no header naming its columns`,
        expected:
          table.format === 'npy'
            ? 'a structured array with named fields, or columns addressed by 1-based index'
            : 'a header line such as "# 1:l 2:TT 3:EE" before the data, or columns addressed by 1-based index',
        found: `${n} unnamed column${n === 1 ? '' : 's'}`,
        hint: `address columns by index 1 to ${n}`,
      },
    ]);
  }
  let index = header.names.indexOf(ref);
  if (index < 0) index = header.labels.indexOf(ref);
  if (index >= 0) return index;
  throw new InputError([
    {
      file: table.file,
      where: header.line === undefined ? 'header' : `line ${header.line}`,
      message: `${what} "${ref}" does not exist`,
      expected: `one of ${header.names.map((s) => JSON.stringify(s)).join(', ')} or a 1-based index up to ${n}`,
      found: JSON.stringify(ref),
      hint: `columns are ${available}`,
    },
  ]);
}
