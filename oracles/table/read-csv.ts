/**
 * CSV and TSV with quoted fields, read with csv-parse. Files without any `"`
 * take the fast byte-level path in read-text.ts instead; both give the same
 * table and the same messages.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { InputError } from '../../src/errors.js';
import { classifyBadToken, isNumberLike, parseDecimal } from './number.js';
import { shortName } from './read-text.js';
import type { Table, TableFormat, TableHeader } from './table.js';

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/** Reads a CSV/TSV file whose fields may be quoted. */
export async function readQuotedCsv(path: string, file: string, format: TableFormat): Promise<Table> {
  const delimiter = format === 'tsv' ? '\t' : ',';
  const parser = createReadStream(path).pipe(
    parse({ delimiter, bom: true, info: true, relax_column_count: true, skip_empty_lines: true, relax_quotes: false }),
  );
  let header: TableHeader | null = null;
  let headerLine = 0;
  let columns: Float64Array[] = [];
  let rows = 0;
  const lineBreaks: { row: number; line: number }[] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<CsvRecord>) {
      const line = info.lines;
      if (record.every((f) => f.trim() === '')) continue;
      if (header === null) {
        const first = record[0].trimStart();
        const labels = (first.startsWith('#') ? [first.replace(/^#+/, ''), ...record.slice(1)] : record).map((s) => s.trim());
        if (labels.every(isNumberLike)) {
          throw new InputError([
            {
              file,
              where: `line ${line}`,
              message: 'missing header: the first line holds numbers, not column names',
              expected: `a header row naming the columns, e.g. x${delimiter === '\t' ? '<tab>' : delimiter}y`,
              found: record.join(delimiter),
            },
          ]);
        }
        header = { names: labels.map(shortName), labels, line };
        headerLine = line;
        columns = labels.map(() => new Float64Array(1024));
        continue;
      }
      if (record[0].trimStart().startsWith('#')) continue;
      if (record.length !== columns.length) {
        throw new InputError([
          {
            file,
            where: `line ${line}`,
            message: `wrong column count: row ${rows + 1} has ${record.length} value${record.length === 1 ? '' : 's'}, expected ${columns.length}`,
            expected: `${columns.length} values per row, as on the header on line ${headerLine}`,
            found: `${record.length}: ${record.join(delimiter)}`,
          },
        ]);
      }
      if (rows === columns[0].length) {
        columns = columns.map((old) => {
          const c = new Float64Array(old.length * 2);
          c.set(old);
          return c;
        });
      }
      for (let j = 0; j < record.length; j++) {
        const v = parseDecimal(record[j]);
        if (v !== v) throw badValue(file, line, rows, j, header, record[j]);
        columns[j][rows] = v;
      }
      if (lineBreaks.length === 0 || lineOf(lineBreaks, rows) !== line) lineBreaks.push({ row: rows, line });
      rows++;
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const err = e as { message?: string; lines?: number };
    throw new InputError([{ file, where: `line ${err.lines ?? '?'}`, message: `malformed ${format.toUpperCase()}: ${err.message ?? String(e)}` }], {
      cause: e,
    });
  }
  if (rows === 0) {
    throw new InputError([
      {
        file,
        where: header === null ? 'whole file' : `line ${headerLine}`,
        message: header === null ? 'empty file: no header and no data rows' : 'no data rows',
        expected: 'at least one row of numbers',
        found: header === null ? 'an empty file' : 'a header only',
      },
    ]);
  }
  return { file, format, header, columns: columns.map((c) => c.subarray(0, rows)), rows, lineBreaks };
}

function lineOf(breaks: { row: number; line: number }[], row: number): number {
  const b = breaks[breaks.length - 1];
  return b.line + (row - b.row);
}

function badValue(file: string, line: number, row: number, col: number, header: TableHeader, token: string): InputError {
  const why = classifyBadToken(token);
  const column = `column ${col + 1} (${header.names[col]})`;
  const message =
    why === 'non-finite'
      ? `non-finite value in ${column} of row ${row + 1}: NaN and infinities are refused`
      : why === 'empty'
        ? `empty value in ${column} of row ${row + 1}`
        : `text in a numeric column: ${column} of row ${row + 1} is not a number`;
  return new InputError([
    {
      file,
      where: `line ${line}, ${column}`,
      message,
      expected: why === 'non-finite' ? 'a finite number' : 'a decimal number such as 1.5e-3',
      found: why === 'empty' ? 'nothing' : JSON.stringify(token.trim()),
    },
  ]);
}
