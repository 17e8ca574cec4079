/**
 * `baton run`: prepare (lock, sweep, read the journal, recover), the
 * baseline, then iterations until met, a budget, a stall or an interrupt.
 * Every transition is journalled before the next step, so a run killed at
 * any point resumes where it stood (DESIGN.md §2, §6).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InterruptedError, UserError } from '../errors.js';
import { experimentId, experimentPaths, iterationTag } from '../experiment.js';
import { LedgerRecord, type SessionRecord } from '../ledger/record.js';
import { Isolation, chooseSandboxProvider, describeIsolation, isolationDifferences, type ResolvedSandbox } from '../sandbox/index.js';
import { restoreLent } from '../sandbox/ownership.js';
import { refuseLanes } from '../sandbox/doctor.js';
import { clearStaleGitLocks } from '../workspace/git-locks.js';
import { failpoint } from '../failpoint.js';
import type { SandboxHandle, SandboxProvider } from '../sandbox/types.js';
import { loadExperiment } from '../spec/check.js';
import type { Spec } from '../spec/schema.js';
import { readJsonl } from '../state/jsonl.js';
import { acquireLock } from '../state/lock.js';
import { stopDecision } from '../judge/stop.js';
import { lastIteration } from '../ledger/query.js';
import { createWorker } from '../workers/index.js';
import { transcriptUsage } from '../workers/transcript.js';
import type { Worker } from '../workers/types.js';
import { Repo } from '../workspace/git.js';
import { initialNotes, initialPlan } from '../workspace/state-files.js';
import { promptFile } from '../workspace/prompt-file.js';
import { activeMs, type RunContext, type RunEvent } from './context.js';
import { activeMsBefore } from './active-time.js';
import { appendJournal, readJournal, type JournalEntry } from './journal.js';
import { appendLedger, measureCommit } from './iteration.js';
import { finishIteration } from './finish.js';
import { runLanes } from './lanes/lanes.js';
import { recoverLaneWork, salvageLaneWork } from './lanes/recovery.js';
import { recoverPlan } from './lanes/planner.js';
import { oracleFileHashes } from './integrity.js';
import { isModelWorker, runInitializer } from './initializer.js';
import { runSession } from './session.js';
import { inspectWorkspace } from './workspace-check.js';
import { scanHazards } from '../workspace/hazards.js';
import { regularFileExists, removeTree, safeWriteFile } from '../workspace/safe-fs.js';
import { writeStateFiles } from './settle.js';
import type { RunState } from '../state/run-state.js';
import { baselineError, discardBatonLeftovers, makeStateDirs, preflightWorkspace, unmeasurable } from './preflight.js';

export interface RunOptions {
  /** Replaces the spec's worker (e.g. `--worker anthropic`). */
  worker?: Worker;
  /** Replaces the sandbox chosen from the spec (tests). */
  provider?: SandboxProvider;
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  now?: () => Date;
  /** Overrides the spec after loading (e.g. `--worker anthropic` changes spec.worker). */
  adjustSpec?: (spec: Spec) => Spec;
}

export interface RunOutcome {
  state: Exclude<RunState, 'running'>;
  reason: string;
  iterations: number;
  report: string;
}

/** Runs (or resumes) the experiment at `dir`. */
export async function runExperiment(dir: string, options: RunOptions = {}): Promise<RunOutcome> {
  const paths = experimentPaths(dir);
  let spec = loadExperiment(dir);
  if (options.adjustSpec) spec = options.adjustSpec(spec);
  // The spec's isolation or nothing: resolved, and compared with the run's first start, before anything is written.
  const sandbox = options.provider ? undefined : await resolveRunSandbox(spec, paths.state, paths.workspace);
  try {
    return await runResolved(dir, spec, sandbox, options);
  } finally {
    // Connections to remote engines end with the run (they would keep the process alive).
    await sandbox?.provider.close?.();
  }
}

/** The run itself, once the sandbox is resolved (or given by the caller). */
async function runResolved(dir: string, spec: Spec, sandbox: ResolvedSandbox | undefined, options: RunOptions): Promise<RunOutcome> {
  const paths = experimentPaths(dir);
  const emit = options.onEvent ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const lanesRefused = refuseLanes(options.provider ?? sandbox!.provider, spec.parallel.lanes);
  if (lanesRefused) throw new UserError(`${paths.spec}: ${lanesRefused}`, { code: 'BATON_SANDBOX', context: { path: paths.spec } });
  // A detached HEAD or the user's uncommitted changes: refused before anything is written.
  await preflightWorkspace(paths);
  // A model worker's key (and price) is checked now: a missing one stops the run before its first journal entry.
  const worker = options.worker ?? createWorker(spec, paths.root);
  makeStateDirs(paths);
  const lock = acquireLock(paths.lock, now());
  if (lock.warning) emit({ type: 'warning', text: lock.warning });
  const controller = new AbortController();
  const provider = options.provider ?? sandbox!.provider;
  const spare = new Set<SandboxHandle>();
  // An interrupt stops the sandboxes at once: a session's or an oracle's commands do not run on for their timeout.
  // Lanes' sessions are interrupted instead (runSession): their work is copied out before their sandbox goes.
  const onAbort = (): void => {
    controller.abort();
    void provider.stopAll(spare);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (sandbox) {
      for (const w of sandbox.warnings) emit({ type: 'warning', text: w });
      recordIsolation(paths.state, sandbox.isolation);
    }
    // A lane's session in flight when the harness died keeps its work: copied out of its sandbox before the sweep removes it.
    await salvageLaneWork(experimentId(paths.root, spec.name), provider, paths.state, spec, emit);
    await sweepOrphans(experimentId(paths.root, spec.name), provider, emit);
    // What a killed run lent to a sandbox user (recorded before the chown) goes back to its owner, now that its sandboxes are gone.
    const restored = restoreLent(paths.lent);
    if (restored.length) emit({ type: 'info', text: `handed back what a killed run had lent to the sandbox user: ${restored.join(', ')}` });
    // A kill that took git with it leaves its lock files, and every later git command would fail on them.
    const staleLocks = await clearStaleGitLocks(paths.workspace);
    if (staleLocks.length) emit({ type: 'warning', text: `removed git lock files a killed run left in the workspace: ${staleLocks.join(', ')}` });
    const journal = readJournal(paths.journal, { repair: true });
    const ledger = readJsonl(paths.ledger, LedgerRecord, { repair: true });
    for (const w of [...journal.warnings, ...ledger.warnings]) emit({ type: 'warning', text: w });
    const firstStart = journal.records.find((e) => e.type === 'run-start');
    const runId = firstStart?.type === 'run-start' ? firstStart.run : `r${now().toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
    appendJournal(paths.journal, { type: 'run-start', run: runId, pid: process.pid, resumed: Boolean(firstStart) }, now());
    // Until the baseline is measured the user may still be fixing oracle files: their hashes are taken afresh.
    const baselineDone = journal.records.some((e) => e.type === 'baseline-done');
    const hashEntry = baselineDone ? [...journal.records].reverse().find((e) => e.type === 'oracle-hashes') : undefined;
    const repo = new Repo(paths.workspace);
    await repo.pinAttributes();
    const ctx: RunContext = {
      spec,
      paths,
      repo,
      provider,
      runId,
      isolation: sandbox?.isolation,
      worker,
      startedAt: firstStart ? new Date(firstStart.at) : now(),
      activeBeforeMs: activeMsBefore(journal.records),
      resumedAt: now(),
      ledger: ledger.records,
      oracleHashes: hashEntry?.type === 'oracle-hashes' ? hashEntry.hashes : {},
      signal: controller.signal,
      spareOnInterrupt: spare,
      emit,
      now,
    };
    emit({
      type: 'info',
      text: `${firstStart ? 'resuming' : 'starting'} run ${runId} of ${spec.name}: ${sandbox ? describeIsolation(sandbox.isolation) : `${provider.kind} sandbox`}, ${ctx.worker.kind} worker`,
    });
    if (!hashEntry) {
      ctx.oracleHashes = oracleFileHashes(spec, paths.root);
      appendJournal(paths.journal, { type: 'oracle-hashes', hashes: ctx.oracleHashes }, now());
    }
    try {
      await baseline(ctx, journal.records);
      await recoverPlan(ctx, readJournal(paths.journal).records);
      await recover(ctx, journal.records);
      await recoverLaneWork(ctx, readJournal(paths.journal).records);
      const discarded = await discardBatonLeftovers(repo, paths.workspace);
      if (discarded.length)
        emit({
          type: 'info',
          text: `discarded baton's own uncommitted files (regenerated from the ledger; no session is judged for them): ${discarded.join(', ')}`,
        });
      return await loop(ctx);
    } catch (e) {
      // `baton status` says why the run stopped (a model API that kept failing, an engine gone), not just "stopped".
      appendJournal(paths.journal, { type: 'run-end', state: 'error', reason: e instanceof Error ? e.message : String(e) }, now());
      throw e;
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    removeTree(paths.scratch);
    lock.release();
  }
}

const ISOLATION_FILE = 'isolation.json';

/** The sandbox of the spec on this machine; a UserError when unavailable, or when it differs from the isolation the run started with. */
async function resolveRunSandbox(spec: Spec, stateDir: string, workspace: string): Promise<ResolvedSandbox> {
  const resolved = await chooseSandboxProvider(spec.sandbox, workspace);
  try {
    return sameIsolation(resolved, stateDir);
  } catch (e) {
    await resolved.provider.close?.();
    throw e;
  }
}

/** `resolved`, when the run started with the same isolation (or has not started); a UserError otherwise. */
function sameIsolation(resolved: ResolvedSandbox, stateDir: string): ResolvedSandbox {
  const file = path.join(stateDir, ISOLATION_FILE);
  if (!fs.existsSync(file)) return resolved;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(
      `${file} is not readable JSON (${(e as Error).message}); it records the isolation this run started with. Restore it, or start the experiment afresh in a new folder.`,
      { code: 'BATON_STATE_CORRUPT', context: { path: file } },
    );
  }
  const recorded = Isolation.safeParse(raw);
  if (!recorded.success)
    throw new UserError(`${file} is not a valid isolation record: ${recorded.error.message}`, { code: 'BATON_STATE_CORRUPT', context: { path: file } });
  const diff = isolationDifferences(recorded.data, resolved.isolation);
  if (diff.length) {
    throw new UserError(
      `this run started with ${describeIsolation(recorded.data)}; resuming it here would use ${describeIsolation(resolved.isolation)} (${diff.join('; ')}). ` +
        'baton does not change the isolation of a run midway: restore the original setup (engine, image, workspace owner, spec) and run again, or start the experiment afresh in a new folder.',
      { code: 'BATON_SANDBOX', context: { path: file } },
    );
  }
  return resolved;
}

/** Records the isolation of the run's first start (resumes compare with it). */
function recordIsolation(stateDir: string, isolation: Isolation): void {
  const file = path.join(stateDir, ISOLATION_FILE);
  if (fs.existsSync(file)) return;
  // Written whole or not at all: a kill mid-write must not leave a file every resume then fails to read.
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(isolation, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/** The provider removes what a crashed run of this experiment left (each kind knows its own leftovers). */
async function sweepOrphans(experiment: string, provider: SandboxProvider, emit: (e: RunEvent) => void): Promise<void> {
  try {
    const swept = await provider.sweep({ experiment });
    if (swept.removed.length) emit({ type: 'info', text: `removed ${swept.removed.length} orphaned sandbox(es) of an earlier run` });
  } catch (e) {
    emit({ type: 'warning', text: `could not sweep orphaned sandboxes: ${(e as Error).message}` });
  }
}

/** The initializer: state files, the baseline measurement of the untouched workspace, the first commit. */
async function baseline(ctx: RunContext, journal: JournalEntry[]): Promise<void> {
  if (journal.some((e) => e.type === 'baseline-done')) return;
  const { spec, paths, repo } = ctx;
  refuseNestedRepositories(ctx);
  if (!(await repo.hasCommits())) await repo.commitAll('baton: initial workspace');
  const started = journal.find((e) => e.type === 'baseline-start');
  const untouched = started?.type === 'baseline-start' ? started.commit : await repo.head();
  if (!started) appendJournal(paths.journal, { type: 'baseline-start', commit: untouched }, ctx.now());
  if (!ctx.ledger.some((r) => r.iteration === 0)) {
    ctx.emit({ type: 'step', iteration: 0, step: 'measure', text: 'measuring the baseline (the untouched workspace)' });
    const t0 = Date.now();
    const m = await measureCommit(ctx, untouched, 0, iterationTag(0));
    // Nothing is recorded or committed: the next `baton run` measures the baseline afresh.
    if (ctx.signal.aborted) throw new InterruptedError('interrupted while measuring the baseline; `baton run` measures it again');
    const failed = unmeasurable(m.measurements);
    if (failed.length) throw baselineError(failed, ctx.paths.root);
    // With a model worker, one session expands the goal into PLAN.md; its cost is the baseline's session.
    const session = isModelWorker(ctx.worker) ? await runInitializer(ctx, m) : undefined;
    appendLedger(ctx, {
      v: 1,
      run: ctx.runId,
      iteration: 0,
      phase: 'baseline',
      commit: untouched,
      at: ctx.now().toISOString(),
      elapsedHours: 0,
      measurements: m.measurements,
      metrics: m.metrics,
      verdict: { kind: 'baseline', reason: 'the untouched workspace' },
      warnings: m.warnings,
      durationMs: Date.now() - t0,
      ...(session ? { session } : {}),
    });
    ctx.emit({
      type: 'verdict',
      iteration: 0,
      verdict: 'baseline',
      reason: m.measurements.map((x) => `${x.oracle}: ${x.status}${x.reason ? ` (${x.reason})` : ''}`).join('; '),
    });
  }
  safeWriteFile(paths.workspace, 'PROMPT.md', promptFile(spec), paths.scratch);
  if (!regularFileExists(paths.workspace, 'PLAN.md')) safeWriteFile(paths.workspace, 'PLAN.md', initialPlan(spec), paths.scratch);
  if (!regularFileExists(paths.workspace, 'NOTES.md')) safeWriteFile(paths.workspace, 'NOTES.md', initialNotes(), paths.scratch);
  await writeStateFiles(ctx, 'running');
  const head = await repo.commitAll('baton: baseline measured; state files written', { iteration: 0, verdict: 'baseline' });
  appendJournal(paths.journal, { type: 'baseline-done', head }, ctx.now());
}

/** A workspace that arrives with nested repositories is refused: host git would trust their config. */
function refuseNestedRepositories(ctx: RunContext): void {
  const found = scanHazards(ctx.paths.workspace, { fileBytes: Number.MAX_SAFE_INTEGER }).nestedGit;
  if (!found.length) return;
  throw new UserError(
    `${ctx.paths.workspace} holds nested git repositories or names git refuses (${found.slice(0, 5).join(', ')}${found.length > 5 ? ', …' : ''}); baton's git would trust their config on the host. Make them plain folders (remove their .git) or move them out of the workspace, then run again.`,
    { code: 'BATON_INPUT_INVALID', context: { nested: found } },
  );
}

/** Finishes an iteration a crash interrupted, from what the journal and the ledger say was done. */
async function recover(ctx: RunContext, journal: JournalEntry[]): Promise<void> {
  const open = openIteration(journal);
  if (!open) return;
  const { n, base } = open;
  ctx.emit({
    type: 'step',
    iteration: n,
    step: 'recover',
    text: `iteration ${n} was interrupted ${open.candidate ? 'after its session' : open.session ? 'after its session' : 'during its session'}; finishing it`,
  });
  let session = open.session;
  if (!session) {
    // What the model spent before the harness stopped is in the transcript; the budget must count it.
    const usage = transcriptUsage(path.join(ctx.paths.transcripts, `${iterationTag(n)}.jsonl`));
    session = inspectWorkspace(ctx, {
      summary: '(interrupted: the harness stopped during the session)',
      stopReason: 'interrupted',
      usage,
      durationMs: 0,
      cause: 'interrupted: the harness stopped during the session',
    });
    appendJournal(ctx.paths.journal, { type: 'session-end', iteration: n, session }, ctx.now());
  }
  await finishIteration(ctx, n, base, session, open.candidate, false);
}

function openIteration(journal: JournalEntry[]) {
  let open: { n: number; base: string; session?: SessionRecord; candidate?: string } | undefined;
  for (const e of journal) {
    // A lane's iteration is finished by lanes.ts (its session ran elsewhere, from its own base).
    if (e.type === 'iteration-start') open = e.key ? undefined : { n: e.iteration, base: e.base };
    else if (open && 'iteration' in e && e.iteration === open.n) {
      if (e.type === 'session-end') open.session = e.session;
      if (e.type === 'candidate') open.candidate = e.commit;
      if (e.type === 'settled') open = undefined;
    }
  }
  return open;
}

async function loop(ctx: RunContext): Promise<RunOutcome> {
  // A provider that shares no folder with this machine (remote hosts) runs even one session at a time as a lane.
  if (ctx.spec.parallel.lanes > 1 || ctx.provider.sharesHostFolders === false) {
    const outcome = await runLanes(ctx, ctx.spec.parallel.lanes);
    return finish(ctx, outcome.state, outcome.reason);
  }
  const cap = ctx.spec.budget.iterations + 1; // every loop has a hard cap
  for (let guard = 0; guard <= cap; guard++) {
    const decision = stopDecision(ctx.spec, ctx.ledger, activeMs(ctx));
    if (decision) return finish(ctx, decision.stop, decision.reason);
    if (ctx.signal.aborted) return finish(ctx, 'interrupted', 'interrupted by a signal');
    const n = lastIteration(ctx.ledger) + 1;
    const base = await ctx.repo.head();
    appendJournal(ctx.paths.journal, { type: 'iteration-start', iteration: n, base }, ctx.now());
    ctx.emit({ type: 'step', iteration: n, step: 'session', text: `session ${n} starts (${ctx.worker.kind} worker)` });
    const session = inspectWorkspace(ctx, await runSession(ctx, n));
    appendJournal(ctx.paths.journal, { type: 'session-end', iteration: n, session }, ctx.now());
    ctx.emit({
      type: 'step',
      iteration: n,
      step: 'session',
      text: `session ${n} ended: ${session.stopReason}${session.cause ? ` (${session.cause})` : ''}: ${session.summary}`,
    });
    await finishIteration(ctx, n, base, session);
    if (ctx.signal.aborted) return finish(ctx, 'interrupted', 'interrupted by a signal');
  }
  throw new UserError(`the loop ran past its cap of ${cap} iterations`, { code: 'BATON_INTERNAL' });
}

async function finish(ctx: RunContext, state: RunOutcome['state'], reason: string): Promise<RunOutcome> {
  await writeStateFiles(ctx, state);
  if ((await ctx.repo.dirtyPaths()).length) await ctx.repo.commitAll(`baton: run ${state}: ${reason}`);
  failpoint('run:end-commit');
  appendJournal(ctx.paths.journal, { type: 'run-end', state, reason }, ctx.now());
  return { state, reason, iterations: lastIteration(ctx.ledger), report: `${ctx.paths.workspace}/reports/REPORT.md` };
}
