/**
 * readTable: one entry point over the readers. Errors are InputErrors that
 * name the file, the line (or row) and the column. Large text files are
 * parsed in a worker thread, so the candidate and the reference of a
 * comparison, read concurrently, are parsed in parallel.
 */
import { constants, existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../../src/errors.js';
import { readNpy } from './read-npy.js';
import { NeedsQuotedParser, readTextTable } from './read-text.js';
import { formatOf, type Table, type TableFormat } from './table.js';

export interface ReadTableOptions {
  /** The name used in messages; defaults to the path. */
  displayName?: string;
  /** Larger files are refused (default 8 GiB). */
  maxBytes?: number;
  /**
   * Parse in a worker thread: `auto` (default) does so for text files of
   * WORKER_MIN_BYTES or more when a CPU is idle (1-minute load average at
   * least one below the CPU count). On a saturated machine a second thread
   * only adds its start-up and a cold JIT, so reading stays on this thread.
   */
  worker?: 'auto' | boolean;
}

const DEFAULT_MAX_BYTES = 8 * 1024 ** 3;
/** Below this size a worker's start-up costs more than it saves. */
export const WORKER_MIN_BYTES = 8 * 1024 * 1024;
/** The compiled worker; absent when running from TypeScript sources (tests), where reading stays on this thread. */
const WORKER_URL = new URL('./read-worker.js', import.meta.url);

/** What the worker posts back. */
export type WorkerReply = { ok: true; table: Table } | { ok: false; problems?: InputError['problems']; code?: InputError['code']; message: string };

function readInWorker(path: string, format: TableFormat | 'auto', options: ReadTableOptions): Promise<Table> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const worker = new Worker(WORKER_URL, { workerData: { path, format, options: { ...options, worker: false } } });
    worker.once('message', (reply: WorkerReply) => {
      settled = true;
      if (reply.ok) resolve(reply.table);
      else if (reply.problems) reject(new InputError(reply.problems, { code: reply.code }));
      else reject(new Error(reply.message));
      void worker.terminate();
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the table reader thread exited with code ${code}`));
    });
  });
}

/** Reads a CSV, TSV, whitespace .dat or .npy table into columns. Throws InputError for missing or malformed files. */
export async function readTable(path: string, format: TableFormat | 'auto' = 'auto', options: ReadTableOptions = {}): Promise<Table> {
  const wanted = options.worker ?? 'auto';
  if (wanted !== false && formatOf(path, format) !== 'npy') {
    const big =
      wanted === true ||
      (loadavg()[0] + 1 <= availableParallelism() &&
        (await stat(path).then(
          (s) => s.isFile() && s.size >= WORKER_MIN_BYTES,
          () => false,
        )));
    if (big && existsSync(fileURLToPath(WORKER_URL))) return readInWorker(path, format, options);
  }
  return readTableHere(path, format, options);
}

async function readTableHere(path: string, format: TableFormat | 'auto', options: ReadTableOptions): Promise<Table> {
  const file = options.displayName ?? path;
  const kind = formatOf(path, format);
  let fh;
  try {
    // O_NONBLOCK: a FIFO in place of a table opens at once (and is refused below as not a regular file) instead of blocking forever.
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError([{ file, where: 'whole file', message: code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? String(e)})` }], {
      code: code === 'ENOENT' ? 'BATON_FILE_NOT_FOUND' : 'BATON_INPUT_INVALID',
      cause: e,
    });
  }
  try {
    const stat = await fh.stat();
    if (!stat.isFile())
      throw new InputError([
        { file, where: 'whole file', message: 'not a regular file', expected: 'a regular file', found: stat.isDirectory() ? 'a directory' : 'a special file' },
      ]);
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
    // csv-parse is loaded only for the rare quoted file, keeping the reader threads light.
    const { readQuotedCsv } = await import('./read-csv.js');
    return await readQuotedCsv(path, file, kind);
  } finally {
    await fh?.close();
  }
}
