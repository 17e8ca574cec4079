/**
 * The `tests` oracle's spec: the suite's command and report.
 * `baton schema` prints it as part of baton.yaml's schema (src/spec/schema.ts).
 */
import { z } from 'zod';
import { command, oracleCommon } from '../../src/spec/schema-parts.js';

export const TestsOracleSpec = z
  .object({
    kind: z.literal('tests'),
    ...oracleCommon,
    run: command.describe('Runs the suite and writes its report to $BATON_OUT.'),
    report: z.string().min(1).describe('Report file relative to $BATON_OUT.'),
    format: z.enum(['junit', 'tap']).default('junit'),
  })
  .strict();
