/** The built-in oracle kinds by name. */
import { benchmarkOracle } from '../../oracles/benchmark/index.js';
import { browserOracle } from '../../oracles/browser/index.js';
import { commandOracle } from '../../oracles/command/index.js';
import { tableOracle } from '../../oracles/table/index.js';
import { testsOracle } from '../../oracles/tests/index.js';
import type { OracleSpec } from '../spec/schema.js';
import type { Oracle } from './types.js';

const ORACLES: Partial<Record<OracleSpec['kind'], Oracle>> = {
  table: tableOracle,
  benchmark: benchmarkOracle,
  tests: testsOracle,
  browser: browserOracle,
  command: commandOracle,
};

/** The oracle implementing a kind, or undefined when this build has none. */
export function oracleFor(kind: OracleSpec['kind']): Oracle | undefined {
  return ORACLES[kind];
}

/** Registers an oracle kind (the browser oracle registers itself where Playwright is available). */
export function registerOracle(oracle: Oracle): void {
  ORACLES[oracle.kind] = oracle;
}
