/** The `tests` oracle kind. */
export { testsOracle, parseReport } from './oracle.js';
export { MAX_REPORT_BYTES, readReportFile } from './read-report.js';
export { parseJUnit } from './junit.js';
export { parseTap } from './tap.js';
export { countTests, flippedTests, type TestFlip, type TestCounts, type TestResult, type TestStatus, type ParsedReport } from './results.js';
