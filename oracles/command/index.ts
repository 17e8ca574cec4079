/** The `command` oracle kind. */
export { commandOracle } from './oracle.js';
export { parseMetricsLine, type ParsedMetrics } from './parse-metrics.js';
