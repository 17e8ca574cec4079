/**
 * Turns baton.yaml text into a Spec or a list of every problem in it, each
 * with the key path, the line, what was expected and what was found. Pure:
 * no filesystem access (files referenced by the spec are checked in check.ts).
 */
import { LineCounter, parseDocument, isScalar, type Document } from 'yaml';
import type { z } from 'zod';
import type { Problem } from '../errors.js';
import { oracleKindOf } from '../oracles/registry.js';
import { specSchema } from './spec-schema.js';
import type { Spec } from './schema.js';
import { isProducible, knownMetricNames } from './metrics.js';
import { closest } from './suggest.js';
import { parseDuration, parseSize } from './units.js';

export interface ValidateResult {
  spec?: Spec;
  problems: Problem[];
}

type Path = (string | number)[];

/** Formats a key path as users write it: `oracles[0].tables[1].x`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((p, i) => {
      if (typeof p === 'number') return `[${p}]`;
      const key = String(p);
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return `[${JSON.stringify(key)}]`;
      return i === 0 ? key : `.${key}`;
    })
    .join('');
}

/** Validates the text of a baton.yaml; `file` is only used in messages. */
export function validateSpecText(text: string, file: string): ValidateResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => ({
        file,
        where: `line ${e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line}`,
        message: `YAML syntax: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      problems: [
        { file, where: 'line 1', message: 'the spec must be a YAML mapping', expected: 'keys such as name, goal, oracles, thresholds', found: describe(raw) },
      ],
    };
  }
  const lineOf = (path: Path): number | undefined => lineAt(doc, lineCounter, path);
  const parsed = specSchema().safeParse(raw);
  if (!parsed.success) {
    return { problems: parsed.error.issues.flatMap((issue) => issueToProblems(issue, raw, file, lineOf)) };
  }
  const problems = crossCheck(parsed.data, file, lineOf);
  return problems.length ? { problems } : { spec: parsed.data, problems: [] };
}

/** ` (line N)` of a key path in a baton.yaml text, or '' when not found: for checks outside this file. */
export function lineFinder(text: string): (path: Path) => string {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  return (p) => {
    const n = lineAt(doc, lc, p);
    return n === undefined ? '' : ` (line ${n})`;
  };
}

/** Checks that need the whole spec: unique ids, each oracle kind's own rules, thresholds on producible metrics. */
export function crossCheck(spec: Spec, file: string, lineOf: (p: Path) => number | undefined = () => undefined): Problem[] {
  const problems: Problem[] = [];
  const at = (path: Path): string => withLine(formatPath(path), lineOf(path));
  const seen = new Map<string, number>();
  spec.oracles.forEach((o, i) => {
    const first = seen.get(o.id);
    if (first !== undefined) {
      problems.push({
        file,
        where: at(['oracles', i, 'id']),
        message: `duplicate oracle id "${o.id}"`,
        expected: 'a unique id',
        found: `the same id as oracles[${first}]`,
      });
    } else seen.set(o.id, i);
    problems.push(...(oracleKindOf(o).validate?.(o, { spec, index: i, file, at }) ?? []));
  });
  const metrics = Object.keys(spec.thresholds);
  if (metrics.length === 0) {
    problems.push({
      file,
      where: at(['thresholds']),
      message: 'no thresholds: the goal could never be met',
      expected: 'at least one threshold, e.g. accuracy.pk.P.max_rel: "< 0.01"',
    });
  }
  const known = knownMetricNames(spec.oracles);
  for (const metric of metrics) {
    if (isProducible(metric, spec.oracles)) continue;
    const suggestion = closest(metric, known);
    const [id, ...parts] = metric.split('.');
    const index = spec.oracles.findIndex((o) => o.id === id);
    const kindHint = index < 0 ? undefined : oracleKindOf(spec.oracles[index]).unproducedHint?.(spec.oracles[index], parts, at, index);
    problems.push({
      file,
      where: at(['thresholds', metric]),
      message: `no oracle produces the metric "${metric}"`,
      expected: `one of ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''}`,
      found: metric,
      hint:
        kindHint ??
        (suggestion ? `did you mean "${suggestion}"?` : 'metric names are <oracle id>.<table>.<column>.<stat> for tables, <oracle id>.<stat> otherwise'),
    });
  }
  problems.push(...limitProblems(spec, file, at));
  const primary = spec.judge.primary;
  if (primary !== undefined && !metrics.includes(primary)) {
    problems.push({
      file,
      where: at(['judge', 'primary']),
      message: 'the primary metric must be one of the thresholds',
      expected: metrics.join(', '),
      found: primary,
      hint: closest(primary, metrics) ? `did you mean "${closest(primary, metrics)}"?` : undefined,
    });
  }
  return problems;
}

/** Docker refuses a memory limit under 6 MB (HTTP 400 at the first sandbox); baton asks for no less. */
const MIN_MEMORY = 6 * 1024 * 1024;

/** Budgets and sizes the run could not work with, though each is well formed. */
function limitProblems(spec: Spec, file: string, at: (path: Path) => string): Problem[] {
  const problems: Problem[] = [];
  if (parseSize(spec.sandbox.memory) < MIN_MEMORY) {
    problems.push({
      file,
      where: at(['sandbox', 'memory']),
      message: 'too small for a sandbox: Docker refuses a memory limit under 6 MB',
      expected: 'a size of at least 6m (e.g. 2g)',
      found: JSON.stringify(spec.sandbox.memory),
    });
  }
  const time = parseDuration(spec.budget.time);
  if (time <= 0)
    problems.push({
      file,
      where: at(['budget', 'time']),
      message: 'a time budget of zero would stop the run before its baseline',
      expected: 'a duration above zero, e.g. 24h',
      found: JSON.stringify(spec.budget.time),
    });
  const session = parseDuration(spec.budget.session.time);
  if (session <= 0)
    problems.push({
      file,
      where: at(['budget', 'session', 'time']),
      message: 'a session time of zero would end every session at once',
      expected: 'a duration above zero, e.g. 30m',
      found: JSON.stringify(spec.budget.session.time),
    });
  else if (time > 0 && session > time) {
    problems.push({
      file,
      where: at(['budget', 'session', 'time']),
      message: `a session (${spec.budget.session.time}) longer than the whole run's time budget (${spec.budget.time})`,
      expected: `at most budget.time (${spec.budget.time})`,
      found: JSON.stringify(spec.budget.session.time),
      hint: 'shorten budget.session.time or raise budget.time',
    });
  }
  return problems;
}

function issueToProblems(issue: z.core.$ZodIssue, raw: unknown, file: string, lineOf: (p: Path) => number | undefined): Problem[] {
  const path = issue.path as Path;
  const found = valueAt(raw, path);
  const where = withLine(formatPath(path), lineOf(path));
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(path, raw);
      return issue.keys.map((key) => {
        const keyPath = [...path, key];
        const suggestion = closest(key, allowed);
        return {
          file,
          where: withLine(formatPath(keyPath), lineOf(keyPath)),
          message: `unknown key "${key}"`,
          expected: allowed.length ? `one of ${allowed.join(', ')}` : undefined,
          hint: suggestion ? `did you mean "${suggestion}"?` : undefined,
        };
      });
    }
    case 'invalid_type':
      if (found === undefined) {
        return [{ file, where, message: `missing required key "${String(path[path.length - 1] ?? '')}"`, expected: typeName(issue.expected) }];
      }
      return [{ file, where, message: `wrong type`, expected: typeName(issue.expected), found: describe(found) }];
    case 'invalid_key': {
      const inner = (issue as unknown as { issues?: { message: string }[] }).issues?.[0]?.message;
      return [{ file, where, message: inner ?? 'invalid key', found: JSON.stringify(path[path.length - 1]) }];
    }
    case 'invalid_union':
      if ('discriminator' in issue && issue.discriminator) {
        const options = (issue as unknown as { options?: unknown[] }).options ?? [];
        const names = options.map(String);
        const suggestion = typeof found === 'string' ? closest(found, names) : undefined;
        return [
          {
            file,
            where,
            message: found === undefined ? `missing "${String(issue.discriminator)}"` : `unknown ${String(issue.discriminator)}`,
            expected: `one of ${names.join(', ')}`,
            found: found === undefined ? undefined : describe(found),
            hint: suggestion ? `did you mean "${suggestion}"?` : undefined,
          },
        ];
      }
      return [{ file, where, message: 'matches none of the allowed forms', found: describe(found) }];
    case 'invalid_value': {
      const values = (issue as unknown as { values: unknown[] }).values.map((v) => String(v));
      const suggestion = typeof found === 'string' ? closest(found, values) : undefined;
      return [
        {
          file,
          where,
          message: 'not an allowed value',
          expected: `one of ${values.join(', ')}`,
          found: describe(found),
          hint: suggestion ? `did you mean "${suggestion}"?` : undefined,
        },
      ];
    }
    default: // too_small, too_big, invalid_format: zod's message says it
      return [{ file, where, message: cleanMessage(issue.message), found: describe(found) }];
  }
}

const TYPE_NAMES: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  array: 'a list',
  object: 'a mapping',
  boolean: 'true or false',
  tuple: 'a list',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

function cleanMessage(message: string): string {
  return message
    .replace(/^Invalid input: /, '')
    .replace(/^Too small: /, '')
    .replace(/^Too big: /, '');
}

function withLine(where: string, line: number | undefined): string {
  return line === undefined ? where : `${where} (line ${line})`;
}

function lineAt(doc: Document, lc: LineCounter, path: Path): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) {
      // For a key that exists, point at its value; for the document root, line 1.
      return lc.linePos(node.range[0]).line;
    }
    if (n > 0 && isScalar(node)) return undefined;
  }
  return undefined;
}

function valueAt(raw: unknown, path: Path): unknown {
  let cur: unknown = raw;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key as string | number];
  }
  return cur;
}

/** A short, exact rendering of a found value. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list (${JSON.stringify(value).slice(0, 60)})`;
  if (typeof value === 'object') return `a mapping with keys ${Object.keys(value as object).join(', ') || '(none)'}`;
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

type Def = { type: string; shape?: Record<string, unknown>; innerType?: unknown; element?: unknown; options?: unknown[]; valueType?: unknown; in?: unknown };

function defOf(schema: unknown): Def {
  return (schema as { _zod: { def: Def } })._zod.def;
}

/** The keys the schema allows at a path of the raw document (following `kind` through unions). */
function allowedKeys(path: Path, raw: unknown): string[] {
  let schema: unknown = specSchema();
  let value: unknown = raw;
  const unwrap = (): void => {
    for (;;) {
      const d = defOf(schema);
      if (d.type === 'default' || d.type === 'optional' || d.type === 'nullable') schema = d.innerType;
      else if (d.type === 'pipe') schema = d.in;
      else if (d.type === 'union' && d.options) {
        const kind = value && typeof value === 'object' ? (value as Record<string, unknown>).kind : undefined;
        const match = d.options.find((o) => {
          const od = defOf(o);
          const kindSchema = od.shape?.kind;
          return kindSchema !== undefined && (defOf(kindSchema) as unknown as { values: unknown[] }).values?.includes(kind);
        });
        const objectOption = d.options.find((o) => defOf(o).type === 'object');
        if (!match && !objectOption) return;
        schema = match ?? objectOption;
      } else return;
    }
  };
  unwrap();
  for (const key of path) {
    const d = defOf(schema);
    if (d.type === 'object' && d.shape) schema = d.shape[key as string];
    else if (d.type === 'array') schema = d.element;
    else if (d.type === 'record') schema = d.valueType;
    else return [];
    if (schema === undefined) return [];
    value = value && typeof value === 'object' ? (value as Record<string | number, unknown>)[key as string] : undefined;
    unwrap();
  }
  const d = defOf(schema);
  return d.type === 'object' && d.shape ? Object.keys(d.shape) : [];
}
