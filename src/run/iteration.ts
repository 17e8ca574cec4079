/**
 * The steps of one iteration after its session: commit the candidate,
 * measure it (re-measuring to confirm when every threshold holds), judge,
 * append to the ledger. Each step starts from what the journal says is done.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError, SystemError } from '../errors.js';
import { iterationTag } from '../experiment.js';
import { appendJsonlAll } from '../state/jsonl.js';
import { failpoint } from '../failpoint.js';
import { judge, type DiffFacts } from '../judge/judge.js';
import { allHold } from '../judge/metrics.js';
import type { LedgerRecord, SessionRecord } from '../ledger/record.js';
import { parseTrailers } from '../workspace/git.js';
import { oracleKindOf } from '../oracles/registry.js';
import { activeMs, type RunContext } from './context.js';
import { appendJournal } from './journal.js';
import { measureSnapshot, type MeasureResult } from './measure.js';
import { changedHashes, oracleFileHashes, protectedTouched } from './integrity.js';
import { consultModelJudge, modelJudgeDue } from './model-judge-step.js';
import { oneLine } from './settle.js';
import { measureWeight } from './lanes/gate.js';

/**
 * Commits the session's work as the candidate of iteration `n` (or adopts the
 * commit a crash left). Work git refuses to add (a `.gitmodules` link, a name
 * such as `.git.`, a file its attributes cannot convert) would fail the same
 * way at every resume: the session is then crashed with git's reason, the
 * workspace is put back to the kept code, and an empty candidate stands in.
 */
export async function commitCandidate(ctx: RunContext, n: number, session: SessionRecord): Promise<{ commit: string; session: SessionRecord }> {
  const trailers = parseTrailers(await ctx.repo.message());
  const message = `baton: iteration ${n} candidate: ${oneLine(session.summary)}`;
  let commit: string;
  if (trailers.iteration === n && trailers.verdict === 'candidate') commit = await ctx.repo.head();
  else {
    try {
      commit = await ctx.repo.commitAll(message, { iteration: n, verdict: 'candidate' });
    } catch (e) {
      if (!(e instanceof SystemError) || e.code !== 'BATON_GIT') throw e;
      const why =
        describeError(e)
          .split('\n')
          .filter((l) => /error|fatal/i.test(l))
          .slice(0, 3)
          .join('; ') || describeError(e).slice(0, 300);
      session = { ...session, cause: session.cause ?? `git-refused: git could not commit the session's work (${why}); the workspace is back at the kept code` };
      appendJournal(ctx.paths.journal, { type: 'session-end', iteration: n, session }, ctx.now());
      ctx.emit({ type: 'warning', text: `iteration ${n}: ${session.cause}` });
      await ctx.repo.resetHard('HEAD');
      commit = await ctx.repo.commitAll(message, { iteration: n, verdict: 'candidate' });
    }
  }
  appendJournal(ctx.paths.journal, { type: 'candidate', iteration: n, commit }, ctx.now());
  return { commit, session };
}

/** With lanes: the lane whose session made an iteration's candidate, and its task's id (ledger `lane`, `task`). */
export interface LanePlace {
  lane?: number;
  task?: string;
}

/**
 * The ledger record of a candidate judged without measuring it: a lane's
 * session that crashed, a conflict, work outside its task's scope.
 */
export function appendUnmeasured(
  ctx: RunContext,
  n: number,
  commit: string,
  session: SessionRecord,
  verdict: { kind: 'crashed' | 'conflict' | 'out-of-scope' | 'tamper'; reason: string },
  place: LanePlace,
): LedgerRecord {
  const record: LedgerRecord = {
    v: 1,
    run: ctx.runId,
    iteration: n,
    phase: 'candidate',
    commit,
    at: ctx.now().toISOString(),
    elapsedHours: elapsedHours(ctx),
    measurements: [],
    metrics: {},
    verdict,
    session,
    warnings: [],
    durationMs: session.durationMs,
    ...place,
  };
  appendLedger(ctx, record);
  return record;
}

/** Exports a commit's tree to a fresh scratch folder. */
export async function snapshot(ctx: RunContext, commit: string, name: string): Promise<string> {
  const dir = path.join(ctx.paths.scratch, name);
  fs.rmSync(dir, { recursive: true, force: true });
  await ctx.repo.exportTree(commit, dir);
  return dir;
}

/**
 * Appends ledger records to disk (with one write, so a candidate and its
 * confirmations survive a kill together or not at all) and to the in-memory ledger.
 */
export function appendLedger(ctx: RunContext, ...records: LedgerRecord[]): void {
  const iso = ctx.isolation;
  const full = records.map((r) => (iso && !r.isolation ? { ...r, isolation: iso } : r));
  appendJsonlAll(ctx.paths.ledger, full);
  ctx.ledger.push(...full);
  failpoint('ledger:append');
}

function elapsedHours(ctx: RunContext): number {
  return activeMs(ctx) / 3_600_000;
}

/** Measures `commit` with every oracle. */
export async function measureCommit(ctx: RunContext, commit: string, n: number, tag: string, best?: string): Promise<MeasureResult> {
  const snap = await snapshot(ctx, commit, `snap-${tag}`);
  const needsBest = best !== undefined && ctx.spec.oracles.some((o) => oracleKindOf(o).needsBestSnapshot);
  const bestSnap = needsBest ? await snapshot(ctx, best, `best-${tag}`) : undefined;
  const measure = () =>
    measureSnapshot({
      spec: ctx.spec,
      paths: ctx.paths,
      provider: ctx.provider,
      runId: ctx.runId,
      iteration: n,
      tag,
      snapshotDir: snap,
      bestSnapshotDir: bestSnap,
      signal: ctx.signal,
      baselineMetrics: ctx.ledger.find((r) => r.iteration === 0)?.metrics,
      baselineMeasurements: ctx.ledger.find((r) => r.iteration === 0)?.measurements,
    });
  try {
    return await (ctx.measureSlot ? ctx.measureSlot.run(measure, measureWeight(ctx.spec, ctx.measureSlot.capacity), true) : measure());
  } finally {
    fs.rmSync(snap, { recursive: true, force: true });
    if (bestSnap) fs.rmSync(bestSnap, { recursive: true, force: true });
  }
}

/** Measures, confirms and judges the candidate; appends its ledger records; returns the candidate record. */
export async function measureAndJudge(
  ctx: RunContext,
  n: number,
  base: string,
  candidate: string,
  session: SessionRecord,
  place: LanePlace = {},
): Promise<LedgerRecord> {
  const started = Date.now();
  const changed = await ctx.repo.changedPaths(base, candidate);
  const touched = protectedTouched(ctx.spec, changed);
  const hashChanges = changedHashes(ctx.oracleHashes, oracleFileHashes(ctx.spec, ctx.paths.root));
  const planted = session.tamper ?? [];
  const diff: DiffFacts = { changedPaths: changed, protectedTouched: touched, oracleFilesChanged: hashChanges, planted };
  const history = [...ctx.ledger];
  const warnings: string[] = [];
  if (touched.length) warnings.push(`tamper: iteration ${n} changed protected paths: ${touched.join(', ')}`);
  for (const p of planted) warnings.push(`tamper: iteration ${n}: ${p}`);
  if (hashChanges.length) warnings.push(`tamper: oracle files changed since the run began: ${hashChanges.join(', ')}`);

  // A crashed or tampering session is not measured: its verdict does not depend on numbers.
  let measured: MeasureResult = { measurements: [], metrics: {}, warnings: [], durationMs: 0 };
  const confirms: MeasureResult[] = [];
  if (!session.cause && !touched.length && !hashChanges.length && !planted.length && changed.length) {
    ctx.emit({ type: 'step', iteration: n, step: 'measure', text: `measuring ${candidate.slice(0, 8)}` });
    measured = await measureCommit(ctx, candidate, n, iterationTag(n), base);
    // Every threshold holding once is not enough when judge.confirm asks for more: measure the same commit again.
    while (holdsAll(ctx, lastOf(measured, confirms)) && countConfirmations(ctx, [measured, ...confirms]) < ctx.spec.judge.confirm && !ctx.signal.aborted) {
      ctx.emit({
        type: 'step',
        iteration: n,
        step: 'measure',
        text: `every threshold holds; confirming (${confirms.length + 2} of ${ctx.spec.judge.confirm})`,
      });
      confirms.push(await measureCommit(ctx, candidate, n, `${iterationTag(n)}-confirm${confirms.length + 1}`, base));
    }
  }
  const final = lastOf(measured, confirms);
  const confirmations = countConfirmations(ctx, [measured, ...confirms]);
  // The model judge is asked only when it alone stands between this candidate and `met`; its cost joins the session's.
  const consulted = modelJudgeDue(ctx, final, confirmations, diff, session) ? await consultModelJudge(ctx, n, candidate, final, session) : undefined;
  if (consulted) session = consulted.session;
  const verdict = judge({
    spec: ctx.spec,
    history,
    measurements: final.measurements,
    metrics: final.metrics,
    confirmations,
    diff,
    sessionCrash: session.cause,
    modelJudge: consulted?.answer,
  });
  warnings.push(...measured.warnings);
  const at = ctx.now().toISOString();
  const record: LedgerRecord = {
    v: 1,
    run: ctx.runId,
    iteration: n,
    phase: 'candidate',
    commit: candidate,
    at,
    elapsedHours: elapsedHours(ctx),
    measurements: measured.measurements,
    metrics: measured.metrics,
    verdict,
    session,
    warnings,
    durationMs: session.durationMs + (Date.now() - started),
    ...place,
  };
  appendLedger(
    ctx,
    record,
    ...confirms.map(
      (c): LedgerRecord => ({
        v: 1,
        run: ctx.runId,
        iteration: n,
        phase: 'confirm',
        commit: candidate,
        at,
        elapsedHours: elapsedHours(ctx),
        measurements: c.measurements,
        metrics: c.metrics,
        verdict,
        warnings: c.warnings,
        durationMs: c.durationMs,
        ...place,
      }),
    ),
  );
  return ctx.ledger.find((r) => r.iteration === n && r.phase === 'candidate')!;
}

function lastOf(first: MeasureResult, rest: MeasureResult[]): MeasureResult {
  return rest.length ? rest[rest.length - 1] : first;
}

/** Every oracle succeeded and every threshold holds. */
function holdsAll(ctx: RunContext, m: MeasureResult): boolean {
  return m.measurements.length > 0 && m.measurements.every((x) => x.status === 'ok') && allHold(ctx.spec, m.metrics);
}

/** Consecutive measurements, counted from the last, on which every threshold held. */
function countConfirmations(ctx: RunContext, all: MeasureResult[]): number {
  let n = 0;
  for (let i = all.length - 1; i >= 0 && holdsAll(ctx, all[i]); i--) n++;
  return n;
}
