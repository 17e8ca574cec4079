/**
 * The `browser` oracle: in one fresh oracle sandbox (image baton-browser,
 * the snapshot read-only at /workspace, $BATON_OUT writable) it runs the
 * optional `setup`, starts `serve` in the background, waits for its port,
 * runs the experiment's Playwright tests in headless Debian Chromium against
 * http://127.0.0.1:<port>, and reports TEST_STATS, every test's status and
 * screenshots (one per test: the failure, or the final page).
 *
 * Who can see the tests. They are oracle files: the candidate's server must
 * neither read nor change them, or it could serve exactly what they expect.
 * A read-only mount stops changes, not reading, and file modes on the host
 * cannot help when the harness runs as the very user the sandbox runs as.
 * So the tests are never mounted. Two users share the container:
 *  - the candidate (`setup`, `serve`) runs as the sandbox's own unprivileged
 *    user, as in every other sandbox;
 *  - the trusted side (installing the tests, Playwright, Chromium, reading
 *    the report and screenshots) runs as root through ExecOptions.user,
 *    still with every capability dropped and no-new-privileges, so root is
 *    just another uid that owns its own files.
 * Before any candidate code runs, root receives the tests over stdin and
 * writes them into a 0700 folder under /tmp with a random name, together
 * with the config, package.json, tsconfig.json and node_modules that end
 * every upward lookup there, and claims /tmp/node_modules (see runner.ts).
 * The report and the screenshots stay in that folder and leave through the
 * stdout of root's execs, never through $BATON_OUT, where the candidate's
 * still running server could rewrite them. The experiment's oracle/ folder
 * is not mounted either. What remains: the candidate's pages run in a
 * Chromium without its own sandbox (no user namespaces here), so a renderer
 * exploit would reach root's files; and a server can always deny service
 * (fill /tmp, exhaust pids), which fails the measurement, never passes it.
 * The local sandbox cannot run a command as another user, so there this
 * oracle refuses to measure (status error) rather than expose the tests.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describeError } from '../../src/errors.js';
import type { Measurement, MeasureContext, Oracle } from '../../src/oracles/types.js';
import { BROWSER_IMAGE } from '../../src/sandbox/images/names.js';
import type { ExecResult, SandboxHandle } from '../../src/sandbox/types.js';
import type { BrowserOracleSpec } from '../../src/spec/schema.js';
import { parseDuration } from '../../src/spec/units.js';
import { Deadline, SANDBOX_PATHS, baseMeasurement, execProblem, oracleEnv, tail, unsuccessful } from '../command/oracle-sandbox.js';
import { MAX_REPORT_BYTES } from '../tests/read-report.js';
import { parsePlaywrightReport } from './report.js';
import {
  INSTALL_SCRIPT,
  LAUNCH_COMMAND,
  PROBE_SERVER_GONE,
  REPORT_MISSING,
  RUNNER_USER,
  SCREENSHOTS_SCRIPT,
  SERVE_LOG,
  playwrightConfig,
  probeCommand,
  readReportCommand,
  runCommand,
  runnerEnv,
  runnerPaths,
} from './runner.js';
import { MAX_SCREENSHOT_BYTES, selectScreenshots, writeScreenshots } from './screenshots.js';
import { readSuite, type SuiteFile } from './suite.js';
import { judgeRun } from './verdict.js';

/** Kept back from the run's timeout for reading the report and screenshots. */
const COLLECT_RESERVE_MS = 15_000;
/** Bound of each short step (install, launch, reading files). */
const STEP_MS = 60_000;

/** Measures by serving the snapshot and running the Playwright suite against it. */
export const browserOracle: Oracle = {
  kind: 'browser',
  async measure(ctx: MeasureContext): Promise<Measurement> {
    const spec = ctx.oracle as BrowserOracleSpec;
    const startedAt = Date.now();
    const deadline = new Deadline(parseDuration(spec.timeout));
    if (ctx.signal?.aborted) return unsuccessful(ctx, startedAt, 'error', 'interrupted before the measurement started');
    const suite = readSuite(path.resolve(ctx.experimentDir, spec.tests), spec.tests);
    if (!suite.ok) return unsuccessful(ctx, startedAt, 'error', `browser oracle ${spec.id}: ${suite.reason}`);
    let sandbox: SandboxHandle;
    try {
      sandbox = await ctx.startSandbox({
        image: BROWSER_IMAGE,
        // Only the snapshot and the scratch folder: not oracle/, which holds the tests.
        mounts: [
          { hostPath: ctx.snapshotDir, containerPath: SANDBOX_PATHS.workspace, readOnly: true },
          { hostPath: ctx.outDir, containerPath: SANDBOX_PATHS.out, readOnly: false },
        ],
        env: oracleEnv({ ...ctx, bestSnapshotDir: undefined }),
        workdir: SANDBOX_PATHS.workspace,
      });
    } catch (e) {
      return unsuccessful(ctx, startedAt, 'error', `could not start the browser oracle's sandbox: ${describeError(e)}`);
    }
    // An interrupted run removes the sandbox at once; the running step then ends as a dead sandbox.
    const onAbort = () => void sandbox.stop().catch(() => undefined);
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const m = await measureIn(ctx, spec, sandbox, deadline, startedAt, suite.files);
      return ctx.signal?.aborted ? unsuccessful(ctx, startedAt, 'error', `browser oracle ${spec.id}: interrupted`, m.details) : m;
    } catch (e) {
      return unsuccessful(ctx, startedAt, 'error', `oracle ${spec.id} crashed: ${describeError(e)}`);
    } finally {
      ctx.signal?.removeEventListener('abort', onAbort);
      await sandbox.stop().catch(() => undefined);
    }
  },
};

async function measureIn(
  ctx: MeasureContext,
  spec: BrowserOracleSpec,
  sandbox: SandboxHandle,
  deadline: Deadline,
  startedAt: number,
  files: SuiteFile[],
): Promise<Measurement> {
  const details: Record<string, unknown> = {};
  const stop = (status: 'failed' | 'timeout' | 'error', reason: string) =>
    unsuccessful(ctx, startedAt, status, `browser oracle ${spec.id}: ${reason}`, details);
  const root = `/tmp/baton-e2e-${randomBytes(8).toString('hex')}`;
  const p = runnerPaths(root);
  const asRunner = (command: string, timeoutMs: number, more: { stdin?: string; env?: Record<string, string>; maxOutputBytes?: number } = {}) =>
    sandbox.exec(command, { timeoutMs, user: RUNNER_USER, cwd: root, ...more, env: { ...runnerEnv(root), ...more.env } });

  // 1. The tests, root-only, before any candidate code runs.
  const config = playwrightConfig({ root, port: spec.port });
  const install = await sandbox.exec('node -e "$BATON_SCRIPT"', {
    timeoutMs: Math.min(STEP_MS, deadline.remainingMs()),
    user: RUNNER_USER,
    cwd: '/',
    stdin: JSON.stringify({ files, config }),
    env: { ...runnerEnv(root), BATON_SCRIPT: INSTALL_SCRIPT },
  });
  if (install.exitCode !== 0) {
    const why = install.cause ?? tail(install.stderr || install.stdout, 600);
    return stop(install.timedOut ? 'timeout' : 'error', `could not install the tests in the sandbox: ${why}`);
  }

  // `timeout 0` would mean no limit at all inside the sandbox: a spent deadline stops here instead.
  const spent = (before: string) =>
    deadline.remainingMs() < 1000 ? stop('timeout', `the oracle's ${spec.timeout} timeout ran out before ${before}`) : undefined;

  // 2. setup, as the candidate.
  if (spec.setup !== undefined) {
    const over = spent('the setup command');
    if (over) return over;
    const timeoutMs = deadline.remainingMs();
    const r = await sandbox.exec(spec.setup, { timeoutMs });
    details.setup = { exitCode: r.exitCode, durationMs: r.durationMs, stdoutTail: tail(r.stdout, 2000), stderrTail: tail(r.stderr, 2000) };
    const problem = execProblem(r, 'the setup command', { timeoutMs });
    if (problem) return stop(problem.status, problem.reason);
  }

  // 3. serve, as the candidate, detached; then its port.
  const launched = await sandbox.exec(LAUNCH_COMMAND, { timeoutMs: STEP_MS, env: { BATON_SERVE: spec.serve } });
  const pid = Number(launched.stdout.trim());
  if (launched.exitCode !== 0 || !Number.isInteger(pid) || pid <= 0) {
    return stop('error', `could not start the server \`${spec.serve}\`: ${launched.cause ?? tail(launched.stderr || launched.stdout, 600)}`);
  }
  const overBeforeServe = spent('the server listened');
  if (overBeforeServe) return overBeforeServe;
  const readyMs = parseDuration(spec.ready_timeout);
  const waitMs = Math.min(readyMs, deadline.remainingMs());
  const probe = await sandbox.exec(probeCommand(spec.port, pid), { timeoutMs: waitMs });
  details.serve = { command: spec.serve, port: spec.port, readyMs: probe.durationMs };
  if (probe.exitCode !== 0) {
    const log = await sandbox.exec(`tail -c 2000 ${SERVE_LOG}`, { timeoutMs: 10_000 });
    const output = tail(log.stdout, 1500);
    (details.serve as Record<string, unknown>).outputTail = output;
    const said = output ? `; its output ends with:\n${output}` : '; it printed nothing';
    if (probe.exitCode === PROBE_SERVER_GONE) {
      const code = probe.stdout.trim();
      return stop('failed', `the server \`${spec.serve}\` exited${code ? ` with code ${code}` : ''} before listening on port ${spec.port}${said}`);
    }
    if (probe.timedOut) {
      const byDeadline = waitMs < readyMs;
      const limit = `${Math.round(waitMs / 1000)} s`;
      return stop(
        byDeadline ? 'timeout' : 'failed',
        `the server \`${spec.serve}\` did not listen on 127.0.0.1:${spec.port} within ${limit}${byDeadline ? " (the oracle's timeout)" : ' (ready_timeout)'}${said}`,
      );
    }
    return stop('error', `could not wait for port ${spec.port}: ${probe.cause ?? tail(probe.stderr, 600)}`);
  }

  // 4. The suite, as root.
  const overBeforeRun = spent('the tests ran');
  if (overBeforeRun) return overBeforeRun;
  const timeoutMs = Math.max(1000, deadline.remainingMs() - COLLECT_RESERVE_MS);
  // Playwright stops first and still writes its report: a slow suite is a timeout with partial results.
  const globalTimeoutMs = timeoutMs - Math.min(10_000, timeoutMs * 0.2);
  const run = await asRunner(runCommand(root, globalTimeoutMs), timeoutMs);
  details.runner = { exitCode: run.exitCode, durationMs: run.durationMs, outputTail: tail(run.stdout + (run.stderr ? `\n${run.stderr}` : ''), 3000) };
  const problem = execProblem(run, 'the Playwright run', { timeoutMs, allowNonZeroExit: true });
  if (problem) return stop(problem.status, problem.reason);

  // 5. The report and the screenshots, out through root's stdout.
  const read = await asRunner(readReportCommand(root), STEP_MS, { maxOutputBytes: MAX_REPORT_BYTES });
  if (read.exitCode === REPORT_MISSING) {
    return stop('failed', `Playwright wrote no report (exit code ${run.exitCode}); output: ${tail(run.stdout + run.stderr, 800)}`);
  }
  if (read.exitCode !== 0) return stop('error', `could not read the Playwright report: ${read.cause ?? tail(read.stderr, 600)}`);
  if (read.outputTruncated) return stop('failed', `the Playwright report is over the ${MAX_REPORT_BYTES}-byte limit`);
  const parsed = parsePlaywrightReport(read.stdout);
  if (!parsed.ok) return stop('failed', parsed.reason);

  const verdict = judgeRun(run.exitCode as number, parsed, tail(run.stdout, 400));
  details.tests = verdict.tests;
  if (parsed.errors.length > 0) details.runErrors = parsed.errors.slice(0, 20);
  const artifacts = await copyScreenshots(ctx, parsed.tests, p.results, (cmd, stdin) =>
    asRunner(cmd, STEP_MS, { stdin, env: { BATON_SCRIPT: SCREENSHOTS_SCRIPT }, maxOutputBytes: Math.ceil(MAX_SCREENSHOT_BYTES * 1.4) + 65_536 }),
  );
  if (verdict.status !== 'ok') return { ...stop(verdict.status, verdict.reason), artifacts };
  const metrics = Object.fromEntries(Object.entries(verdict.counts).map(([k, v]) => [`${spec.id}.${k}`, v]));
  return { ...baseMeasurement(ctx, startedAt), status: 'ok', metrics, details, artifacts };
}

/** Copies the selected screenshots out of the sandbox into ctx.artifactDir; a failure here costs only the pictures. */
async function copyScreenshots(
  ctx: MeasureContext,
  tests: Parameters<typeof selectScreenshots>[0],
  resultsDir: string,
  exec: (command: string, stdin: string) => Promise<ExecResult>,
): Promise<Measurement['artifacts']> {
  const wanted = selectScreenshots(tests, resultsDir);
  if (wanted.length === 0) return [];
  const r = await exec('node -e "$BATON_SCRIPT"', JSON.stringify({ paths: wanted.map((w) => w.sandboxPath), maxBytes: MAX_SCREENSHOT_BYTES }));
  if (r.exitCode !== 0 || r.outputTruncated) return [];
  let files: unknown;
  try {
    files = JSON.parse(r.stdout);
  } catch {
    return [];
  }
  if (typeof files !== 'object' || files === null) return [];
  return writeScreenshots(ctx.artifactDir, wanted, files as Record<string, string>);
}
