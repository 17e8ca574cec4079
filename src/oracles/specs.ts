/**
 * The built-in oracle kinds' spec schemas, each from its
 * oracles/<kind>/schema.ts, in the order `baton schema` lists them. The
 * spec's static `oracles` union (src/spec/schema.ts) and its TypeScript type
 * are made from this typed tuple. Apart from registry.ts, this is the only
 * src file that imports from oracles/, and it imports schemas only, so the
 * spec's schema does not depend on the descriptors (which depend on it).
 */
import { BenchmarkOracleSpec } from '../../oracles/benchmark/schema.js';
import { BrowserOracleSpec } from '../../oracles/browser/schema.js';
import { CommandOracleSpec } from '../../oracles/command/schema.js';
import { TableOracleSpec } from '../../oracles/table/schema.js';
import { TestsOracleSpec } from '../../oracles/tests/schema.js';

export const ORACLE_SPECS = [TableOracleSpec, BenchmarkOracleSpec, TestsOracleSpec, BrowserOracleSpec, CommandOracleSpec] as const;
