/**
 * What a finished Playwright run means: ok with TEST_STATS, or failed /
 * timeout with the reason. Pure. Zero tests, only skipped tests, errors of
 * the run itself, or an exit code the report does not explain are never a
 * pass.
 */
import type { MeasurementStatus } from '../../src/oracles/types.js';
import { countTests, type TestCounts, type TestResult } from '../tests/results.js';
import { hitGlobalTimeout, type BrowserTest } from './report.js';

export type RunVerdict =
  | { status: 'ok'; tests: TestResult[]; counts: TestCounts }
  | { status: Exclude<MeasurementStatus, 'ok'>; reason: string; tests: TestResult[] };

/** Per-test results without the sandbox paths of their screenshots. */
export function plainTests(tests: readonly BrowserTest[]): TestResult[] {
  return tests.map(({ screenshots: _, ...t }) => t);
}

/** Judges a run from its exit code and its parsed report (`errors`: the run's own errors, first lines). */
export function judgeRun(exitCode: number, parsed: { tests: BrowserTest[]; errors: string[] }, outputTail: string): RunVerdict {
  const tests = plainTests(parsed.tests);
  const counts = countTests(tests);
  const firstError = parsed.errors[0];
  const tail = outputTail.trim() ? `; output: ${outputTail}` : '';
  if (hitGlobalTimeout(parsed.errors)) {
    return {
      status: 'timeout',
      reason: `the Playwright run did not finish within the oracle's timeout (${firstError}); ${counts.passed} of ${counts.total} tests passed before it was stopped`,
      tests,
    };
  }
  if (counts.total === 0) {
    return { status: 'failed', reason: `the Playwright run found zero tests${firstError ? `: ${firstError}` : ''}`, tests };
  }
  if (parsed.errors.length > 0) {
    const more = parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more errors)` : '';
    return { status: 'failed', reason: `the Playwright run reported an error outside the tests: ${firstError}${more}`, tests };
  }
  if (counts.passed + counts.failed + counts.errors === 0) {
    return { status: 'failed', reason: `all ${counts.total} tests were skipped; none ran`, tests };
  }
  if (exitCode !== 0 && counts.failed + counts.errors === 0) {
    return {
      status: 'failed',
      reason: `Playwright exited with code ${exitCode} although every reported test passed; the report may be incomplete${tail}`,
      tests,
    };
  }
  if (exitCode === 0 && counts.failed + counts.errors > 0) {
    return {
      status: 'failed',
      reason: `Playwright exited with code 0 although ${counts.failed + counts.errors} tests did not pass; the report cannot be trusted`,
      tests,
    };
  }
  return { status: 'ok', tests, counts };
}
