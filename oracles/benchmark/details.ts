/**
 * What a benchmark measurement's details hold that the judge and the report
 * read back from the ledger: the candidate's timed samples and the
 * comparison with the best kept commit. The ledger stores details as plain
 * JSON, so they are parsed here, by the kind that wrote them, not cast.
 */

/** The comparison with the best kept commit, as the report and the judge read it. */
export interface BenchmarkComparison {
  verdict: string;
  pValue?: number;
  ci?: [number, number];
}

/** The parts of a benchmark measurement's details that others read. */
export interface BenchmarkDetails {
  /** The candidate's timed samples, in seconds (finite numbers only). */
  samples?: number[];
  comparison?: BenchmarkComparison;
}

/** Reads a benchmark measurement's details; what is missing or malformed is left out. */
export function benchmarkDetails(details: Record<string, unknown> | undefined): BenchmarkDetails {
  const raw = details?.samples;
  const samples = Array.isArray(raw) ? raw.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)) : undefined;
  const c = details?.comparison;
  const comparison = c && typeof c === 'object' && typeof (c as { verdict?: unknown }).verdict === 'string' ? (c as BenchmarkComparison) : undefined;
  return { samples, comparison };
}

/** The comparison's verdict when it is one the judge knows. */
export function comparisonVerdict(details: Record<string, unknown> | undefined): 'improved' | 'regressed' | '~' | undefined {
  const v = benchmarkDetails(details).comparison?.verdict;
  return v === 'improved' || v === 'regressed' || v === '~' ? v : undefined;
}
