/**
 * The `command` oracle, baton's escape hatch: run any command in the oracle
 * sandbox and take the JSON object of numbers on its last stdout line as
 * metrics `<oracle id>.<key>`.
 */
import type { Measurement, MeasureContext, Oracle } from '../../src/oracles/types.js';
import type { CommandOracleSpec } from '../../src/spec/schema.js';
import { baseMeasurement, execProblem, inOracleSandbox, tail, unsuccessful } from './oracle-sandbox.js';
import { parseMetricsLine } from './parse-metrics.js';

/** Measures by running `run` once and reading its last stdout line. */
export const commandOracle: Oracle = {
  kind: 'command',
  measure(ctx: MeasureContext): Promise<Measurement> {
    const spec = ctx.oracle as CommandOracleSpec;
    return inOracleSandbox(ctx, async (sandbox, deadline, startedAt) => {
      const timeoutMs = deadline.remainingMs();
      const r = await sandbox.exec(spec.run, { timeoutMs });
      const details: Record<string, unknown> = {
        exitCode: r.exitCode,
        stdoutTail: tail(r.stdout, 2000),
        stderrTail: tail(r.stderr, 2000),
        commandMs: r.durationMs,
      };
      const problem = execProblem(r, 'the command', { timeoutMs });
      if (problem) return unsuccessful(ctx, startedAt, problem.status, problem.reason, details);
      const parsed = parseMetricsLine(r.stdout);
      if (!parsed.ok) {
        return unsuccessful(ctx, startedAt, 'failed', `command oracle ${spec.id}: ${parsed.reason}`, { ...details, lastLine: parsed.line });
      }
      const metrics = Object.fromEntries(Object.entries(parsed.values).map(([k, v]) => [`${spec.id}.${k}`, v]));
      return { ...baseMeasurement(ctx, startedAt), status: 'ok', metrics, details: { ...details, lastLine: parsed.line } };
    });
  },
};
