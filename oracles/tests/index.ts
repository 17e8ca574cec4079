/** The `tests` oracle kind. */
export { testsOracle, parseReport, MAX_REPORT_BYTES } from './oracle.js';
export { parseJUnit } from './junit.js';
export { parseTap } from './tap.js';
export { countTests, flippedTests, type TestFlip, type TestCounts, type TestResult, type TestStatus, type ParsedReport } from './results.js';
