/**
 * One worker session: a fresh worker sandbox over the live workspace (its
 * .git read-only, the oracle files absent), the prompt assembled from disk,
 * the worker run until it stops or its time is up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { describeError, SystemError } from '../errors.js';
import { experimentId } from '../experiment.js';
import type { SessionRecord } from '../ledger/record.js';
import { ZERO_USAGE } from '../ledger/record.js';
import type { HostMount, SandboxHandle } from '../sandbox/types.js';
import { parseDuration, parseSize } from '../spec/units.js';
import { totalUsage, tokensOf } from '../ledger/query.js';
import { Transcript } from '../workers/transcript.js';
import { CRASH_REASONS, type SessionResult } from '../workers/types.js';
import { assemblePrompt } from '../workspace/prompt.js';
import { readTextOrEmpty, safeReadFile, safeWriteFile } from '../workspace/safe-fs.js';
import type { RunContext } from './context.js';
import { measureTool } from './measure-tool.js';

/** Reads a workspace state file without following links, capped; '' when it is missing or unsafe (with a warning). */
export function readWorkspaceFile(ctx: Pick<RunContext, 'paths' | 'emit'>, rel: string): string {
  return readTextOrEmpty(ctx.paths.workspace, rel, (reason) => ctx.emit({ type: 'warning', text: `workspace file ignored: ${reason}` }));
}

/** The prompt of the session of `iteration`, from the files on disk and the ledger. */
export async function promptFor(ctx: RunContext, iteration: number): Promise<string> {
  return assemblePrompt({
    spec: ctx.spec,
    iteration,
    promptMd: readWorkspaceFile(ctx, 'PROMPT.md'),
    planMd: readWorkspaceFile(ctx, 'PLAN.md'),
    notesMd: readWorkspaceFile(ctx, 'NOTES.md'),
    gitLog: await ctx.repo.logOneline(10),
    history: ctx.ledger,
  });
}

/** Index of the next replay session: sessions cut short by the harness dying are played again. */
export function sessionIndex(ctx: RunContext): number {
  return ctx.ledger.filter((r) => r.phase === 'candidate' && r.session && r.session.stopReason !== 'interrupted').length;
}

/** Copies the experiment files the spec exposes into a folder the worker sees read-only. */
function exposedMount(ctx: RunContext, name: string): HostMount | undefined {
  if (ctx.spec.expose.length === 0) return undefined;
  const match = picomatch(ctx.spec.expose, { dot: false });
  const dest = path.join(ctx.paths.scratch, `exposed-${name}`);
  fs.rmSync(dest, { recursive: true, force: true });
  // Made even when nothing matches: the engine refuses to mount a missing folder.
  fs.mkdirSync(dest, { recursive: true });
  const walk = (rel: string): void => {
    const abs = path.join(ctx.paths.root, rel);
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (r !== '.baton' && r !== 'workspace') walk(r);
      } else if (match(r)) {
        fs.mkdirSync(path.dirname(path.join(dest, r)), { recursive: true });
        fs.copyFileSync(path.join(ctx.paths.root, r), path.join(dest, r));
      }
    }
  };
  walk('');
  return { hostPath: dest, containerPath: '/baton/exposed', readOnly: true };
}

/** Host environment variables the spec passes by name, plus baton's own. */
function workerEnv(ctx: RunContext, iteration: number): Record<string, string> {
  const env: Record<string, string> = { BATON_ITERATION: String(iteration), BATON_WORKSPACE: '/workspace' };
  const names = [...ctx.spec.sandbox.env, ...(ctx.spec.worker.kind === 'command' ? ctx.spec.worker.env : [])];
  for (const name of names) {
    const v = process.env[name];
    if (v !== undefined) env[name] = v;
  }
  return env;
}

/** Starts the worker sandbox; failing to start one is the machine's problem, not the session's: it stops the run. */
async function startWorkerSandbox(ctx: RunContext, options: Parameters<RunContext['provider']['start']>[0]): Promise<SandboxHandle> {
  try {
    return await ctx.provider.start(options);
  } catch (cause) {
    throw new SystemError(`could not start the worker sandbox: ${describeError(cause)}. Run \`baton sandbox doctor\`; then \`baton run\` again resumes.`, {
      code: 'BATON_SANDBOX',
      cause,
    });
  }
}

/**
 * Where a lane's session works (lanes/): its own copy of the workspace moved
 * into a private volume of its sandbox and its changes moved out, instead of
 * the live workspace bind-mounted. Nothing writable of the host is shared.
 */
export interface PrivateWorkspace {
  lane: number;
  /** Names the session until the judge numbers it: its transcript, its labels. */
  key: string;
  /** The lane's replay index (sessionIndex of the worker). */
  sessionIndex: number;
  /** Put into the sandbox's /workspace before the worker starts. */
  moveIn(sandbox: SandboxHandle): Promise<void>;
  /** Brings the session's /workspace out after the worker stopped, before the sandbox is removed; returns what the host found (tamper, a crash cause). */
  moveOut(sandbox: SandboxHandle): Promise<Pick<SessionRecord, 'tamper' | 'cause'>>;
  /** The worker's `measure` tool over the private copy. */
  measure?: (sandbox: () => SandboxHandle | undefined) => () => Promise<string>;
}

/** What a session on the live workspace may change there when it ran on a copy (liveCopy): the plan the callers keep. */
const LIVE_COPY_KEEPS = ['PLAN.md', 'TASKS.yaml'];

/**
 * The live workspace for a provider whose sandboxes share no folder with
 * this machine (remote hosts): the initializer's and the planner's sessions
 * work on a copy of it (its .git left out), and of what comes back (copyOut's
 * hostile-tree rules) only PLAN.md and TASKS.yaml are written over the live
 * files, read without following a link; their callers keep nothing else of
 * such a session anyway (they reset the workspace to HEAD after).
 */
function liveCopy(ctx: RunContext, name: string): PrivateWorkspace {
  const dir = path.join(ctx.paths.scratch, `live-${name}-${process.pid}`);
  const limits = { fileBytes: parseSize(ctx.spec.limits.file), totalBytes: parseSize(ctx.spec.limits.workspace) };
  return {
    lane: 0,
    key: `live-${name}`,
    sessionIndex: sessionIndex(ctx),
    moveIn: async (sb) => {
      if (!sb.copyIn) throw new SystemError(`the ${sb.kind} sandbox cannot take a copy of the workspace`, { code: 'BATON_SANDBOX' });
      fs.rmSync(dir, { recursive: true, force: true });
      const tree = path.join(dir, 'in');
      const ws = ctx.paths.workspace;
      fs.cpSync(ws, tree, { recursive: true, verbatimSymlinks: true, filter: (src) => path.relative(ws, src) !== '.git' });
      await sb.copyIn(tree, '/workspace', { limits });
    },
    moveOut: async (sb) => {
      if (!sb.copyOut) return {};
      await sb.interrupt?.().catch(() => undefined);
      const out = path.join(dir, 'out');
      try {
        await sb.copyOut('/workspace', out, { limits });
        for (const rel of LIVE_COPY_KEEPS) {
          const r = safeReadFile(out, rel);
          if (r.ok) safeWriteFile(ctx.paths.workspace, rel, r.text, ctx.paths.scratch);
          else if (r.missing) fs.rmSync(path.join(ctx.paths.workspace, rel), { force: true });
        }
        return {};
      } catch (e) {
        return { cause: `error: the session's workspace could not be copied back: ${describeError(e)}` };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Runs the session of `iteration`; never throws for a failing worker (a sandbox that cannot start stops the run). */
export async function runSession(
  ctx: RunContext,
  iteration: number,
  options: { prompt?: string; measure?: boolean; workspace?: PrivateWorkspace; transcript?: string } = {},
): Promise<SessionRecord> {
  const started = Date.now();
  const transcript = new Transcript(ctx.paths.transcripts, options.workspace ? options.workspace.key : (options.transcript ?? iteration));
  const own = options.workspace ?? (ctx.provider.sharesHostFolders === false ? liveCopy(ctx, options.transcript ?? String(iteration)) : undefined);
  const mounts: HostMount[] = own
    ? []
    : [
        { hostPath: ctx.paths.workspace, containerPath: '/workspace', readOnly: false },
        // The worker may read history but never rewrite it or plant hooks the host would run.
        { hostPath: path.join(ctx.paths.workspace, '.git'), containerPath: '/workspace/.git', readOnly: true },
      ];
  const exposed = exposedMount(ctx, own ? own.key : String(iteration));
  if (exposed) mounts.push(exposed);
  let sandbox: SandboxHandle | undefined;
  let result: SessionResult;
  let found: Pick<SessionRecord, 'tamper' | 'cause'> = {};
  let onAbort: (() => void) | undefined;
  try {
    const prompt = options.prompt ?? (await promptFor(ctx, iteration));
    sandbox = await startWorkerSandbox(ctx, {
      spec: ctx.spec.sandbox,
      role: 'worker',
      mounts,
      env: { ...workerEnv(ctx, iteration), ...(own ? { BATON_LANE: String(own.lane) } : {}) },
      workdir: '/workspace',
      labels: { experiment: experimentId(ctx.paths.root, ctx.spec.name), run: ctx.runId, iteration, ...(own ? { lane: own.lane, key: own.key } : {}) },
      lendRecords: ctx.paths.lent,
      ...(own ? { volumes: ['/workspace'] } : {}),
    });
    if (own) {
      // Stopped by `met` or a signal, the worker's commands end now, and its work is still copied out below.
      const started = sandbox;
      ctx.spareOnInterrupt?.add(started);
      onAbort = () => void started.interrupt?.().catch(() => undefined);
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener('abort', onAbort, { once: true });
      await own.moveIn(sandbox);
    }
    const used = totalUsage(ctx.ledger);
    const measure = options.measure === false ? undefined : own?.measure ? own.measure(() => sandbox) : measureTool(ctx, iteration, () => sandbox);
    result = await ctx.worker.runSession({
      spec: ctx.spec,
      experimentDir: ctx.paths.root,
      iteration,
      sessionIndex: own ? own.sessionIndex : sessionIndex(ctx),
      ...(own ? { lane: own.lane } : {}),
      sandbox,
      prompt,
      deadline: started + parseDuration(ctx.spec.budget.session.time),
      runBudgetLeft: {
        usd: ctx.spec.budget.usd === undefined ? undefined : ctx.spec.budget.usd - used.usd,
        tokens: ctx.spec.budget.tokens === undefined ? undefined : ctx.spec.budget.tokens - tokensOf(used),
      },
      transcript,
      signal: ctx.signal,
      measure,
      notify: (text) => ctx.emit({ type: 'warning', text }),
    });
    // However the worker saw it (a killed container, a cut exec), an interrupt is an interrupt.
    // A lane's session stopped by `met` has that said as the signal's reason (lanes.ts).
    const why = typeof ctx.signal.reason === 'string' ? ctx.signal.reason : 'the harness was interrupted (SIGINT/SIGTERM)';
    if (ctx.signal.aborted) result = { ...result, stopReason: 'interrupted', cause: why };
    // The work comes out whatever the stop: a session ended by `met` or a signal still has its diff saved.
    if (own) found = await own.moveOut(sandbox);
  } catch (e) {
    transcript.write('error', { message: describeError(e) });
    if (e instanceof SystemError) throw e;
    result = {
      summary: '(the session could not run)',
      stopReason: ctx.signal.aborted ? 'interrupted' : 'error',
      cause: describeError(e),
      usage: { ...ZERO_USAGE },
    };
  } finally {
    if (onAbort) ctx.signal.removeEventListener('abort', onAbort);
    await sandbox?.stop().catch(() => undefined);
    if (sandbox) ctx.spareOnInterrupt?.delete(sandbox);
  }
  const record: SessionRecord = {
    summary: result.summary,
    stopReason: result.stopReason,
    usage: result.usage,
    durationMs: Date.now() - started,
  };
  if (result.runBudget) record.runBudget = result.runBudget;
  if (CRASH_REASONS.has(result.stopReason)) record.cause = result.cause ? `${result.stopReason}: ${result.cause}` : result.stopReason;
  if (found.tamper?.length) record.tamper = found.tamper;
  if (found.cause && !record.cause) record.cause = found.cause;
  return record;
}
