/**
 * The built-in oracle kinds by name. Each is loaded on first use: the table
 * oracle pulls in mathjs, the browser oracle Playwright, and a `baton`
 * command that measures nothing (status, log, the resume path of run)
 * should not pay seconds for them at start-up.
 */
import type { OracleSpec } from '../spec/schema.js';
import type { Oracle } from './types.js';

const LOADERS: Record<OracleSpec['kind'], () => Promise<Oracle>> = {
  table: async () => (await import('../../oracles/table/index.js')).tableOracle,
  benchmark: async () => (await import('../../oracles/benchmark/index.js')).benchmarkOracle,
  tests: async () => (await import('../../oracles/tests/index.js')).testsOracle,
  browser: async () => (await import('../../oracles/browser/index.js')).browserOracle,
  command: async () => (await import('../../oracles/command/index.js')).commandOracle,
};

/** The oracle implementing a kind. */
export async function oracleFor(kind: OracleSpec['kind']): Promise<Oracle | undefined> {
  return LOADERS[kind]?.();
}
