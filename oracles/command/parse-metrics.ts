/**
 * Reads the metrics a command prints: its last non-empty stdout line must be
 * a flat JSON object of finite numbers. Pure.
 */

export type ParsedMetrics = { ok: true; values: Record<string, number>; line: string } | { ok: false; reason: string; line?: string };

const NONFINITE = '\u0000baton-nonfinite:';
/** A metric name part: letters, digits, _ and -, optionally dot-separated (as in metric names). */
const KEY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const MAX_PROBLEMS = 5;

/**
 * Replaces the bare NaN / Infinity / -Infinity tokens that Python's
 * json.dumps writes (outside strings) with marker strings, so the key that
 * holds one can be named instead of failing with "not JSON".
 */
function markNonFinite(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    const token = ['-Infinity', 'Infinity', 'NaN'].find((t) => text.startsWith(t, i));
    if (token !== undefined) {
      out += JSON.stringify(NONFINITE + token);
      i += token.length - 1;
      continue;
    }
    out += c;
  }
  return out;
}

function short(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

function describeValue(key: string, value: unknown): string | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : `key "${key}" overflows to ${value}; metrics must be finite numbers`;
  }
  if (typeof value === 'string') {
    if (value.startsWith(NONFINITE)) return `key "${key}" is ${value.slice(NONFINITE.length)}; metrics must be finite numbers`;
    return `key "${key}" is a string (${short(JSON.stringify(value), 40)}), not a number`;
  }
  if (value === null) return `key "${key}" is null, not a number`;
  if (typeof value === 'boolean') return `key "${key}" is a boolean (${value}), not a number`;
  if (Array.isArray(value)) return `key "${key}" is an array, not a number`;
  return `key "${key}" is a nested object, not a number; flatten it with dotted keys such as "${key}.x"`;
}

/** Parses the last non-empty line of `stdout` as a JSON object of finite numbers. */
export function parseMetricsLine(stdout: string): ParsedMetrics {
  const lines = stdout
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const line = lines.at(-1);
  const example = 'such as {"score": 0.93, "loss": 1.2e-3}';
  if (line === undefined) {
    return { ok: false, reason: `printed nothing on stdout; its last line must be a JSON object of finite numbers ${example}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(markNonFinite(line));
  } catch (e) {
    return { ok: false, line, reason: `its last stdout line is not JSON (${(e as Error).message}): ${short(line)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    return { ok: false, line, reason: `its last stdout line is ${kind}, not a JSON object of numbers ${example}: ${short(line)}` };
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return { ok: false, line, reason: `its last stdout line is an empty JSON object; no metrics ${example}` };
  const problems: string[] = [];
  const values: Record<string, number> = {};
  for (const [key, v] of entries) {
    if (!KEY.test(key)) {
      problems.push(`key "${short(key, 40)}" is not a metric name (letters, digits, _ and -, parts separated by dots)`);
      continue;
    }
    const problem = describeValue(key, v);
    if (problem !== undefined) problems.push(problem);
    else values[key] = v as number;
  }
  if (problems.length > 0) {
    const more = problems.length > MAX_PROBLEMS ? `; and ${problems.length - MAX_PROBLEMS} more` : '';
    return { ok: false, line, reason: problems.slice(0, MAX_PROBLEMS).join('; ') + more };
  }
  return { ok: true, values, line };
}
