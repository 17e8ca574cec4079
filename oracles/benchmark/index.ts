/** The `benchmark` oracle kind and its statistics. */
export { benchmarkOracle, createBenchmarkOracle, cpuSeconds, jsonSeconds, JSON_TIME_SOURCE, type BenchmarkOracleOptions } from './oracle.js';
export { compareSamples, type CompareOptions, type Comparison, type ComparisonVerdict } from './compare.js';
export { mannWhitneyU, type MannWhitneyResult } from './mann-whitney.js';
export {
  bootstrapCI,
  bootstrapMedianCI,
  bootstrapRatioCI,
  iqr,
  mean,
  median,
  quantile,
  stdev,
  summarize,
  tukeyOutliers,
  type BootstrapOptions,
  type SampleSummary,
} from './stats.js';
export { mulberry32 } from './prng.js';
export { comparableStdout, compareOutputs, outputDigests, type FileOutput, type OutputSelection, type RunOutput } from './output-compare.js';
export { readOutputFile, MAX_OUTPUT_FILE_BYTES } from './output-read.js';
