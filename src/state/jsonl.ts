/**
 * Append-only JSON-lines files (journal, ledger, transcripts). Each record is
 * written with one write() and fsync'd, so after a crash it is wholly there
 * or absent, except a torn last line, which is detected and cut off.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { UserError } from '../errors.js';

export interface JsonlRead<T> {
  records: T[];
  /** Things the reader repaired or noticed, for the CLI to print. */
  warnings: string[];
}

/** Appends one record as a line and fsyncs it (and the folder when the file is new). */
export function appendJsonl(file: string, record: unknown): void {
  appendJsonlAll(file, [record]);
}

/** Appends records that belong together with one write(): a kill leaves all of them or none (a power cut may tear the last). */
export function appendJsonlAll(file: string, records: unknown[]): void {
  const lines = records.map((r) => JSON.stringify(r));
  if (lines.some((l) => l.includes('\n'))) throw new Error('a JSON record serialised with a newline');
  const isNew = !fs.existsSync(file);
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, lines.map((l) => `${l}\n`).join(''));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (isNew) fsyncDir(path.dirname(file));
}

/** fsyncs a folder so a new file's entry survives a power cut. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on folders; the data itself is synced.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Reads and validates every line. A torn last line (no trailing newline) is
 * dropped with a warning, and cut from the file when `repair` is set; any
 * other bad line is an error naming the file and line number.
 */
export function readJsonl<S extends z.ZodType>(file: string, schema: S, options: { repair?: boolean } = {}): JsonlRead<z.infer<S>> {
  if (!fs.existsSync(file)) return { records: [], warnings: [] };
  const text = fs.readFileSync(file, 'utf8');
  const warnings: string[] = [];
  let body = text;
  if (text.length > 0 && !text.endsWith('\n')) {
    const cut = text.lastIndexOf('\n') + 1;
    const torn = text.slice(cut);
    body = text.slice(0, cut);
    const lineNo = body.split('\n').length;
    warnings.push(`${file}: line ${lineNo} was torn by a crash (${torn.length} bytes without a newline)` + (options.repair ? '; cut off' : '; ignored'));
    if (options.repair) fs.truncateSync(file, Buffer.byteLength(body, 'utf8'));
  }
  const records: z.infer<S>[] = [];
  const lines = body.split('\n');
  lines.pop(); // the empty string after the final newline
  lines.forEach((line, i) => {
    const where = `line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw corrupt(file, where, 'is not valid JSON', line, cause);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const key = issue.path.length ? ` at ${issue.path.join('.')}` : '';
      throw corrupt(file, where, `does not match the record schema${key}: ${issue.message}`, line, parsed.error);
    }
    records.push(parsed.data);
  });
  return { records, warnings };
}

function corrupt(file: string, where: string, what: string, line: string, cause: unknown): UserError {
  const shown = line.length > 120 ? `${line.slice(0, 120)}…` : line;
  return new UserError(
    `${file}: ${where} ${what}\n  found: ${shown}\n  baton never skips a record; fix or remove that line by hand (the file is append-only JSON lines).`,
    { code: 'BATON_STATE_CORRUPT', context: { file, where }, cause },
  );
}
