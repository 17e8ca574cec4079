/**
 * Settling an iteration in git, idempotently (a crash in the middle is
 * finished by the next `baton run`): keep advances main; anything else
 * saves the candidate as refs/baton/attempts/N and a patch, and resets the
 * workspace to the kept code. Either way PROGRESS.md is regenerated and the
 * report is brought up to date (in full when due: report/cadence.ts), and
 * both are committed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError } from '../errors.js';
import { failpoint } from '../failpoint.js';
import { iterationTag } from '../experiment.js';
import { keptChange } from '../ledger/query.js';
import type { VerdictKind } from '../ledger/record.js';
import { thresholdsOf } from '../judge/metrics.js';
import { parseTrailers } from '../workspace/git.js';
import { fullReportDue, LANES_REPORT_CADENCE, lagNotice, REPORT_CADENCE, withLagNotice } from '../report/cadence.js';
import { ProgressTracker } from '../workspace/progress.js';
import { ensureRealDir, safeWriteFile } from '../workspace/safe-fs.js';
import type { RunState } from '../state/run-state.js';
import type { RunContext } from './context.js';

/** What this process's settles carry from one to the next: nothing a restart needs (a fresh process regenerates in full). */
interface SettleMemory {
  /** PROGRESS.md, reading only the records appended since the last settle. */
  progress: ProgressTracker;
  /** The iteration of the last complete report, and the REPORT.md it wrote to each folder. */
  lastFull?: number;
  markdown: Record<string, string>;
}

const memories = new WeakMap<RunContext, SettleMemory>();

function memoryOf(ctx: RunContext): SettleMemory {
  let m = memories.get(ctx);
  if (!m) memories.set(ctx, (m = { progress: new ProgressTracker(ctx.spec), markdown: {} }));
  return m;
}

/**
 * Writes PROGRESS.md and (unless `report` is false) brings reports/ up to
 * date: regenerated from the ledger when due (report/cadence.ts: the run's end,
 * a short ledger, every few iterations), otherwise the last complete REPORT.md
 * stamped with the iteration it is as of, so a settle's cost does not grow
 * with the ledger. A report failure is a warning, not a stop.
 */
export async function writeStateFiles(ctx: RunContext, state: RunState, report = true): Promise<void> {
  const memory = memoryOf(ctx);
  safeWriteFile(ctx.paths.workspace, 'PROGRESS.md', memory.progress.file(ctx.ledger), ctx.paths.scratch);
  failpoint('state:progress');
  if (!report) return;
  // The report folder is baton's: whatever the workspace holds in its place (a link, a file) is replaced by a real folder.
  ensureRealDir(ctx.paths.workspace, 'reports');
  ensureRealDir(ctx.paths.workspace, 'reports/plots');
  const iteration = ctx.ledger[ctx.ledger.length - 1]?.iteration ?? 0;
  const cadence = ctx.spec.parallel.lanes > 1 ? LANES_REPORT_CADENCE : REPORT_CADENCE;
  if (!fullReportDue({ iteration, records: ctx.ledger.length, state, lastFull: memory.lastFull }, cadence)) {
    stampLag(ctx, memory, iteration);
    return;
  }
  // Loaded on first use: vega and resvg cost hundreds of milliseconds, which a resume should not pay before its first session.
  const { regenerateReport } = await import('../report/index.js');
  try {
    // The same function and inputs as `baton report`, so the two cannot drift apart.
    const result = await regenerateReport({
      spec: ctx.spec,
      records: ctx.ledger,
      state,
      paths: ctx.paths,
      outDir: path.join(ctx.paths.workspace, 'reports'),
      // the worker reads the workspace: per-point error series go only to the researcher's copy
      fullOutDir: ctx.paths.reports,
      fallbackNow: ctx.now(),
      onUnreadable: (reason) => ctx.emit({ type: 'warning', text: `workspace file ignored: ${reason}` }),
    });
    for (const w of result.warnings ?? []) ctx.emit({ type: 'warning', text: `report: ${w}` });
    memory.lastFull = iteration;
    memory.markdown = result.markdown;
  } catch (e) {
    ctx.emit({ type: 'warning', text: `the report could not be regenerated: ${describeError(e)}` });
  }
}

/** Rewrites only REPORT.md (both copies): the last complete one, saying which iteration it is as of. Plots, metrics.csv and report.html stay. */
function stampLag(ctx: RunContext, memory: SettleMemory, iteration: number): void {
  const notice = lagNotice(memory.lastFull!, iteration, ctx.spec.parallel.lanes > 1 ? LANES_REPORT_CADENCE : REPORT_CADENCE);
  const copies: [root: string, rel: string, dir: string, tmp?: string][] = [
    [ctx.paths.workspace, 'reports/REPORT.md', path.join(ctx.paths.workspace, 'reports'), ctx.paths.scratch],
    [ctx.paths.reports, 'REPORT.md', ctx.paths.reports],
  ];
  try {
    for (const [root, rel, dir, tmp] of copies) {
      const md = memory.markdown[dir];
      if (md !== undefined) safeWriteFile(root, rel, withLagNotice(md, notice), tmp);
    }
  } catch (e) {
    ctx.emit({ type: 'warning', text: `REPORT.md could not be updated: ${describeError(e)}` });
  }
}

/** Puts iteration `n`'s verdict into git; returns main's new tip. Safe to call again after a crash. */
export async function settle(
  ctx: RunContext,
  n: number,
  verdict: VerdictKind,
  summary: string,
  base: string,
  candidate: string | undefined,
  /** False when finishing an iteration a crash interrupted: the next settle (or the run's end) regenerates the report, so a resume reaches its next session sooner. */
  report = true,
  /** Where the saved patch starts when the candidate is not a child of `base` (a lane's work judged without integrating it). */
  patchFrom = base,
): Promise<string> {
  const trailers = parseTrailers(await ctx.repo.message());
  if (trailers.iteration === n && trailers.verdict !== 'candidate') return ctx.repo.head();
  if (!keptChange(verdict) && candidate && candidate !== patchFrom) {
    await ctx.repo.updateRef(`refs/baton/attempts/${n}`, candidate);
    fs.mkdirSync(ctx.paths.attempts, { recursive: true });
    await ctx.repo.diffToFile(patchFrom, candidate, path.join(ctx.paths.attempts, `${iterationTag(n)}.patch`));
    failpoint('settle:ref');
  }
  if (!keptChange(verdict)) {
    await ctx.repo.resetHard(base);
    failpoint('settle:reset');
  }
  await writeStateFiles(ctx, verdict === 'met' ? 'met' : 'running', report || verdict === 'met');
  failpoint('settle:report');
  const record = [...ctx.ledger].reverse().find((r) => r.iteration === n);
  const shown = Object.fromEntries([...thresholdsOf(ctx.spec).keys()].filter((m) => record?.metrics[m] !== undefined).map((m) => [m, record!.metrics[m]]));
  const head = await ctx.repo.commitAll(`baton: iteration ${n} ${verdict}: ${oneLine(summary)}`, { iteration: n, verdict, metrics: shown });
  failpoint('settle:commit');
  return head;
}

/** A summary fit for a commit subject. */
export function oneLine(text: string, max = 72): string {
  const line = text.split('\n')[0].trim() || '(no summary)';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
