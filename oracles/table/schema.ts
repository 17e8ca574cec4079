/**
 * The `table` oracle's spec: the tables it compares and how.
 * `baton schema` prints it as part of baton.yaml's schema (src/spec/schema.ts).
 */
import { z } from 'zod';
import { columnRef, command, id, oracleCommon, unitText } from '../../src/spec/schema-parts.js';

export const TableSpec = z
  .object({
    name: id.describe('Name of this comparison; part of metric names: <oracle>.<table>.<column>.<stat>.'),
    candidate: z.string().min(1).describe('File the candidate writes, relative to $BATON_OUT.'),
    reference: z.string().min(1).describe('Reference file, relative to the experiment folder (usually under oracle/).'),
    format: z.enum(['auto', 'csv', 'tsv', 'dat', 'npy']).default('auto').describe('File format of both tables; auto picks it from the extension.'),
    x: columnRef.describe('The abscissa column rows are aligned on.'),
    columns: z.array(columnRef).min(1, 'expected at least one column to compare'),
    interpolate: z
      .enum(['none', 'linear', 'loglog'])
      .default('none')
      .describe('none: x values must match row by row; linear/loglog: candidate interpolated onto the reference x grid, never extrapolated.'),
    x_range: z.tuple([z.number(), z.number()]).optional().describe('Compare only reference rows with lo <= x <= hi.'),
    min_points: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Reference points (in x_range) the candidate must cover; fewer fails the measurement. Default: every reference point in x_range.'),
    normalize: z
      .union([z.string().min(1), z.record(z.string(), z.string().min(1))])
      .optional()
      .describe('mathjs expression over the reference row replacing |reference| in relative errors, e.g. sqrt(TT*EE); or one per column.'),
    // Units are labels for the report's axes and metric names, never used in the comparison.
    x_unit: unitText.optional().describe("Unit of x, shown on the report's axes, e.g. h/Mpc."),
    units: z
      .record(z.string().min(1), unitText)
      .optional()
      .describe('Units of the compared columns by name, shown on the report\'s axes (absolute errors carry them), e.g. { P: "(Mpc/h)^3" }.'),
  })
  .strict();

export const TableOracleSpec = z
  .object({
    kind: z.literal('table'),
    ...oracleCommon,
    run: command.describe('Shell command run in the oracle sandbox (cwd /workspace) that writes the candidate tables to $BATON_OUT.'),
    tables: z.array(TableSpec).min(1, 'expected at least one table'),
  })
  .strict();
