/** The `table` oracle kind: readers, the pure comparison, and the Oracle. */
export { tableOracle } from './oracle.js';
export { compareTables, type CompareOptions, type ErrorSeries, type TableComparison } from './compare.js';
export { readTable, type ReadTableOptions } from './read.js';
export { align, interpolateAt, sameX, type AlignmentFacts, type Interpolation } from './align.js';
export { ColumnAccumulator, DEFAULT_MAX_SERIES_POINTS, type ColumnStats, type SeriesPoint } from './stats.js';
export { compileRowExpression, type RowFunction } from './normalize.js';
export { formatOf, lineOfRow, resolveColumn, type Table, type TableFormat, type TableHeader } from './table.js';
export { coverageProblem, type CoverageProblem } from './coverage.js';
