/**
 * What a timed run produced, and whether it equals what the best kept
 * commit's run produced (pure). A time counts only for a run whose output is
 * the same as the reference's: otherwise "skip the work and print nothing"
 * would be the fastest program (security audit, issue 12).
 */
import { createHash } from 'node:crypto';

/** One named output file as the host read it: its bytes, or why it could not be read. */
export type FileOutput = { ok: true; bytes: Buffer } | { ok: false; why: string };

/** The output of one timed run: stdout (as compared; see comparableStdout) and the named files. */
export interface RunOutput {
  stdout: string;
  files: Record<string, FileOutput>;
}

/** What the spec asks to compare. */
export interface OutputSelection {
  stdout: boolean;
  files: string[];
}

/**
 * The part of stdout that is compared: all of it under `time: wall` and `cpu`; under
 * `time: json` all but the last non-empty line, which carries the run's own
 * timing and so differs from run to run.
 */
export function comparableStdout(stdout: string, time: 'wall' | 'cpu' | 'json'): string {
  if (time !== 'json') return stdout;
  const lines = stdout.split('\n');
  let last = lines.length - 1;
  while (last >= 0 && lines[last].trim() === '') last--;
  return last < 0 ? '' : lines.slice(0, last).join('\n');
}

/** sha256 of text or bytes, hex. */
export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Digests of a run's output, for the ledger: short enough to keep per run, enough to tell runs apart. */
export function outputDigests(out: RunOutput, select: OutputSelection): Record<string, string> {
  const d: Record<string, string> = {};
  if (select.stdout) d.stdout = sha256(out.stdout);
  for (const f of select.files) {
    const o = out.files[f];
    d[f] = o === undefined || !o.ok ? `missing: ${o?.why ?? 'not read'}` : sha256(o.bytes);
  }
  return d;
}

const quote = (s: string, max = 120) => JSON.stringify(s.length <= max ? s : `${s.slice(0, max)}…`);

/** Where two texts first differ, as "line N: expected "…", found "…"". */
export function firstDifference(expected: string, found: string): string {
  const a = expected.split('\n');
  const b = found.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      const show = (s: string | undefined) => (s === undefined ? '(no such line)' : quote(s));
      return `line ${i + 1}: expected ${show(a[i])}, found ${show(b[i])}`;
    }
  }
  return 'they differ only in line endings';
}

function describeBytes(b: Buffer): string {
  return `${b.length} bytes, sha256 ${sha256(b).slice(0, 12)}`;
}

/**
 * Undefined when `found` equals `expected` in every selected part; otherwise
 * a sentence naming each part that differs (stdout, or a file by name) and
 * where. `whose` names the reference, e.g. "the best kept commit's".
 */
export function compareOutputs(expected: RunOutput, found: RunOutput, select: OutputSelection, whose: string): string | undefined {
  const problems: string[] = [];
  if (select.stdout && expected.stdout !== found.stdout) {
    const empty = found.stdout.trim() === '' ? ' (it printed nothing)' : '';
    problems.push(`stdout differs from ${whose}${empty}: ${firstDifference(expected.stdout, found.stdout)}`);
  }
  for (const f of select.files) {
    const e = expected.files[f];
    const o = found.files[f];
    if (e === undefined || o === undefined) continue;
    if (!o.ok && e.ok) problems.push(`output file ${f} is missing or unreadable (${o.why}); ${whose} run wrote ${describeBytes(e.bytes)}`);
    else if (o.ok && !e.ok) problems.push(`output file ${f} was written, but ${whose} run wrote none (${e.why})`);
    else if (o.ok && e.ok && !o.bytes.equals(e.bytes)) {
      const text = (b: Buffer) => b.toString('utf8');
      const where = o.bytes.length < 1e6 && e.bytes.length < 1e6 ? `: ${firstDifference(text(e.bytes), text(o.bytes))}` : '';
      problems.push(`output file ${f} differs from ${whose} (${describeBytes(e.bytes)} expected, ${describeBytes(o.bytes)} found)${where}`);
    }
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}
