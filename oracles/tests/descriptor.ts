/**
 * The `tests` oracle kind: runs a test suite in the oracle sandbox and reads
 * its JUnit or TAP report.
 */
import { defineOracleKind } from '../../src/oracles/descriptor.js';
import type { TestsOracleSpec } from '../../src/spec/schema.js';
import { TestsOracleSpec as TestsOracleSpecSchema } from './schema.js';
import { failingTestIds, missingTestCount } from './details.js';
import { TEST_RUNNER_FILES } from './protected.js';
import { testsCharts, testsSections } from './report.js';

/** Metrics of the tests and browser oracles. */
export const TEST_STATS = ['passed', 'failed', 'errors', 'skipped', 'total', 'pass_rate'] as const;

export const testsKind = defineOracleKind<TestsOracleSpec>({
  kind: 'tests',
  schema: TestsOracleSpecSchema,
  metrics: (o) => TEST_STATS.map((s) => ({ oracle: o.id, parts: [s] })),
  protectedGlobs: () => TEST_RUNNER_FILES,
  protectedReason: 'tests oracle: test-runner configuration and shadowing files',
  charts: testsCharts,
  sections: testsSections,
  judgeFacts: (details) => ({ missingTests: missingTestCount(details), failingTests: failingTestIds(details) }),
  load: async () => (await import('./index.js')).testsOracle,
});
