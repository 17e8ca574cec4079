/**
 * The `table` oracle kind: compares tables the candidate writes with
 * reference tables of the experiment, column by column.
 */
import { defineOracleKind } from '../../src/oracles/descriptor.js';
import type { TableOracleSpec } from '../../src/spec/schema.js';
import { TableOracleSpec as TableOracleSpecSchema } from './schema.js';
import { tableCharts, tableMetricUnit } from './report.js';
import { uncomparedColumnHint, validateTables } from './validate.js';

/** Statistics the table oracle reports per compared column. */
export const TABLE_STATS = ['max_rel', 'mean_rel', 'rms_rel', 'max_abs', 'x_at_max_rel', 'n_points', 'n_dropped', 'n_ref_zero'] as const;

export const tableKind = defineOracleKind<TableOracleSpec>({
  kind: 'table',
  schema: TableOracleSpecSchema,
  metrics: (o) =>
    o.tables.flatMap((t) => t.columns.flatMap((c) => TABLE_STATS.map((stat) => ({ oracle: o.id, parts: [t.name, typeof c === 'string' ? c : '*', stat] })))),
  referencedFiles: (o) => o.tables.map((t, j) => ({ path: t.reference, key: ['tables', j, 'reference'], type: 'file' as const })),
  validate: validateTables,
  // Loaded on first use: reading a reference needs the table readers (and the filesystem).
  checkInputs: async (o, ctx) => (await import('./check-inputs.js')).checkTableInputs(o, ctx),
  metricUnit: tableMetricUnit,
  unproducedHint: uncomparedColumnHint,
  seriesArtifacts: true,
  charts: tableCharts,
  load: async () => (await import('./index.js')).tableOracle,
});
