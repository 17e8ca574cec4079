/**
 * The worker's `measure` tool: a snapshot of the live working tree measured
 * by every oracle in fresh oracle sandboxes, exactly as the judge will
 * measure the commit, answered as the metric table with thresholds, best
 * kept and baseline. It changes no run state: no ledger line, no artifacts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { describeError } from '../errors.js';
import { iterationTag } from '../experiment.js';
import type { LedgerRecord } from '../ledger/record.js';
import type { SandboxHandle } from '../sandbox/types.js';
import { parseSize } from '../spec/units.js';
import { hostGitArgs, hostGitEnv } from '../workspace/host-git.js';
import { copyListedFiles } from '../workspace/tree-files.js';
import { measurementTable } from '../workspace/prompt.js';
import type { RunContext } from './context.js';
import { measureSnapshot, type MeasureResult } from './measure.js';
import { measureWeight } from './lanes/gate.js';

/** Measurements one session may ask for; each runs every oracle. */
export const MEASURE_CALLS_PER_SESSION = 20;

/** The metric table of a measurement not yet in the ledger ("latest" is it), with each oracle's status. Pure. */
export function tableOf(ctx: Pick<RunContext, 'spec' | 'ledger'>, m: Pick<MeasureResult, 'measurements' | 'metrics'>): string {
  const now: LedgerRecord = {
    v: 1,
    run: 'measure-tool',
    iteration: Number.MAX_SAFE_INTEGER,
    phase: 'candidate',
    commit: 'working tree',
    at: new Date(0).toISOString(),
    elapsedHours: 0,
    measurements: m.measurements,
    metrics: m.metrics,
    verdict: { kind: 'revert', reason: 'not judged' },
    warnings: [],
    durationMs: 0,
  };
  const status = m.measurements.map((x) => `- ${x.oracle}: ${x.status}${x.reason ? ` (${x.reason})` : ''}`);
  return [measurementTable(ctx.spec, [...ctx.ledger, now]), '', 'Oracles:', ...status].join('\n');
}

/** The table the tool answers for one measurement. Pure. */
export function measureToolText(ctx: Pick<RunContext, 'spec' | 'ledger'>, m: MeasureResult): string {
  const other = Object.entries(m.metrics)
    .filter(([k]) => !(k in ctx.spec.thresholds))
    .slice(0, 40)
    .map(([k, v]) => `- ${k} = ${v}`);
  return [
    'Measured your current working tree (uncommitted changes included). "latest" is this measurement; "best kept" and "baseline" are from the ledger.',
    '',
    tableOf(ctx, m),
    ...(other.length ? ['', 'Other metrics:', ...other] : []),
    ...(m.warnings.length ? ['', 'Warnings:', ...m.warnings.map((w) => `- ${w}`)] : []),
  ].join('\n');
}

/**
 * Copies the working tree (tracked and untracked, not ignored) to `dest`.
 * The worker is live, so its sandbox is frozen for the copy: it cannot swap
 * a folder for a link between the host's check and its read. Host git lists
 * the files with baton's fixed config; the copy never follows a link.
 */
async function exportLentWorkingTree(
  workspace: string,
  dest: string,
  sandbox: SandboxHandle | undefined,
  limits: { fileBytes: number; totalBytes: number },
): Promise<void> {
  const resume = sandbox?.pause ? await sandbox.pause() : undefined;
  try {
    const { stdout } = await execa('git', hostGitArgs(['ls-files', '-z', '--cached', '--others', '--exclude-standard']), {
      cwd: workspace,
      env: hostGitEnv(),
      extendEnv: false,
      stdin: 'ignore',
      maxBuffer: 64 * 1024 * 1024,
    });
    copyListedFiles(workspace, new Set(stdout.split('\0').filter(Boolean)), dest, limits);
  } finally {
    await resume?.();
  }
}

/**
 * The `measure` function of the session of `iteration` (or of a lane's
 * session, by its key). `takeSnapshot` copies the worker's tree into a fresh
 * folder; by default the live workspace the session works on, frozen.
 */
export function measureTool(
  ctx: RunContext,
  iteration: number | string,
  sandbox: () => SandboxHandle | undefined = () => undefined,
  takeSnapshot?: (dest: string, sandbox: SandboxHandle | undefined) => Promise<void>,
): () => Promise<string> {
  let calls = 0;
  return async () => {
    if (++calls > MEASURE_CALLS_PER_SESSION) {
      return `measure was already called ${MEASURE_CALLS_PER_SESSION} times in this session; the harness measures your work when the session ends.`;
    }
    const tag = `${typeof iteration === 'number' ? iterationTag(iteration) : iteration}-tool${calls}`;
    const own = path.join(ctx.paths.scratch, tag);
    const paths = { ...ctx.paths, scratch: path.join(own, 'scratch'), artifacts: path.join(own, 'artifacts') };
    try {
      const snap = path.join(own, 'snapshot');
      if (takeSnapshot) {
        fs.mkdirSync(own, { recursive: true });
        await takeSnapshot(snap, sandbox());
      } else {
        fs.mkdirSync(snap, { recursive: true });
        await exportLentWorkingTree(ctx.paths.workspace, snap, sandbox(), {
          fileBytes: parseSize(ctx.spec.limits.file),
          totalBytes: parseSize(ctx.spec.limits.workspace),
        });
      }
      const measure = () =>
        measureSnapshot({
          spec: ctx.spec,
          paths,
          provider: ctx.provider,
          runId: ctx.runId,
          iteration: typeof iteration === 'number' ? iteration : 0,
          tag,
          snapshotDir: snap,
          signal: ctx.signal,
          baselineMetrics: ctx.ledger.find((r) => r.iteration === 0)?.metrics,
          baselineMeasurements: ctx.ledger.find((r) => r.iteration === 0)?.measurements,
        });
      const m = await (ctx.measureSlot ? ctx.measureSlot.run(measure, measureWeight(ctx.spec, ctx.measureSlot.capacity)) : measure());
      return measureToolText(ctx, m);
    } catch (e) {
      return `the measurement could not run: ${describeError(e)}`;
    } finally {
      fs.rmSync(own, { recursive: true, force: true });
    }
  };
}
