/**
 * The worker thread of readTable for large text tables: reads one table and
 * posts it back with its column buffers transferred (no copy). An error is
 * posted as data and rebuilt as the same InputError on the other side.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeError, InputError } from '../../src/errors.js';
import { readTable, type ReadTableOptions, type WorkerReply } from './read.js';
import type { TableFormat } from './table.js';

const { path, format, options } = workerData as { path: string; format: TableFormat | 'auto'; options: ReadTableOptions };
let reply: WorkerReply;
let transfer: ArrayBuffer[] = [];
try {
  const table = await readTable(path, format, { ...options, worker: false });
  reply = { ok: true, table };
  transfer = [...new Set(table.columns.map((c) => c.buffer as ArrayBuffer))];
} catch (e) {
  reply = e instanceof InputError ? { ok: false, problems: e.problems, code: e.code, message: e.message } : { ok: false, message: describeError(e) };
}
parentPort!.postMessage(reply, transfer);
