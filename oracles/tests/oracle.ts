/**
 * The `tests` oracle: run a suite in the oracle sandbox, read the JUnit XML
 * or TAP report it wrote under $BATON_OUT on the host, and report
 * passed/failed/errors/skipped/total/pass_rate plus every test's status.
 * A suite that ran nothing, or whose report is missing or malformed, is a
 * failed measurement: absence of evidence is never a pass.
 *
 * The suite and its runner are candidate code. Two things here keep a
 * candidate from making tests disappear or forging the runner without
 * touching a protected file: a test that ran in the baseline but is absent
 * or skipped now counts as failing (and is named), and Python starts with a
 * safe path, so `python3 -m pytest` imports pytest, not a workspace
 * pytest.py (or any other module of the workspace's top folder).
 */
import { rmSync } from 'node:fs';
import type { Measurement, MeasureContext, Oracle } from '../../src/oracles/types.js';
import type { TestsOracleSpec } from '../../src/spec/schema.js';
import { baseMeasurement, execProblem, inOracleSandbox, tail, unsuccessful } from '../command/oracle-sandbox.js';
import { parseJUnit } from './junit.js';
import { countMissingAsFailing, countTests, missingTests, testsOfDetails, type MissingTest, type ParsedReport } from './results.js';
import { parseTap } from './tap.js';
import { insideDir, readReportFile } from './read-report.js';

/** Parses report text in the given format. */
export function parseReport(text: string, format: TestsOracleSpec['format']): ParsedReport {
  return format === 'tap' ? parseTap(text) : parseJUnit(text);
}

/**
 * Environment of the suite: Python leaves the current folder and the
 * script's folder off sys.path (3.11+), ignores user site-packages, and
 * writes no .pyc files into the read-only snapshot.
 */
export const SAFE_PYTHON_ENV: Readonly<Record<string, string>> = {
  PYTHONSAFEPATH: '1',
  PYTHONNOUSERSITE: '1',
  PYTHONDONTWRITEBYTECODE: '1',
};

/** Why a measurement with missing tests fails them, in words for the report and the next session. */
export function missingReason(id: string, missing: readonly MissingTest[]): string {
  const shown = missing.slice(0, 10).map((m) => `${m.id} (${m.now === 'absent' ? 'absent' : 'skipped'})`);
  const more = missing.length > shown.length ? ` and ${missing.length - shown.length} more` : '';
  return `tests oracle ${id}: ${missing.length} test${missing.length === 1 ? '' : 's'} that ran in the baseline did not run and count${missing.length === 1 ? 's' : ''} as failing: ${shown.join(', ')}${more}`;
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
      const r = await sandbox.exec(spec.run, { timeoutMs, env: { ...SAFE_PYTHON_ENV } });
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
        return fail(
          `the suite wrote no report at $BATON_OUT/${spec.report} (exit code ${r.exitCode})${r.stderr.trim() ? `; stderr: ${tail(r.stderr, 400)}` : ''}`,
        );
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
      // Deselected, skipped or deleted since the baseline: failing, not gone.
      const baseline = testsOfDetails(ctx.baselineDetails);
      const missing = baseline ? missingTests(baseline, parsed.tests) : [];
      const judged = countMissingAsFailing(parsed.tests, missing);
      const metrics = Object.fromEntries(Object.entries({ ...countTests(judged), missing: missing.length }).map(([k, v]) => [`${spec.id}.${k}`, v]));
      return {
        ...baseMeasurement(ctx, startedAt),
        status: 'ok',
        metrics,
        ...(missing.length ? { reason: missingReason(spec.id, missing) } : {}),
        details: { ...details, tests: judged, missing, comparedWithBaseline: baseline !== undefined },
      };
    });
  },
};
