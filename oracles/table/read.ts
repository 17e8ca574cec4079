/**
 * readTable: one entry point over the readers. Errors are InputErrors that
 * name the file, the line (or row) and the column.
 */
import { open } from 'node:fs/promises';
import { InputError } from '../../src/errors.js';
import { readQuotedCsv } from './read-csv.js';
import { readNpy } from './read-npy.js';
import { NeedsQuotedParser, readTextTable } from './read-text.js';
import { formatOf, type Table, type TableFormat } from './table.js';

export interface ReadTableOptions {
  /** The name used in messages; defaults to the path. */
  displayName?: string;
  /** Larger files are refused (default 8 GiB). */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 8 * 1024 ** 3;

/** Reads a CSV, TSV, whitespace .dat or .npy table into columns. Throws InputError for missing or malformed files. */
export async function readTable(path: string, format: TableFormat | 'auto' = 'auto', options: ReadTableOptions = {}): Promise<Table> {
  const file = options.displayName ?? path;
  const kind = formatOf(path, format);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      [{ file, where: 'whole file', message: code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? String(e)})` }],
      { code: code === 'ENOENT' ? 'BATON_FILE_NOT_FOUND' : 'BATON_INPUT_INVALID', cause: e },
    );
  }
  try {
    const stat = await fh.stat();
    if (!stat.isFile()) throw new InputError([{ file, where: 'whole file', message: 'not a regular file', expected: 'a regular file', found: stat.isDirectory() ? 'a directory' : 'a special file' }]);
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (stat.size > maxBytes) {
      throw new InputError([{ file, where: 'whole file', message: 'file too large', expected: `at most ${maxBytes} bytes`, found: `${stat.size} bytes` }]);
    }
    if (kind === 'npy') return await readNpy(fh, file, stat.size);
    try {
      return await readTextTable(fh, file, kind, stat.size);
    } catch (e) {
      if (!(e instanceof NeedsQuotedParser)) throw e;
    }
    await fh.close();
    fh = undefined;
    return await readQuotedCsv(path, file, kind);
  } finally {
    await fh?.close();
  }
}
