/**
 * The `command` oracle, baton's escape hatch: run any command in the oracle
 * sandbox and take the JSON object of numbers on the last stdout line of
 * the evaluating process as metrics `<oracle id>.<key>`.
 *
 * Two forms (security audit, issue 12):
 *  - `run` + `evaluate`, the safe one. `run` is the candidate phase: it runs
 *    as the sandbox's user in /workspace and writes its outputs to
 *    $BATON_OUT. Then every process of that user is killed. Then `evaluate`
 *    runs as another user (root, without capabilities, no-new-privileges) in
 *    a root-only copy of oracle/ that it received over stdin before any
 *    candidate code ran ($BATON_ORACLE, see private-oracle.ts). Only its
 *    stdout carries metrics. So candidate code can neither read the oracle's
 *    files, nor change them, nor print the metrics line, nor outlive its
 *    phase. oracle/ is not mounted at all.
 *  - `run` alone, kept for compatibility: one process runs the candidate and
 *    prints the metrics, so a candidate it imports can print a forged line
 *    and exit. oracle/ stays mounted at /baton/oracle, readable. The
 *    measurement says `metricsFrom: candidate-controlled process` and
 *    `baton check` warns.
 * What `evaluate` must still do itself: treat $BATON_OUT and /workspace as
 * hostile data (never import or execute them: root would run candidate
 * code), and read outputs it needs rather than trusting their names. It
 * cannot write $BATON_OUT (not its uid's); its scratch space is $TMPDIR.
 * The local sandbox cannot run a command as another user, so there the
 * two-phase form refuses to measure (status error).
 */
import type { Measurement, MeasureContext, Oracle } from '../../src/oracles/types.js';
import type { SandboxHandle } from '../../src/sandbox/types.js';
import type { CommandOracleSpec } from '../../src/spec/schema.js';
import { baseMeasurement, type Deadline, SANDBOX_PATHS, execProblem, inOracleSandbox, tail, unsuccessful } from './oracle-sandbox.js';
import { describeFindings, hostileEntries } from './link-check.js';
import { parseMetricsLine } from './parse-metrics.js';
import { EVALUATOR_USER, INSTALL_SCRIPT, SURVIVORS_EXIT, evaluatorEnv, killScript, mainPids, packOracleDir, privatePaths } from './private-oracle.js';

/** What the one-command form's metrics are, in details and the report. */
export const CANDIDATE_CONTROLLED = 'candidate-controlled process';
/** Bound of the installer and the kill step. */
const STEP_MS = 60_000;

/** Measures by running `run` (and then `evaluate`) and reading the last stdout line of the evaluating process. */
export const commandOracle: Oracle = {
  kind: 'command',
  measure(ctx: MeasureContext): Promise<Measurement> {
    const spec = ctx.oracle as CommandOracleSpec;
    if (spec.evaluate === undefined) {
      return inOracleSandbox(ctx, (sandbox, deadline, startedAt) => measureOneCommand(ctx, spec, sandbox, deadline, startedAt), {
        oracleReadableByCandidate: true,
      });
    }
    return inOracleSandbox(ctx, (sandbox, deadline, startedAt) => measureTwoPhase(ctx, spec, spec.evaluate!, sandbox, deadline, startedAt), {
      oracleReadableByCandidate: false,
    });
  },
};

function metricsOf(
  ctx: MeasureContext,
  spec: CommandOracleSpec,
  stdout: string,
  details: Record<string, unknown>,
  startedAt: number,
  what: string,
): Measurement {
  const parsed = parseMetricsLine(stdout);
  if (!parsed.ok) {
    return unsuccessful(ctx, startedAt, 'failed', `command oracle ${spec.id}: ${what}${parsed.reason}`, { ...details, lastLine: parsed.line });
  }
  const metrics = Object.fromEntries(Object.entries(parsed.values).map(([k, v]) => [`${spec.id}.${k}`, v]));
  return { ...baseMeasurement(ctx, startedAt), status: 'ok', metrics, details: { ...details, lastLine: parsed.line } };
}

async function measureOneCommand(
  ctx: MeasureContext,
  spec: CommandOracleSpec,
  sandbox: SandboxHandle,
  deadline: Deadline,
  startedAt: number,
): Promise<Measurement> {
  const timeoutMs = deadline.remainingMs();
  const r = await sandbox.exec(spec.run, { timeoutMs });
  const details: Record<string, unknown> = {
    metricsFrom: CANDIDATE_CONTROLLED,
    exitCode: r.exitCode,
    stdoutTail: tail(r.stdout, 2000),
    stderrTail: tail(r.stderr, 2000),
    commandMs: r.durationMs,
  };
  const problem = execProblem(r, 'the command', { timeoutMs });
  if (problem) return unsuccessful(ctx, startedAt, problem.status, problem.reason, details);
  return metricsOf(ctx, spec, r.stdout, details, startedAt, '');
}

async function measureTwoPhase(
  ctx: MeasureContext,
  spec: CommandOracleSpec,
  evaluate: string,
  sandbox: SandboxHandle,
  deadline: Deadline,
  startedAt: number,
): Promise<Measurement> {
  const details: Record<string, unknown> = { metricsFrom: 'evaluate' };
  const stop = (status: 'failed' | 'timeout' | 'error', reason: string) =>
    unsuccessful(ctx, startedAt, status, `command oracle ${spec.id}: ${reason}`, details);
  if (!sandbox.execAsUser) {
    return stop('error', `\`evaluate\` needs a sandbox that can run it as another user than the candidate (docker); the ${sandbox.kind} sandbox cannot`);
  }
  const packed = await packOracleDir(ctx.experimentDir);
  if (!packed.ok) return stop('error', packed.reason);
  // Links evaluate (root) could be led through into its own files: refused before anything runs.
  const linked = [
    ...hostileEntries(ctx.snapshotDir, SANDBOX_PATHS.workspace),
    ...(ctx.bestSnapshotDir !== undefined ? hostileEntries(ctx.bestSnapshotDir, SANDBOX_PATHS.best) : []),
  ];
  if (linked.length) return stop('failed', `the candidate's tree holds links evaluate must not follow: ${describeFindings(linked)}`);

  // 1. oracle/ into a root-only folder, before any candidate code runs.
  const p = privatePaths();
  const env = evaluatorEnv(p);
  const install = await sandbox.exec(INSTALL_SCRIPT, {
    timeoutMs: Math.min(STEP_MS, deadline.remainingMs()),
    user: EVALUATOR_USER,
    cwd: '/',
    stdin: packed.base64,
    env: { ...env, BATON_PRIVATE: p.root, BATON_HAS_ORACLE: packed.bytes > 0 ? '1' : '0' },
  });
  const main = mainPids(install.stdout);
  if (install.exitCode !== 0 || !/^installed$/m.test(install.stdout)) {
    return stop(
      install.timedOut ? 'timeout' : 'error',
      `could not install oracle/ in the sandbox: ${install.cause ?? tail(install.stderr || install.stdout, 600)}`,
    );
  }

  // 2. The candidate phase, as the sandbox user; part of the time is kept for evaluate.
  const reserve = Math.min(30_000, deadline.totalMs * 0.25);
  const runMs = Math.max(1000, deadline.remainingMs() - reserve);
  const r = await sandbox.exec(spec.run, { timeoutMs: runMs });
  details.run = { exitCode: r.exitCode, stdoutTail: tail(r.stdout, 2000), stderrTail: tail(r.stderr, 2000), durationMs: r.durationMs };
  const problem = execProblem(r, 'the run command', { timeoutMs: runMs });
  if (problem) return stop(problem.status, problem.reason);

  // 3. Nothing of the candidate's outlives its phase.
  const kill = await sandbox.exec(killScript(main), { timeoutMs: STEP_MS });
  details.kill = { exitCode: kill.exitCode, output: tail(kill.stdout + kill.stderr, 400), durationMs: kill.durationMs, spared: main };
  if (kill.exitCode !== 0) {
    const why = kill.exitCode === SURVIVORS_EXIT ? 'processes of the run command survived every attempt to kill them' : (kill.cause ?? tail(kill.stderr, 600));
    return stop(kill.sandboxDied ? 'error' : 'failed', `could not end the candidate's processes before evaluating: ${why}`);
  }

  // What the run left in $BATON_OUT is read by root: plain files and folders only (checked now that no candidate process is left).
  const leftovers = hostileEntries(ctx.outDir, SANDBOX_PATHS.out, { plainOnly: true });
  if (leftovers.length) return stop('failed', `the run command left entries evaluate must not read in $BATON_OUT: ${describeFindings(leftovers)}`);
  // And in the sandbox itself: where $BATON_OUT is a copy on the host (a remote engine), the host's copy left out
  // what copyOut refuses (links leading outside, FIFOs), which evaluate would still meet in the sandbox. A folder
  // find cannot list (root without capabilities cannot read a 0111 folder, and evaluate can still pass through it)
  // fails the check with find's own error: nothing unread is trusted (red team of issue 17: it was met).
  const inside = await sandbox.exec(`set -o pipefail; find ${SANDBOX_PATHS.out} -mindepth 1 ! -type d ! -type f -printf '%p (%y)\\n' 2>&1 | head -n 20`, {
    timeoutMs: STEP_MS,
    user: EVALUATOR_USER,
    cwd: '/',
  });
  const found = inside.stdout.trim();
  if (found !== '' || inside.exitCode !== 0) {
    const what = found ? found.split('\n').join(', ') : (inside.cause ?? tail(inside.stderr, 600));
    return stop('failed', `the run command left entries evaluate must not read in $BATON_OUT: ${what} (l: a link, p: a FIFO, s: a socket)`);
  }

  // 4. The evaluation, as root, in the private copy of oracle/; its stdout is the only metrics channel.
  if (deadline.remainingMs() < 1000) return stop('timeout', `the oracle's ${spec.timeout} timeout ran out before evaluate`);
  const timeoutMs = deadline.remainingMs();
  const e = await sandbox.exec(evaluate, { timeoutMs, user: EVALUATOR_USER, cwd: p.oracle, env });
  details.exitCode = e.exitCode;
  details.stdoutTail = tail(e.stdout, 2000);
  details.stderrTail = tail(e.stderr, 2000);
  details.commandMs = e.durationMs;
  const evalProblem = execProblem(e, 'the evaluate command', { timeoutMs });
  if (evalProblem) return stop(evalProblem.status, evalProblem.reason);
  return metricsOf(ctx, spec, e.stdout, details, startedAt, 'evaluate: ');
}
