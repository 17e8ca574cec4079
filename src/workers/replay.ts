/**
 * The replay worker: session i of the run plays sessions[i] of a YAML script
 * (write, patch, exec, note, failed), applied inside the worker sandbox. It
 * makes the demo and the fault tests deterministic.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { InputError, type Problem } from '../errors.js';
import { failpoint } from '../failpoint.js';
import { ZERO_USAGE } from '../ledger/record.js';
import { formatPath } from '../spec/validate.js';
import { closest } from '../spec/suggest.js';
import { parseDuration } from '../spec/units.js';
import type { ExecResult } from '../sandbox/types.js';
import { appendToSection } from '../workspace/state-files.js';
import { ReplayScript, type ReplayStep } from './replay-script.js';
import { shq } from './shell.js';
import type { ScriptedTask, SessionContext, SessionResult, StopReason, Worker } from './types.js';

/** The keys that start each kind of step. */
const STEP_KEYS = ['write', 'patch', 'exec', 'note', 'failed'];

/** Reads and validates a replay script, naming the file, key path and line of every problem. */
export function loadReplayScript(file: string): ReplayScript {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new InputError(
      [{ file, where: 'file', message: `cannot read the replay script (${code ?? (cause as Error).message.split('\n')[0]})`, expected: 'a YAML file' }],
      { cause },
    );
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) {
    throw new InputError(doc.errors.map((e) => ({ file, where: `line ${lc.linePos(e.pos[0]).line}`, message: `YAML syntax: ${e.message.split('\n')[0]}` })));
  }
  const raw: unknown = doc.toJS();
  const parsed = ReplayScript.safeParse(raw);
  if (!parsed.success) {
    const lineOf = (p: PropertyKey[]): string => {
      for (let n = p.length; n >= 0; n--) {
        const node = doc.getIn(p.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
        if (node && typeof node === 'object' && node.range) return ` (line ${lc.linePos(node.range[0]).line})`;
      }
      return '';
    };
    const problems: Problem[] = parsed.error.issues.map((i) => {
      const where = `${formatPath(i.path)}${lineOf(i.path)}`;
      const value = valueAt(raw, i.path);
      if (i.code === 'invalid_union' && /steps\.\d+$/.test(i.path.join('.')) && value && typeof value === 'object' && !Array.isArray(value)) {
        const keys = Object.keys(value);
        const guess = keys.map((k) => closest(k, STEP_KEYS)).find((g) => g !== undefined);
        const known = keys.find((k) => STEP_KEYS.includes(k));
        return {
          file,
          where,
          message: known ? `not a valid ${known} step` : 'not a step',
          expected: known ? `the keys of a ${known} step (see: baton schema --replay)` : `a step with one of the keys ${STEP_KEYS.join(', ')}`,
          found: `keys ${keys.join(', ')}`,
          hint: !known && guess ? `did you mean "${guess}"?` : undefined,
        };
      }
      return { file, where, message: i.message.replace(/^Invalid input: /, '') };
    });
    throw new InputError(problems);
  }
  const dir = path.dirname(file);
  const missing: Problem[] = [];
  parsed.data.sessions.forEach((s, i) =>
    s.steps.forEach((step, j) => {
      if ('write' in step && step.from && !fs.existsSync(path.resolve(dir, step.from))) {
        missing.push({
          file,
          where: `sessions[${i}].steps[${j}].from`,
          message: `file not found: ${step.from}`,
          expected: `a file at ${path.resolve(dir, step.from)}`,
        });
      }
    }),
  );
  if (missing.length) throw new InputError(missing);
  return parsed.data;
}

export class ReplayWorker implements Worker {
  readonly kind = 'replay' as const;
  private readonly script: ReplayScript;
  private readonly scriptDir: string;

  constructor(scriptFile: string) {
    this.script = loadReplayScript(scriptFile);
    this.scriptDir = path.dirname(scriptFile);
  }

  get sessions(): number {
    return this.script.sessions.length;
  }

  /** The sessions lane `lane` plays: its own list when the script has one, else `sessions`. */
  private sessionsOf(lane: number | undefined): ReplayScript['sessions'] {
    return (lane !== undefined ? this.script.lanes?.[String(lane)] : undefined) ?? this.script.sessions;
  }

  scriptedTask(lane: number, sessionIndex: number): ScriptedTask | undefined {
    return this.sessionsOf(lane)[sessionIndex]?.task;
  }

  async runSession(ctx: SessionContext): Promise<SessionResult> {
    const list = this.sessionsOf(ctx.lane);
    const session = list[ctx.sessionIndex];
    ctx.transcript.write('prompt', { chars: ctx.prompt.length, prompt: ctx.prompt });
    if (!session) {
      ctx.transcript.write('stop', { reason: 'nothing-to-do' });
      const whose = ctx.lane !== undefined && this.script.lanes?.[String(ctx.lane)] ? ` for lane ${ctx.lane}` : '';
      return {
        summary: `the replay script has no session ${ctx.sessionIndex + 1}${whose} (it has ${list.length}): nothing to do`,
        stopReason: 'nothing-to-do',
        usage: { ...ZERO_USAGE },
      };
    }
    for (const [i, step] of session.steps.entries()) {
      if (ctx.signal.aborted) return this.stop(ctx, session.summary, 'interrupted', 'the harness was interrupted');
      if (Date.now() >= ctx.deadline) return this.stop(ctx, session.summary, 'timeout', `the session's time ran out before step ${i + 1}`);
      ctx.transcript.write('step', { index: i, step: describeStep(step) });
      const result = await this.apply(step, ctx);
      ctx.transcript.write('exec', { index: i, ...result });
      failpoint('replay:step');
      if (result.sandboxDied) return this.stop(ctx, session.summary, 'sandbox-died', result.cause ?? 'the sandbox died');
      if (result.oomKilled) return this.stop(ctx, session.summary, 'oom', `out of memory in step ${i + 1}: ${result.command}`);
      if (ctx.signal.aborted) return this.stop(ctx, session.summary, 'interrupted', 'the harness was interrupted');
      // A failing step is recorded and the session goes on, as an agent's would.
    }
    ctx.transcript.write('stop', { reason: 'done' });
    return { summary: session.summary, stopReason: 'done', usage: { ...ZERO_USAGE } };
  }

  private stop(ctx: SessionContext, summary: string, stopReason: StopReason, cause: string): SessionResult {
    ctx.transcript.write('stop', { reason: stopReason, cause });
    return { summary, stopReason, cause, usage: { ...ZERO_USAGE } };
  }

  private async apply(step: ReplayStep, ctx: SessionContext): Promise<ExecResult> {
    const left = Math.max(1000, ctx.deadline - Date.now());
    const sb = ctx.sandbox;
    if ('write' in step) {
      const content = step.from !== undefined ? fs.readFileSync(path.resolve(this.scriptDir, step.from), 'utf8') : (step.content ?? '');
      return sb.exec(`mkdir -p "$(dirname ${shq(step.write)})" && cat > ${shq(step.write)}`, {
        stdin: content,
        cwd: '/workspace',
        timeoutMs: Math.min(left, 60_000),
      });
    }
    if ('patch' in step) {
      return sb.exec('git -c safe.directory=* apply --whitespace=nowarn -', { stdin: step.patch, cwd: '/workspace', timeoutMs: Math.min(left, 60_000) });
    }
    if ('exec' in step) {
      return sb.exec(step.exec, { cwd: '/workspace', timeoutMs: Math.min(left, parseDuration(step.timeout)) });
    }
    const section = 'failed' in step ? 'Failed approaches' : 'Notes';
    const text = 'failed' in step ? step.failed : step.note;
    const read = await sb.exec('cat NOTES.md 2>/dev/null || true', { cwd: '/workspace', timeoutMs: 30_000 });
    const notes = appendToSection(read.stdout || '# Notes\n', section, text);
    return sb.exec('cat > NOTES.md', { stdin: notes, cwd: '/workspace', timeoutMs: 30_000 });
  }
}

function describeStep(step: ReplayStep): Record<string, unknown> {
  if ('write' in step) return { write: step.write, from: step.from, bytes: step.content?.length };
  if ('patch' in step) return { patch: `${step.patch.split('\n').length} lines` };
  if ('exec' in step) return { exec: step.exec, timeout: step.timeout };
  return 'failed' in step ? { failed: step.failed } : { note: step.note };
}

function valueAt(raw: unknown, p: PropertyKey[]): unknown {
  let cur = raw;
  for (const k of p) cur = cur && typeof cur === 'object' ? (cur as Record<PropertyKey, unknown>)[k] : undefined;
  return cur;
}
