/**
 * The `tests` oracle: run a suite in the oracle sandbox, read the JUnit XML
 * or TAP report it wrote under $BATON_OUT on the host, and report
 * passed/failed/errors/skipped/total/pass_rate plus every test's status.
 * A suite that ran nothing, or whose report is missing or malformed, is a
 * failed measurement: absence of evidence is never a pass.
 */
import { rmSync } from 'node:fs';
import type { Measurement, MeasureContext, Oracle } from '../../src/oracles/types.js';
import type { TestsOracleSpec } from '../../src/spec/schema.js';
import { baseMeasurement, execProblem, inOracleSandbox, tail, unsuccessful } from '../command/oracle-sandbox.js';
import { parseJUnit } from './junit.js';
import { countTests, type ParsedReport } from './results.js';
import { parseTap } from './tap.js';
import { insideDir, readReportFile } from './read-report.js';

/** Parses report text in the given format. */
export function parseReport(text: string, format: TestsOracleSpec['format']): ParsedReport {
  return format === 'tap' ? parseTap(text) : parseJUnit(text);
}

/** Measures by running the suite once and parsing its report. */
export const testsOracle: Oracle = {
  kind: 'tests',
  measure(ctx: MeasureContext): Promise<Measurement> {
    const spec = ctx.oracle as TestsOracleSpec;
    return inOracleSandbox(ctx, async (sandbox, deadline, startedAt) => {
      const file = insideDir(ctx.outDir, spec.report);
      if (file === undefined) {
        return unsuccessful(ctx, startedAt, 'error', `tests oracle ${spec.id}: report ${JSON.stringify(spec.report)} must be a file inside $BATON_OUT`);
      }
      // A report left by an earlier run must never be read as this run's.
      rmSync(file, { force: true, recursive: true });
      const timeoutMs = deadline.remainingMs();
      const r = await sandbox.exec(spec.run, { timeoutMs });
      const details: Record<string, unknown> = {
        format: spec.format,
        report: spec.report,
        exitCode: r.exitCode,
        stdoutTail: tail(r.stdout, 2000),
        stderrTail: tail(r.stderr, 2000),
        commandMs: r.durationMs,
      };
      // Failing tests exit non-zero; that is a result, not a broken measurement.
      const problem = execProblem(r, 'the test suite', { timeoutMs, allowNonZeroExit: true });
      if (problem) return unsuccessful(ctx, startedAt, problem.status, problem.reason, details);

      const fail = (reason: string, more: Record<string, unknown> = {}) =>
        unsuccessful(ctx, startedAt, 'failed', `tests oracle ${spec.id}: ${reason}`, { ...details, ...more });
      const read = readReportFile(ctx.outDir, file, `$BATON_OUT/${spec.report}`);
      if (!read.ok && read.missing) {
        return fail(`the suite wrote no report at $BATON_OUT/${spec.report} (exit code ${r.exitCode})${r.stderr.trim() ? `; stderr: ${tail(r.stderr, 400)}` : ''}`);
      }
      if (!read.ok) return fail(read.reason);
      const parsed = parseReport(read.text, spec.format);
      if (!parsed.ok) return fail(`$BATON_OUT/${spec.report}: ${parsed.reason}`);

      const counts = countTests(parsed.tests);
      const withTests = { ...details, tests: parsed.tests };
      if (counts.total === 0) return fail(`the suite ran zero tests (report $BATON_OUT/${spec.report})`, withTests);
      if (counts.passed + counts.failed + counts.errors === 0) {
        return fail(`all ${counts.total} tests were skipped; none ran`, withTests);
      }
      if (r.exitCode !== 0 && counts.failed + counts.errors === 0) {
        return fail(
          `the suite exited with code ${r.exitCode} although every reported test passed; the report may be incomplete${r.stderr.trim() ? `; stderr: ${tail(r.stderr, 400)}` : ''}`,
          withTests,
        );
      }
      const metrics = Object.fromEntries(Object.entries(counts).map(([k, v]) => [`${spec.id}.${k}`, v]));
      return { ...baseMeasurement(ctx, startedAt), status: 'ok', metrics, details: withTests };
    });
  },
};
