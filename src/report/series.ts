/**
 * Series artifacts: the error-vs-x data a `table` oracle leaves for the report.
 *
 * The table oracle writes one JSON file per compared (table, column) and lists
 * it in its Measurement as
 *   `{ name: seriesArtifactName(table, column), kind: 'series', path: seriesArtifactPath(table, column) }`
 * where `path` is relative to the measurement's artifact folder as the ledger
 * records it (the report resolves it against the run's artifact root).
 *
 * File contents (`SeriesArtifact`, version 1):
 * ```json
 * { "v": 1, "kind": "error-vs-x", "table": "pk", "x": "k", "column": "P",
 *   "normalize": "sqrt(TT*EE)",            // optional, the expression used
 *   "n_points": 2451, "decimated": false,    // optional
 *   "points": [ { "x": 1e-4, "rel": 3.2e-5, "abs": 0.41 }, ... ] }
 * ```
 * - `x`: the abscissa of a compared reference row (after x_range), ascending.
 * - `rel`: |candidate − reference| / |norm| (norm = reference unless
 *   `normalize`), a magnitude ≥ 0; `null` where the norm is zero. The column's
 *   `max_rel` metric is the maximum of `rel`.
 * - `abs`: |candidate − reference| ≥ 0; its maximum is `max_abs`.
 * - `n_points`, `decimated` (optional): how many points were compared and
 *   whether the oracle thinned them to the ones written (keep per-bin
 *   extremes of `rel` if you do, so the maximum survives).
 * All numbers finite. At most MAX_SERIES_POINTS points; the report thins
 * longer series itself, the oracle need not.
 */
import { z } from 'zod';

export const SERIES_VERSION = 1;
/** Largest number of points a series file may hold. */
export const MAX_SERIES_POINTS = 1_000_000;

const finite = z.number().refine(Number.isFinite, 'expected a finite number');

export const SeriesPoint = z.object({
  x: finite,
  rel: finite.refine((v) => v >= 0, 'expected a magnitude >= 0').nullable(),
  abs: finite.refine((v) => v >= 0, 'expected a magnitude >= 0'),
});

export const SeriesArtifact = z.object({
  v: z.literal(SERIES_VERSION),
  kind: z.literal('error-vs-x'),
  table: z.string().min(1),
  x: z.string().min(1),
  column: z.string().min(1),
  normalize: z.string().optional(),
  /** Points compared before the oracle thinned the series, when it did. */
  n_points: z.number().int().min(0).optional(),
  decimated: z.boolean().optional(),
  points: z.array(SeriesPoint).max(MAX_SERIES_POINTS),
});

export type SeriesPoint = z.infer<typeof SeriesPoint>;
export type SeriesArtifact = z.infer<typeof SeriesArtifact>;

/** The artifact `name` of the series of one compared column. */
export function seriesArtifactName(table: string, column: string): string {
  return `${table}.${column}`;
}

/** The conventional artifact path of the series of one compared column. */
export function seriesArtifactPath(table: string, column: string): string {
  return `series/${table}.${column}.json`;
}

/** Serializes a series as its file contents (one line per point keeps diffs readable). */
export function serializeSeries(s: SeriesArtifact): string {
  const head = JSON.stringify({ ...s, points: [] }).slice(0, -3);
  return `${head}[\n${s.points.map((p) => JSON.stringify(p)).join(',\n')}\n]}\n`;
}

/** Parses a series file; a bad file is a value, not an exception. */
export function parseSeries(text: string): { ok: true; series: SeriesArtifact } | { ok: false; error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  const r = SeriesArtifact.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { ok: false, error: `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, series: r.data };
}
