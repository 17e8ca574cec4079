/**
 * The `browser` oracle kind: serves the candidate's app in the oracle
 * sandbox and runs the experiment's Playwright tests against it.
 */
import { defineOracleKind } from '../../src/oracles/descriptor.js';
import { BROWSER_IMAGE } from '../../src/sandbox/images/names.js';
import type { BrowserOracleSpec } from '../../src/spec/schema.js';
import { BrowserOracleSpec as BrowserOracleSpecSchema } from './schema.js';
import { TEST_STATS } from '../tests/descriptor.js';
import { failingTestIds } from '../tests/details.js';
import { testsCharts, testsSections } from '../tests/report.js';

export const browserKind = defineOracleKind<BrowserOracleSpec>({
  kind: 'browser',
  schema: BrowserOracleSpecSchema,
  metrics: (o) => TEST_STATS.map((s) => ({ oracle: o.id, parts: [s] })),
  referencedFiles: (o) => [{ path: o.tests, key: ['tests'], type: 'folder' }],
  images: () => [BROWSER_IMAGE],
  charts: testsCharts,
  sections: testsSections,
  judgeFacts: (details) => ({ failingTests: failingTestIds(details) }),
  load: async () => (await import('./index.js')).browserOracle,
});
