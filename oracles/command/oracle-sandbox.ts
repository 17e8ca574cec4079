/**
 * What the command, tests and benchmark oracles share: the mounts and
 * environment of their oracle sandbox, a deadline for the whole
 * measurement, and the mapping of an exec result to a measurement status.
 * The sandbox itself is whatever ctx.startSandbox returns.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describeError } from '../../src/errors.js';
import type { Measurement, MeasureContext, MeasurementStatus } from '../../src/oracles/types.js';
import type { ExecResult, HostMount, SandboxHandle } from '../../src/sandbox/types.js';
import { parseDuration } from '../../src/spec/units.js';

/** Where things appear inside the oracle sandbox. */
export const SANDBOX_PATHS = {
  workspace: '/workspace',
  out: '/baton/out',
  best: '/baton/best',
  oracle: '/baton/oracle',
} as const;

/**
 * Whether a kind's oracle/ folder is mounted where candidate code can read
 * it. Each kind chooses (security audit, issue 12):
 *  - command with `evaluate`: false; the oracle files reach only a
 *    root-only copy (private-oracle.ts), never the candidate's uid;
 *  - command without `evaluate` (the one-command form): true, because its
 *    one process runs the candidate and the oracle alike; its metrics come
 *    from a process the candidate controls and `baton check` says so;
 *  - tests: true, an inherent limit: hidden tests must be readable by the
 *    test runner, which imports the candidate's code in the same process;
 *  - benchmark: the candidate's own program is what runs; it has no use for
 *    oracle files, so false is the safe choice.
 * Undefined keeps the old behaviour (mounted, readable).
 */
export interface OracleSandboxOptions {
  oracleReadableByCandidate?: boolean;
}

/**
 * Mounts of an oracle sandbox: the snapshot read-only at /workspace, the
 * scratch folder read-write at /baton/out, the best kept snapshot read-only
 * at /baton/best when comparing, and, unless the kind says the candidate
 * must not read it (OracleSandboxOptions), the experiment's oracle/ folder
 * read-only at /baton/oracle when it exists (read-only stops changes, not
 * reading: whatever runs as the sandbox user can read it).
 */
export function oracleMounts(ctx: MeasureContext, options: OracleSandboxOptions = {}): HostMount[] {
  const mounts: HostMount[] = [
    { hostPath: ctx.snapshotDir, containerPath: SANDBOX_PATHS.workspace, readOnly: true },
    { hostPath: ctx.outDir, containerPath: SANDBOX_PATHS.out, readOnly: false },
  ];
  if (ctx.bestSnapshotDir !== undefined) {
    mounts.push({ hostPath: ctx.bestSnapshotDir, containerPath: SANDBOX_PATHS.best, readOnly: true });
  }
  const oracleDir = path.join(ctx.experimentDir, 'oracle');
  const readable = options.oracleReadableByCandidate ?? true;
  if (readable && existsSync(oracleDir)) mounts.push({ hostPath: oracleDir, containerPath: SANDBOX_PATHS.oracle, readOnly: true });
  return mounts;
}

/** Environment of every exec: $BATON_OUT and friends, plus the host variables the oracle spec names. */
export function oracleEnv(ctx: MeasureContext, hostEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {
    BATON_OUT: SANDBOX_PATHS.out,
    BATON_WORKSPACE: SANDBOX_PATHS.workspace,
    BATON_ORACLE_ID: ctx.oracle.id,
  };
  if (ctx.bestSnapshotDir !== undefined) env.BATON_BEST = SANDBOX_PATHS.best;
  for (const name of ctx.oracle.env) {
    const value = hostEnv[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** The wall time left of a measurement's `timeout`. */
export class Deadline {
  readonly totalMs: number;
  private readonly end: number;
  constructor(
    totalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.totalMs = totalMs;
    this.end = now() + totalMs;
  }
  remainingMs(): number {
    return Math.max(0, this.end - this.now());
  }
}

/** Last `max` characters of a text, marked when cut. */
export function tail(text: string, max = 800): string {
  const t = text.trimEnd();
  return t.length <= max ? t : `…${t.slice(t.length - max)}`;
}

/** What went wrong with an exec, if anything: timeout, dead sandbox, OOM, or a non-zero exit (unless allowed). */
export function execProblem(
  r: ExecResult,
  what: string,
  options: { allowNonZeroExit?: boolean; timeoutMs?: number } = {},
): { status: Exclude<MeasurementStatus, 'ok'>; reason: string } | undefined {
  if (r.timedOut) {
    const limit = options.timeoutMs !== undefined ? ` after ${Math.round(options.timeoutMs / 1000)} s` : '';
    return { status: 'timeout', reason: `${what} timed out${limit}: \`${r.command}\`` };
  }
  if (r.sandboxDied) return { status: 'error', reason: `the oracle sandbox died during ${what}: ${r.cause ?? 'unknown cause'}` };
  if (r.oomKilled) return { status: 'failed', reason: `${what} ran out of memory and was killed: \`${r.command}\`` };
  if (r.exitCode === null) return { status: 'error', reason: `${what} did not finish: ${r.cause ?? 'unknown cause'}` };
  if (r.exitCode !== 0 && !options.allowNonZeroExit) {
    const err = tail(r.stderr, 600);
    return { status: 'failed', reason: `${what} exited with code ${r.exitCode}: \`${r.command}\`${err ? `\nstderr: ${err}` : ''}` };
  }
  return undefined;
}

/** The fields every measurement of this oracle shares. */
export function baseMeasurement(ctx: MeasureContext, startedAt: number): Pick<Measurement, 'oracle' | 'artifacts'> & { durationMs: number } {
  return { oracle: ctx.oracle.id, artifacts: [], durationMs: Date.now() - startedAt };
}

/** A measurement without metrics that says why. */
export function unsuccessful(
  ctx: MeasureContext,
  startedAt: number,
  status: Exclude<MeasurementStatus, 'ok'>,
  reason: string,
  details: Record<string, unknown> = {},
): Measurement {
  return { ...baseMeasurement(ctx, startedAt), status, reason, metrics: {}, details };
}

/**
 * Starts the oracle sandbox, runs `body` in it, always stops it. A sandbox
 * that cannot start, or a body that throws (a bug or an infrastructure
 * fault), becomes a measurement with status `error`, never an exception.
 */
export async function inOracleSandbox(
  ctx: MeasureContext,
  body: (sandbox: SandboxHandle, deadline: Deadline, startedAt: number) => Promise<Measurement>,
  options: OracleSandboxOptions = {},
): Promise<Measurement> {
  const startedAt = Date.now();
  const deadline = new Deadline(parseDuration(ctx.oracle.timeout));
  if (ctx.signal?.aborted) return unsuccessful(ctx, startedAt, 'error', 'interrupted before the measurement started');
  let sandbox: SandboxHandle;
  try {
    sandbox = await ctx.startSandbox({
      mounts: oracleMounts(ctx, options),
      env: oracleEnv(ctx),
      workdir: SANDBOX_PATHS.workspace,
    });
  } catch (e) {
    return unsuccessful(ctx, startedAt, 'error', `could not start the oracle sandbox: ${describeError(e)}`);
  }
  try {
    return await body(sandbox, deadline, startedAt);
  } catch (e) {
    return unsuccessful(ctx, startedAt, 'error', `oracle ${ctx.oracle.id} crashed: ${describeError(e)}`);
  } finally {
    await sandbox.stop().catch(() => undefined);
  }
}

/** The name of the first metric that is not a finite number, if any. */
export function nonFiniteMetric(metrics: Record<string, number>): string | undefined {
  return Object.entries(metrics).find(([, v]) => typeof v !== 'number' || !Number.isFinite(v))?.[0];
}
