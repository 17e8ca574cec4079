/**
 * compareTables: the pure core of the table oracle. Given the spec of one
 * table and the two tables in memory, it aligns the rows, computes the
 * error statistics of every compared column and their error-vs-x series.
 * No file system, no sandbox.
 */
import { InputError } from '../../src/errors.js';
import type { TableSpec } from '../../src/spec/schema.js';
import { align, interpolateAt, type AlignmentFacts, type Interpolation } from './align.js';
import { compileRowExpression, type RowFunction } from './normalize.js';
import { ColumnAccumulator, DEFAULT_MAX_SERIES_POINTS, type ColumnStats, type SeriesPoint } from './stats.js';
import { resolveColumn, rowPlace, type Table, type TableRole } from './table.js';

/** The error-vs-x series of one column: the series artifact of src/report/series.ts (version 1), plus counts. */
export interface ErrorSeries {
  v: 1;
  kind: 'error-vs-x';
  table: string;
  /** Name of the x column. */
  x: string;
  column: string;
  /** The normalize expression used for this column, if any. */
  normalize?: string;
  /** Points compared before decimation. */
  n_points: number;
  decimated: boolean;
  points: SeriesPoint[];
}

/** What comparing one table produced. */
export interface TableComparison {
  table: string;
  /** `<table>.<column>.<stat>` → finite number; the oracle prefixes its id. */
  metrics: Record<string, number>;
  columns: { column: string; stats: ColumnStats }[];
  series: ErrorSeries[];
  alignment: AlignmentFacts;
}

export interface CompareOptions {
  /** Upper bound of points per series (default 2000). */
  maxSeriesPoints?: number;
  /** File named in messages about the spec (default baton.yaml). */
  specFile?: string;
  /** Key path of this table in the spec, for messages (default `tables[<name>]`). */
  specPath?: string;
}

/** Runs `fn`, marking an InputError it throws with the side at fault (candidate, reference or spec). */
function onSide<T>(side: TableRole | 'spec', fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InputError && e.context.side === undefined) e.context.side = side;
    throw e;
  }
}

/** A metric-name segment: the spec's own name for a column, or the file's name for an index. */
function segment(ref: string | number, table: Table, index: number): string {
  if (typeof ref === 'string') return ref;
  const name = table.header?.names[index];
  return name ? name.replace(/[^A-Za-z0-9_-]/g, '_') : String(ref);
}

/**
 * Compares `candidate` against `reference` as `spec` says. Throws InputError
 * with `context.side` = candidate | reference | spec when the data or the
 * spec do not allow a comparison (unknown column, x mismatch, x not
 * increasing, loglog of a non-positive value, a bad normalize expression).
 */
export function compareTables(spec: TableSpec, candidate: Table, reference: Table, options: CompareOptions = {}): TableComparison {
  const specFile = options.specFile ?? 'baton.yaml';
  const specPath = options.specPath ?? `tables[${spec.name}]`;
  const mode: Interpolation = spec.interpolate ?? 'none';
  const rx = onSide('reference', () => resolveColumn(reference, spec.x, 'x column'));
  const cx = onSide('candidate', () => resolveColumn(candidate, spec.x, 'x column'));
  const xName = segment(spec.x, reference, rx);
  const cols = spec.columns.map((ref) => {
    const ri = onSide('reference', () => resolveColumn(reference, ref, 'column'));
    const ci = onSide('candidate', () => resolveColumn(candidate, ref, 'column'));
    return { ref, name: segment(ref, reference, ri), ri, ci };
  });
  const denominators = onSide('spec', () => normalizers(spec, cols, reference, specFile, specPath));

  const xr = reference.columns[rx];
  const xc = candidate.columns[cx];
  const acc = cols.map(() => new ColumnAccumulator(options.maxSeriesPoints ?? DEFAULT_MAX_SERIES_POINTS));
  const refCols = cols.map((c) => reference.columns[c.ri]);
  const candCols = cols.map((c) => candidate.columns[c.ci]);
  const ncols = cols.length;

  const facts = onSide('candidate', () =>
    align(mode, reference, rx, candidate, cx, spec.x_range, (r, j, exact) => {
      const x = xr[r];
      for (let k = 0; k < ncols; k++) {
        const yc = candCols[k];
        let v = yc[j];
        if (!exact) {
          if (mode === 'loglog' && (yc[j] <= 0 || yc[j + 1] <= 0)) {
            const bad = yc[j] <= 0 ? j : j + 1;
            throw new InputError([
              {
                file: candidate.file,
                where: `${rowPlace(candidate, bad)}, column ${cols[k].ci + 1} (${cols[k].name})`,
                message: 'loglog interpolation needs values > 0',
                expected: 'a value > 0',
                found: String(yc[bad]),
                hint: 'use interpolate: linear for a column that can be 0 or negative',
              },
            ]);
          }
          v = interpolateAt(mode, xc, yc, j, x);
          if (!Number.isFinite(v)) {
            throw new InputError([
              {
                file: candidate.file,
                where: rowPlace(candidate, j),
                message: `interpolating ${cols[k].name} at x = ${x} gave ${v}`,
                expected: 'a finite value',
              },
            ]);
          }
        }
        const ref = refCols[k][r];
        const f = denominators[k];
        let denom: number;
        if (f === null) {
          denom = Math.abs(ref);
        } else {
          denom = Math.abs(f(r));
          if (!Number.isFinite(denom)) {
            throw new InputError(
              [
                {
                  file: specFile,
                  where: `${specPath}.normalize`,
                  message: `normalize gave ${denom} for column ${cols[k].name} at reference ${rowPlace(reference, r)} (x = ${x})`,
                  expected: 'a finite real number for every compared reference row',
                  found: String(denom),
                },
              ],
              { context: { side: 'spec' } },
            );
          }
        }
        acc[k].add(x, Math.abs(v - ref), denom);
      }
    }),
  );

  const dropped = facts.dropped_below + facts.dropped_above;
  const metrics: Record<string, number> = {};
  const columns = cols.map((c, k) => {
    const stats = acc[k].stats(dropped);
    for (const [stat, value] of Object.entries(stats)) {
      if (value !== undefined && Number.isFinite(value)) metrics[`${spec.name}.${c.name}.${stat}`] = value;
    }
    return { column: c.name, stats };
  });
  const series = cols.map((c, k): ErrorSeries => {
    const { points, decimated } = acc[k].series();
    const expr = normalizeText(spec, c);
    return {
      v: 1,
      kind: 'error-vs-x',
      table: spec.name,
      x: xName,
      column: c.name,
      ...(expr === undefined ? {} : { normalize: expr }),
      n_points: facts.used,
      decimated,
      points,
    };
  });
  return { table: spec.name, metrics, columns, series, alignment: facts };
}

function normalizeText(spec: TableSpec, c: { ref: string | number; name: string }): string | undefined {
  const n = spec.normalize;
  if (n === undefined || typeof n === 'string') return n;
  return n[String(c.ref)] ?? n[c.name];
}

/** The normalize function of each compared column, or null where |reference| is the denominator. */
function normalizers(
  spec: TableSpec,
  cols: { ref: string | number; name: string }[],
  reference: Table,
  specFile: string,
  specPath: string,
): (RowFunction | null)[] {
  const n = spec.normalize;
  if (n === undefined) return cols.map(() => null);
  if (typeof n === 'string') {
    const f = compileRowExpression(n, reference, `${specPath}.normalize`, specFile);
    return cols.map(() => f);
  }
  const known = new Set(cols.flatMap((c) => [String(c.ref), c.name]));
  for (const key of Object.keys(n)) {
    if (!known.has(key)) {
      throw new InputError([
        {
          file: specFile,
          where: `${specPath}.normalize.${key}`,
          message: `normalize names "${key}", which is not a compared column`,
          expected: `one of ${cols.map((c) => c.name).join(', ')}`,
          found: key,
        },
      ]);
    }
  }
  return cols.map((c) => {
    const expr = n[String(c.ref)] ?? n[c.name];
    return expr === undefined ? null : compileRowExpression(expr, reference, `${specPath}.normalize.${c.name}`, specFile);
  });
}
