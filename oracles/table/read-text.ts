/**
 * The streaming reader of text tables: whitespace `.dat` (CLASS, CAMB,
 * numpy.savetxt) and unquoted CSV/TSV, read once in fixed-size chunks. The
 * column arrays are sized from the file size and the first data line's
 * length (a slight overestimate: pages never written are never resident),
 * and grow only if later lines are much shorter. Memory is the column arrays
 * plus one chunk, whatever the file's size.
 */
import type { FileHandle } from 'node:fs/promises';
import { InputError } from '../../src/errors.js';
import { classifyBadToken, isNumberLike, scanEnd, scanNumberInto } from './number.js';
import type { Table, TableFormat, TableHeader } from './table.js';

const CHUNK_BYTES = 1 << 20;
/** Longest line accepted; a longer one is a malformed file, not a reason to buffer without limit. */
export const MAX_LINE_BYTES = 64 << 20;

/** Thrown by the fast parser when a CSV/TSV uses quotes; readTable then starts over with csv-parse. */
export class NeedsQuotedParser extends Error {}

/** Calls `onLines(buf, start, end, offset)` with runs of whole lines (buf[0] is at file offset `offset`); the last call may lack a final newline. */
async function forEachChunk(fh: FileHandle, file: string, onLines: (buf: Buffer, start: number, end: number, offset: number) => void): Promise<void> {
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let carry = 0;
  let offset = 0;
  for (;;) {
    if (carry === buf.length) {
      if (buf.length >= MAX_LINE_BYTES) {
        throw new InputError([
          { file, where: `byte ${offset - carry}`, message: `a line is longer than ${MAX_LINE_BYTES} bytes`, expected: 'a table with one row per line' },
        ]);
      }
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, carry);
      buf = bigger;
    }
    const { bytesRead } = await fh.read(buf, carry, buf.length - carry, offset);
    offset += bytesRead;
    const end = carry + bytesRead;
    if (bytesRead === 0) {
      if (end > 0) onLines(buf, 0, end, offset - end);
      return;
    }
    const last = buf.lastIndexOf(10, end - 1);
    if (last < 0) {
      carry = end;
      continue;
    }
    onLines(buf, 0, last + 1, offset - end);
    buf.copy(buf, 0, last + 1, end);
    carry = end - (last + 1);
  }
}

/** Parses one text table. `delimiter` is a byte (`,` or tab) or 0 for runs of blanks. */
export class TextTableParser {
  readonly file: string;
  readonly format: TableFormat;
  private readonly delimiter: number;
  private readonly fileBytes: number;
  private cap = 0;
  private chunkOffset = 0;
  private line = 0;
  private rows = 0;
  private ncols = -1;
  private columns: Float64Array[] = [];
  private header: TableHeader | null = null;
  /** The last comment line before the data (dat) or the first line (csv/tsv). */
  private lastComment: { line: number; text: string } | null = null;
  private readonly lineBreaks: { row: number; line: number }[] = [];
  private expectRowLine = -1;
  private chunk: Buffer | null = null;
  private chunkStart = 0;
  private chunkEnd = 0;
  private chunkText: string | null = null;

  constructor(file: string, format: TableFormat, fileBytes: number) {
    this.file = file;
    this.format = format;
    this.delimiter = format === 'csv' ? 44 : format === 'tsv' ? 9 : 0;
    this.fileBytes = fileBytes;
  }

  private readonly slow = (a: number, b: number): number => {
    const text = this.chunkText ?? (this.chunkText = this.chunk!.toString('latin1', this.chunkStart, this.chunkEnd));
    return Number(text.substring(a - this.chunkStart, b - this.chunkStart));
  };

  /** Consumes whole lines `buf[start, end)`. */
  consume(buf: Buffer, start: number, end: number, offset = 0): void {
    this.chunkOffset = offset;
    this.chunk = buf;
    this.chunkStart = start;
    this.chunkEnd = end;
    this.chunkText = null;
    let i = start;
    const tabIsBlank = this.delimiter !== 9;
    if (this.line === 0 && end - start >= 3 && buf[i] === 0xef && buf[i + 1] === 0xbb && buf[i + 2] === 0xbf) i += 3;
    while (i < end) {
      this.line++;
      let c = buf[i];
      if (this.ncols >= 0) {
        while (c === 32 || c === 13 || (c === 9 && tabIsBlank)) c = buf[++i];
        if (i >= end) break;
        if (c === 10) {
          i++;
          continue;
        }
        if (c !== 35) {
          i = this.dataLine(buf, i, end);
          continue;
        }
      }
      const eol = this.eolOf(buf, i, end);
      this.otherLine(buf, i, eol, end);
      i = eol + 1;
    }
  }

  private eolOf(buf: Buffer, i: number, end: number): number {
    const eol = buf.indexOf(10, i);
    return eol < 0 || eol >= end ? end : eol;
  }

  /** Parses the data line starting at `i` (not blank); returns where the next line starts. */
  private dataLine(buf: Buffer, i: number, end: number): number {
    if (this.rows === this.cap) this.grow(buf, i, end);
    const cols = this.columns;
    const ncols = this.ncols;
    const delim = this.delimiter;
    const row = this.rows;
    const tabIsBlank = delim !== 9;
    const slow = this.slow;
    if (this.line !== this.expectRowLine) this.lineBreaks.push({ row, line: this.line });
    this.expectRowLine = this.line + 1;
    let col = 0;
    let c = 0;
    for (;;) {
      c = buf[i];
      while (c === 32 || c === 13 || (c === 9 && tabIsBlank)) c = buf[++i];
      if (i >= end || c === 10 || c === 35) break;
      if (c === delim) this.fail(buf, i, end, col, 'empty');
      if (col >= ncols) this.failCount(buf, i, end);
      if (!scanNumberInto(buf, i, end, delim, slow, cols[col], row)) this.fail(buf, i, end, col, undefined);
      col++;
      i = scanEnd;
      if (delim !== 0) {
        c = buf[i];
        while (c === 32 || c === 13 || (c === 9 && tabIsBlank)) c = buf[++i];
        if (i >= end || c === 10 || c === 35) break;
        if (c !== delim) this.fail(buf, i, end, col, 'text');
        i++;
        // a trailing delimiter at the end of the line leaves an empty field
        c = buf[i];
        while (c === 32 || c === 13 || (c === 9 && tabIsBlank)) c = buf[++i];
        if (i >= end || c === 10 || c === 35) {
          if (col >= ncols) this.failCount(buf, i, end);
          this.fail(buf, i, end, col, 'empty');
        }
      }
    }
    if (col !== ncols) this.failCount(buf, i, end);
    this.rows = row + 1;
    if (c === 10) return i + 1;
    return this.eolOf(buf, i, end) + 1;
  }

  /** A blank, comment or header line, or the first data line (which fixes the column count). */
  private otherLine(buf: Buffer, i: number, eol: number, end: number): void {
    const text = buf.toString('utf8', i, eol).replace(/\r$/, '');
    const trimmed = text.trim();
    if (trimmed === '') return;
    const isComment = trimmed.startsWith('#');
    if (this.ncols >= 0) return; // a comment inside the data
    if (this.delimiter === 0) {
      if (isComment) {
        const body = trimmed.replace(/^#+/, '').trim();
        if (body !== '') this.lastComment = { line: this.line, text: body };
        return;
      }
      const fields = trimmed
        .split('#')[0]
        .trim()
        .split(/[ \t]+/);
      this.start(fields.length, datHeader(this.lastComment, fields.length, this.file));
      this.dataLine(buf, i, end);
      return;
    }
    // CSV/TSV: the first non-blank line is the header (numpy.savetxt writes it after a `#`).
    if (this.lastComment === null) {
      if (text.includes('"')) throw new NeedsQuotedParser();
      const body = isComment ? trimmed.replace(/^#+/, '') : text;
      this.lastComment = { line: this.line, text: body };
      const sep = String.fromCharCode(this.delimiter);
      const labels = body.split(sep).map((s) => s.trim());
      if (labels.every(isNumberLike)) {
        throw new InputError([
          {
            file: this.file,
            where: `line ${this.line}`,
            message: 'missing header: the first line holds numbers, not column names',
            expected: `a header row naming the columns, e.g. ${['x', 'y'].join(sep === '\t' ? '<tab>' : sep)}`,
            found: clip(body),
          },
        ]);
      }
      this.start(labels.length, { names: labels.map(shortName), labels, line: this.line });
      return;
    }
    if (isComment) return;
    this.dataLine(buf, i, end);
  }

  private start(ncols: number, header: TableHeader | null): void {
    this.ncols = ncols;
    this.header = header;
  }

  /** Sizes the columns at the first data row (from its length), or grows them by half when full. */
  private grow(buf: Buffer, i: number, end: number): void {
    let cap: number;
    if (this.cap === 0) {
      const from = this.lineStart(buf, i);
      const lineBytes = Math.max(2, this.eolOf(buf, i, end) - from + 1);
      const remaining = Math.max(0, this.fileBytes - (this.chunkOffset + from));
      cap = Math.ceil((remaining / lineBytes) * 1.125) + 16;
    } else {
      cap = Math.ceil(this.cap * 1.5) + 16;
    }
    this.columns =
      this.columns.length === 0
        ? Array.from({ length: this.ncols }, () => new Float64Array(cap))
        : this.columns.map((old) => {
            const c = new Float64Array(cap);
            c.set(old.subarray(0, this.rows));
            return c;
          });
    this.cap = cap;
  }

  /** Called when the data ends; throws for a table without rows. */
  finish(): Table {
    if (this.rows === 0) {
      throw new InputError([
        {
          file: this.file,
          where: this.line === 0 ? 'whole file' : `line ${this.line}`,
          message: this.line === 0 ? 'empty file: no header and no data rows' : 'no data rows',
          expected: 'at least one row of numbers',
          found: this.line === 0 ? 'an empty file' : `${this.line} line${this.line === 1 ? '' : 's'} of header or comments only`,
        },
      ]);
    }
    const rows = this.rows;
    const columns = this.columns.map((c) => (c.length === rows ? c : c.subarray(0, rows)));
    return { file: this.file, format: this.format, header: this.header, columns, rows, lineBreaks: this.lineBreaks };
  }

  private fieldsOf(buf: Buffer, i: number, eol: number): string[] {
    const text = buf.toString('utf8', i, eol).split('#')[0].replace(/\r$/, '');
    return this.delimiter === 0 ? text.trim().split(/[ \t]+/) : text.split(String.fromCharCode(this.delimiter));
  }

  /** The start of the line holding byte `i`. */
  private lineStart(buf: Buffer, i: number): number {
    if (i <= this.chunkStart) return this.chunkStart;
    const nl = buf.lastIndexOf(10, i - 1);
    return nl < this.chunkStart ? this.chunkStart : nl + 1;
  }

  private failCount(buf: Buffer, i: number, end: number): never {
    const start = this.lineStart(buf, i);
    const eol = this.eolOf(buf, i, end);
    const fields = this.fieldsOf(buf, start, eol);
    const firstRow = this.lineBreaks[0]?.line ?? this.line;
    const ref = this.header?.line !== undefined && this.delimiter !== 0 ? `the header on line ${this.header.line}` : `line ${firstRow}`;
    throw new InputError([
      {
        file: this.file,
        where: `line ${this.line}`,
        message: `wrong column count: row ${this.rows + 1} has ${fields.length} value${fields.length === 1 ? '' : 's'}, expected ${this.ncols}`,
        expected: `${this.ncols} values per row, as on ${ref}`,
        found: `${fields.length}: ${clip(fields.join(this.delimiter === 0 ? ' ' : String.fromCharCode(this.delimiter)))}`,
      },
    ]);
  }

  private fail(buf: Buffer, i: number, end: number, col: number, kind: 'empty' | 'text' | undefined): never {
    const start = this.lineStart(buf, i);
    const eol = this.eolOf(buf, i, end);
    if (this.delimiter !== 0 && buf.subarray(start, eol).includes(34)) throw new NeedsQuotedParser();
    const fields = this.fieldsOf(buf, start, eol);
    if (kind !== 'empty' && fields.length !== this.ncols) this.failCount(buf, i, end);
    const token = (fields[col] ?? buf.toString('utf8', i, eol)).trim();
    const why = kind === 'empty' ? 'empty' : classifyBadToken(token);
    const name = this.header?.names[col];
    const column = `column ${col + 1}${name === undefined ? '' : ` (${name})`}`;
    const message =
      why === 'non-finite'
        ? `non-finite value in ${column} of row ${this.rows + 1}: NaN and infinities are refused`
        : why === 'empty'
          ? `empty value in ${column} of row ${this.rows + 1}`
          : `text in a numeric column: ${column} of row ${this.rows + 1} is not a number`;
    throw new InputError([
      {
        file: this.file,
        where: `line ${this.line}, ${column}`,
        message,
        expected: why === 'non-finite' ? 'a finite number' : 'a decimal number such as 1.5e-3',
        found: why === 'empty' ? 'nothing' : JSON.stringify(clip(token)),
      },
    ]);
  }
}

/** Column names of a .dat file from the comment line just before the data, if it names them. */
function datHeader(comment: { line: number; text: string } | null, ncols: number, file: string): TableHeader | null {
  if (comment === null) return null;
  const marks = [...comment.text.matchAll(/(?:^|\s)(\d+):/g)];
  if (marks.length > 0) {
    const labels: string[] = new Array(ncols).fill('');
    const names: string[] = new Array(ncols).fill('');
    marks.forEach((m, k) => {
      const from = m.index! + m[0].length;
      const to = k + 1 < marks.length ? marks[k + 1].index! : comment.text.length;
      const label = comment.text.slice(from, to).trim();
      const index = Number(m[1]) - 1;
      if (index < 0 || index >= ncols || marks.length !== ncols) {
        throw new InputError([
          {
            file,
            where: `line ${comment.line}`,
            message: `wrong column count: the header names ${marks.length} column${marks.length === 1 ? '' : 's'} but the rows have ${ncols}`,
            expected: `${ncols} names numbered 1:... to ${ncols}:...`,
            found: clip(comment.text),
          },
        ]);
      }
      labels[index] = label;
      names[index] = shortName(label);
    });
    return { names, labels, line: comment.line };
  }
  const tokens = comment.text.split(/\s+/);
  if (tokens.length === ncols && !tokens.some(isNumberLike)) {
    return { names: tokens, labels: tokens, line: comment.line };
  }
  return null;
}

/** `k (h/Mpc)` -> `k`: the first word of a column label. */
export function shortName(label: string): string {
  const word = label.trim().split(/[\s([]/)[0];
  return word === '' ? label.trim() : word;
}

function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** Reads a text table (dat, or CSV/TSV without quotes) with the fast parser. */
export async function readTextTable(fh: FileHandle, file: string, format: TableFormat, fileBytes: number): Promise<Table> {
  const parser = new TextTableParser(file, format, fileBytes);
  await forEachChunk(fh, file, (buf, start, end, offset) => parser.consume(buf, start, end, offset));
  return parser.finish();
}
