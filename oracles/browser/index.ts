/** The `browser` oracle kind. */
export { browserOracle } from './oracle.js';
export { parsePlaywrightReport, hitGlobalTimeout, type BrowserTest, type ParsedPlaywrightReport } from './report.js';
export { judgeRun, type RunVerdict } from './verdict.js';
export { readSuite, MAX_SUITE_BYTES, MAX_SUITE_FILES } from './suite.js';
export { selectScreenshots, writeScreenshots, MAX_SCREENSHOTS } from './screenshots.js';
