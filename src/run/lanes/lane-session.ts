/**
 * One lane's session: the tree of its base commit moved into a private
 * volume of a fresh worker sandbox, the worker run there, the volume's tree
 * moved out (treated as hostile: tree-extract.ts) and committed as a child of
 * the base on refs/baton/lanes/<lane>. Main's work tree and index are never
 * touched, so sessions run while the judge works on main.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SystemError } from '../../errors.js';
import type { SessionRecord } from '../../ledger/record.js';
import { TreeLimitError, treeLimits } from '../../sandbox/tree-limits.js';
import type { SandboxHandle, TreeLimits } from '../../sandbox/types.js';
import { parseSize } from '../../spec/units.js';
import { assemblePrompt } from '../../workspace/prompt.js';
import { readTextOrEmpty } from '../../workspace/safe-fs.js';
import type { RunContext } from '../context.js';
import { measureTool } from '../measure-tool.js';
import { runSession, type PrivateWorkspace } from '../session.js';
import { oneLine } from '../settle.js';
import type { Task } from './tasks.js';
import { ALWAYS_IN_SCOPE } from './tasks.js';

/** Where a lane's session's work ends up. */
export interface LaneWork {
  session: SessionRecord;
  /** The session's tree as a child of its base (the base itself when nothing came out). */
  commit: string;
}

export interface LaneSessionInput {
  lane: number;
  lanes: number;
  key: string;
  /** The session's ordinal in the run (the prompt's "session N"). */
  ordinal: number;
  sessionIndex: number;
  base: string;
  task?: Task;
  /** Called once the base's tree is in the sandbox (lanes.ts journals it: a tree saved from the sandbox is then the session's work). */
  onReady?: () => void;
}

/** Entries of a lane's workspace at most: the host lists a lane's changes with git in one buffer (64 MiB). */
export const LANE_MAX_ENTRIES = 60_000;
/** The longest path in a lane's workspace: it must also fit below the host's scratch folders (PATH_MAX 4,096). */
export const LANE_MAX_NAME_BYTES = 1024;

/** The copy limits of a lane's workspace: the spec's `limits`, and caps on entries and path length (above). */
export function workspaceLimits(ctx: Pick<RunContext, 'spec'>): TreeLimits {
  return treeLimits({
    fileBytes: parseSize(ctx.spec.limits.file),
    totalBytes: parseSize(ctx.spec.limits.workspace),
    maxEntries: LANE_MAX_ENTRIES,
    maxNameBytes: LANE_MAX_NAME_BYTES,
  });
}

/** The task section of a lane session's prompt. Pure. */
export function taskSection(input: Pick<LaneSessionInput, 'lane' | 'lanes' | 'task'>): string {
  const head = `## Your lane (${input.lane} of ${input.lanes})`;
  const together =
    'Other sessions work at the same time on their own copies. When you stop, your changes are applied onto the best code kept by then ' +
    'and measured there: keep them focused, so they apply cleanly.';
  if (!input.task) return [head, '', `Work on the whole goal. ${together}`, ''].join('\n');
  const t = input.task;
  return [
    head,
    '',
    `Your task: **${t.title}**${t.metric ? ` (it should move ${t.metric})` : ''}.`,
    '',
    `You may change only these paths: ${t.scope.map((g) => `\`${g}\``).join(', ')} (and ${ALWAYS_IN_SCOPE.join(', ')}). ` +
      'Work that changes any other file is reverted as out-of-scope, whatever it measures.',
    '',
    together,
    '',
  ].join('\n');
}

/** The prompt of a lane's session, from its base's files (main's work tree may be mid-judgement). */
async function lanePrompt(ctx: RunContext, input: LaneSessionInput, treeIn: string): Promise<string> {
  const read = (rel: string) => readTextOrEmpty(treeIn, rel, (reason) => ctx.emit({ type: 'warning', text: `workspace file ignored: ${reason}` }));
  const prompt = assemblePrompt({
    spec: ctx.spec,
    iteration: input.ordinal,
    promptMd: read('PROMPT.md'),
    planMd: read('PLAN.md'),
    notesMd: read('NOTES.md'),
    gitLog: await ctx.repo.run(['log', '--oneline', '-n', '10', input.base]),
    history: ctx.ledger,
  });
  return `${prompt.trimEnd()}\n\n${taskSection(input)}`;
}

/** Runs one lane session to its end; its work is committed on refs/baton/lanes/<lane>. Throws only for the machine's faults. */
export async function runLaneSession(ctx: RunContext, input: LaneSessionInput): Promise<LaneWork> {
  const dir = path.join(ctx.paths.scratch, 'lanes', input.key);
  const treeIn = path.join(dir, 'in');
  const treeOut = path.join(dir, 'out');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const limits = workspaceLimits(ctx);
  try {
    await ctx.repo.exportTree(input.base, treeIn);
    const copyOut = async (sb: SandboxHandle, dest: string) => {
      if (!sb.copyOut) throw noCopy(sb);
      return sb.copyOut('/workspace', dest, { limits });
    };
    const own: PrivateWorkspace = {
      lane: input.lane,
      key: input.key,
      sessionIndex: input.sessionIndex,
      moveIn: async (sb) => {
        if (!sb.copyIn) throw noCopy(sb);
        await sb.copyIn(treeIn, '/workspace', { limits });
        input.onReady?.();
      },
      moveOut: async (sb) => {
        // Whatever the worker left running in the background (`setsid … &`) ends first: the copy reads a tree at rest.
        await sb.interrupt?.().catch(() => undefined);
        try {
          const r = await copyOut(sb, treeOut);
          // A planted repository is skipped by the copy; it is still tamper (host git would have trusted it).
          const git = r.skipped.filter((s) => s.reason === 'git');
          const top = git.filter((s) => !git.some((o) => o !== s && s.path.startsWith(`${o.path}/`)));
          return top.length ? { tamper: top.map((s) => `planted a repository at ${s.path} (not copied out of the sandbox)`) } : {};
        } catch (e) {
          if (!(e instanceof TreeLimitError)) throw e;
          fs.rmSync(treeOut, { recursive: true, force: true });
          return { cause: `limits: ${e.message}` };
        }
      },
      measure: (sandbox) =>
        measureTool(ctx, input.key, sandbox, async (dest, sb) => {
          if (!sb) throw new Error('the session has no sandbox');
          // Frozen while copied: the worker cannot swap a folder for a link between the copy's checks and its reads.
          const resume = sb.pause ? await sb.pause() : undefined;
          try {
            await copyOut(sb, dest);
          } finally {
            await resume?.();
          }
        }),
    };
    const prompt = await lanePrompt(ctx, input, treeIn);
    let session = await runSession(ctx, input.ordinal, { prompt, workspace: own });
    let commit = input.base;
    if (fs.existsSync(treeOut)) {
      const message = `baton: lane ${input.lane} session ${input.key}: ${oneLine(session.summary)}`;
      try {
        commit = await ctx.repo.commitFolder(treeOut, input.base, message, [], path.join(dir, 'index'));
      } catch (e) {
        if (!(e instanceof SystemError) || e.code !== 'BATON_GIT') throw e;
        const why = e.message.split('\n').find((l) => /error|fatal/i.test(l)) ?? e.message.slice(0, 300);
        session = { ...session, cause: session.cause ?? `git-refused: git could not commit the session's work (${why})` };
      }
    } else if (!session.cause) session = { ...session, cause: 'error: the session ended without its workspace coming out of the sandbox' };
    await ctx.repo.updateRef(`refs/baton/lanes/${input.lane}`, commit);
    return { session, commit };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function noCopy(sb: SandboxHandle): SystemError {
  return new SystemError(
    `the ${sb.kind} sandbox cannot move a workspace in and out (copyIn/copyOut), which lanes need; use Docker, or the local sandbox with bubblewrap, or parallel.lanes: 1`,
    { code: 'BATON_SANDBOX' },
  );
}
