/**
 * The `table` oracle: run the candidate's command in a fresh oracle sandbox
 * (workspace read-only, $BATON_OUT writable, no reference data visible),
 * stop the sandbox, then read the tables it wrote and the reference tables
 * on the host and compare them. Every failure is a Measurement with a
 * reason: `failed` when the candidate is at fault (bad exit, missing or
 * malformed table), `error` when the experiment is (missing reference,
 * unknown column, bad normalize), `timeout` when the command ran too long.
 */
import { mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeError, InputError } from '../../src/errors.js';
import type { Artifact, Measurement, MeasureContext, MeasurementStatus, Oracle } from '../../src/oracles/types.js';
import type { SandboxHandle } from '../../src/sandbox/types.js';
import type { TableOracleSpec, TableSpec } from '../../src/spec/schema.js';
import { parseDuration } from '../../src/spec/units.js';
import { seriesArtifactName, seriesArtifactPath, serializeSeries } from '../../src/report/series.js';
import { execProblem, tail } from '../command/oracle-sandbox.js';
import { compareTables, type TableComparison } from './compare.js';
import { coverageProblem } from './coverage.js';
import { readTable } from './read.js';

const WORKSPACE = '/workspace';
const OUT = '/baton/out';

type Outcome = { status: Exclude<MeasurementStatus, 'ok'>; reason: string };

/** Host path of a candidate file, or undefined when the spec's path leaves $BATON_OUT. */
function insideOut(outDir: string, rel: string): string | undefined {
  const full = path.resolve(outDir, rel);
  const r = path.relative(outDir, full);
  return r === '' || r.startsWith('..') || path.isAbsolute(r) ? undefined : full;
}

/** Whether `file` (after symlinks) is still inside `dir`: a candidate must not point the host at files of its choosing. */
async function staysInside(dir: string, file: string): Promise<boolean> {
  try {
    const [d, f] = await Promise.all([realpath(dir), realpath(file)]);
    const r = path.relative(d, f);
    return r !== '' && !r.startsWith('..') && !path.isAbsolute(r);
  } catch {
    return true; // missing: readTable reports it
  }
}

/** Who is at fault for an InputError raised while comparing one table. */
function statusOf(e: unknown, fallback: 'candidate' | 'reference'): Exclude<MeasurementStatus, 'ok' | 'timeout'> {
  if (!(e instanceof InputError)) return 'error';
  const side = e.context.side ?? fallback;
  return side === 'candidate' ? 'failed' : 'error';
}

/** Reads and compares one table; never throws. */
async function measureTable(
  ctx: MeasureContext,
  spec: TableOracleSpec,
  t: TableSpec,
  index: number,
): Promise<{ comparison?: TableComparison; problem?: Outcome }> {
  const where = `tables[${index}] (${t.name})`;
  const candPath = insideOut(ctx.outDir, t.candidate);
  if (candPath === undefined) {
    return { problem: { status: 'error', reason: `${where}: candidate ${JSON.stringify(t.candidate)} must be a file inside $BATON_OUT` } };
  }
  const candName = `$BATON_OUT/${t.candidate}`;
  if (!(await staysInside(ctx.outDir, candPath))) {
    return { problem: { status: 'failed', reason: `${candName} is a link leading out of $BATON_OUT; the candidate must write the table itself` } };
  }
  // Read both at once: large tables are parsed in worker threads, in parallel.
  const [refRead, candRead] = await Promise.allSettled([
    readTable(path.resolve(ctx.experimentDir, t.reference), t.format, { displayName: t.reference }),
    readTable(candPath, t.format, { displayName: candName }),
  ]);
  if (refRead.status === 'rejected') {
    return { problem: { status: 'error', reason: `reference table of ${where}: ${describeError(refRead.reason)}` } };
  }
  if (candRead.status === 'rejected') {
    const e = candRead.reason;
    const missing = e instanceof InputError && e.code === 'BATON_FILE_NOT_FOUND';
    const reason = missing ? `the command wrote no ${candName} (table ${t.name})` : `candidate table ${t.name}: ${describeError(e)}`;
    return { problem: { status: statusOf(e, 'candidate'), reason } };
  }
  const reference = refRead.value;
  const candidate = candRead.value;
  try {
    return { comparison: compareTables(t, candidate, reference, { specPath: `oracles[${spec.id}].${where}` }) };
  } catch (e) {
    return { problem: { status: statusOf(e, 'reference'), reason: `comparing table ${t.name}: ${describeError(e)}` } };
  }
}

async function writeSeries(ctx: MeasureContext, comparison: TableComparison): Promise<Artifact[]> {
  const artifacts: Artifact[] = [];
  for (const s of comparison.series) {
    const rel = seriesArtifactPath(s.table, s.column);
    const file = path.join(ctx.artifactDir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, serializeSeries(s));
    artifacts.push({ name: seriesArtifactName(s.table, s.column), kind: 'series', path: rel });
  }
  return artifacts;
}

async function run(ctx: MeasureContext, spec: TableOracleSpec, startedAt: number): Promise<Measurement> {
  const done = (status: MeasurementStatus, reason: string | undefined, rest: Partial<Measurement> = {}): Measurement => ({
    oracle: spec.id,
    status,
    ...(reason === undefined ? {} : { reason }),
    metrics: {},
    details: {},
    artifacts: [],
    ...rest,
    durationMs: Date.now() - startedAt,
  });
  if (ctx.signal?.aborted) return done('error', 'interrupted before the measurement started');

  // A table left by an earlier run must never be read as this run's.
  for (const t of spec.tables) {
    const p = insideOut(ctx.outDir, t.candidate);
    if (p !== undefined) await rm(p, { force: true, recursive: true });
  }
  const timeoutMs = parseDuration(spec.timeout);
  let sandbox: SandboxHandle;
  try {
    sandbox = await ctx.startSandbox({
      mounts: [
        { hostPath: ctx.snapshotDir, containerPath: WORKSPACE, readOnly: true },
        { hostPath: ctx.outDir, containerPath: OUT, readOnly: false },
      ],
      env: { BATON_OUT: OUT, BATON_WORKSPACE: WORKSPACE, BATON_ORACLE_ID: spec.id, ...hostEnv(spec) },
      workdir: WORKSPACE,
    });
  } catch (e) {
    return done('error', `could not start the oracle sandbox: ${describeError(e)}`);
  }
  let exec;
  try {
    exec = await sandbox.exec(spec.run, { timeoutMs, cwd: WORKSPACE });
  } catch (e) {
    return done('error', `running \`${spec.run}\` failed: ${describeError(e)}`);
  } finally {
    await sandbox.stop().catch(() => undefined);
  }
  const details: Record<string, unknown> = {
    exitCode: exec.exitCode,
    commandMs: exec.durationMs,
    stdoutTail: tail(exec.stdout, 2000),
    stderrTail: tail(exec.stderr, 2000),
  };
  const problem = execProblem(exec, 'the command', { timeoutMs });
  if (problem) return done(problem.status, problem.reason, { details });

  const metrics: Record<string, number> = {};
  const artifacts: Artifact[] = [];
  const tables: Record<string, unknown> = {};
  let first: Outcome | undefined;
  for (const [i, t] of spec.tables.entries()) {
    const r = await measureTable(ctx, spec, t, i);
    if (r.problem) {
      first ??= r.problem;
      tables[t.name] = { status: r.problem.status, reason: r.problem.reason };
      continue;
    }
    const c = r.comparison!;
    for (const [k, v] of Object.entries(c.metrics)) metrics[`${spec.id}.${k}`] = v;
    // judged on too few reference points, any error threshold is easy to meet
    const short = coverageProblem(t, c.alignment);
    if (short) first ??= short;
    tables[t.name] = { status: short?.status ?? 'ok', ...(short ? { reason: short.reason } : {}), alignment: c.alignment, columns: c.columns };
    try {
      artifacts.push(...(await writeSeries(ctx, c)));
    } catch (e) {
      first ??= { status: 'error', reason: `could not write the series of table ${t.name}: ${describeError(e)}` };
    }
  }
  details.tables = tables;
  return done(first?.status ?? 'ok', first?.reason, { metrics, artifacts, details });
}

function hostEnv(spec: TableOracleSpec): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of spec.env) {
    const v = process.env[name];
    if (v !== undefined) env[name] = v;
  }
  return env;
}

/** The table oracle (kind `table`). */
export const tableOracle: Oracle = {
  kind: 'table',
  async measure(ctx: MeasureContext): Promise<Measurement> {
    const startedAt = Date.now();
    const spec = ctx.oracle as TableOracleSpec;
    try {
      return await run(ctx, spec, startedAt);
    } catch (e) {
      return {
        oracle: spec.id,
        status: 'error',
        reason: `table oracle ${spec.id} crashed: ${describeError(e)}`,
        metrics: {},
        details: {},
        artifacts: [],
        durationMs: Date.now() - startedAt,
      };
    }
  },
};
