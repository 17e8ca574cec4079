/**
 * The pieces of baton.yaml's schema that more than one part of it uses:
 * durations, sizes, identifiers, commands, units, and the keys every oracle
 * kind's spec has. The oracle kinds' own schemas (oracles/<kind>/schema.ts)
 * and schema.ts build on them.
 */
import { z } from 'zod';
import { DURATION_PATTERN, SIZE_PATTERN } from './units.js';

export const duration = z
  .string()
  .regex(DURATION_PATTERN, 'expected a duration such as 30s, 10m, 24h')
  .describe('A duration: a number and a unit, ms | s | m | h | d (e.g. 30s, 10m, 24h).');
export const size = z
  .string()
  .regex(SIZE_PATTERN, 'expected a size such as 512m or 4g')
  .describe('A size in bytes with an optional unit k | m | g | t (e.g. 512m, 4g).');
export const id = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'expected an identifier: a letter, then letters, digits, _ or -')
  .describe('An identifier: a letter, then letters, digits, _ or -.');
export const envNames = z
  .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'))
  .describe('Names of host environment variables passed into the sandbox. Nothing else from the host environment is.');
export const command = z.string().min(1, 'expected a non-empty shell command');
export const unitText = z
  .string()
  .min(1)
  .max(32, 'expected a unit of at most 32 characters')
  .regex(/^[^\n\r\t]+$/, 'expected a unit on one line')
  .describe('A unit for axis labels, e.g. s, h/Mpc, (Mpc/h)^3, K.');
export const columnRef = z.union([z.string().min(1), z.number().int().min(1)]).describe('A column by its short name (k, P, TT) or by its 1-based index.');

/** The keys every oracle kind's spec has; a kind's schema spreads them (`{ kind: z.literal(...), ...oracleCommon, ... }`). */
export const oracleCommon = {
  id: id.describe('Name of the oracle; the first part of its metric names.'),
  timeout: duration.default('10m').describe('Wall time allowed to the whole measurement by this oracle.'),
  env: envNames.default([]),
};
