/**
 * The model judge's step of an iteration: asked only when everything else
 * says `met` (every threshold holds, confirmed, no tamper, no crash), with
 * the evidence the harness gathers. Its prompt and answer go to the
 * iteration's transcript; its cost is added to the iteration's usage.
 */
import type { DiffFacts } from '../judge/judge.js';
import { allHold } from '../judge/metrics.js';
import type { SessionRecord } from '../ledger/record.js';
import type { FileChange } from '../workers/judge-diff.js';
import { askModelJudge, judgePrompt, type AskOptions, type JudgeEvidence } from '../workers/model-judge.js';
import { addUsage } from '../ledger/query.js';
import { Transcript } from '../workers/transcript.js';
import type { RunContext } from './context.js';
import type { MeasureResult } from './measure.js';
import { tableOf } from './measure-tool.js';

/** Paths of baton's own state files, left out of the evidence diff. */
const STATE_PATHS = [':(exclude)PROGRESS.md', ':(exclude)reports'];
/** Files larger than this in the candidate are listed with their size, their diff not read. */
const MAX_READ_BYTES = 1024 * 1024;
/** Diff options that keep the repository's own configuration (drivers, renames) out of what the judge sees. */
const DIFF_OPTS = ['--no-renames', '--no-ext-diff', '--no-textconv', '--no-color'];

/**
 * Every changed path between `baseline` and `candidate` with its size, and
 * the diff of each text file up to MAX_READ_BYTES, split per file (numstat
 * and patch list files in the same order). NUL-separated throughout, so no
 * file name can forge an entry.
 */
export async function collectChanges(repo: RunContext['repo'], baseline: string, candidate: string): Promise<FileChange[]> {
  const fields = (await repo.run(['diff', ...DIFF_OPTS, '--numstat', '-z', baseline, candidate, '--', '.', ...STATE_PATHS])).split('\0');
  const changes: FileChange[] = [];
  for (const field of fields) {
    const m = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(field);
    if (!m) continue;
    const binary = m[1] === '-';
    changes.push({ path: m[3], binary, ...(binary ? {} : { added: Number(m[1]), deleted: Number(m[2]) }) });
  }
  if (changes.length === 0) return changes;
  const sizes = new Map<string, number>();
  for (const entry of (await repo.run(['ls-tree', '-r', '-l', '-z', candidate])).split('\0')) {
    const t = entry.indexOf('\t');
    const size = Number(entry.slice(0, t).trim().split(/\s+/)[3]);
    if (t > 0 && Number.isFinite(size)) sizes.set(entry.slice(t + 1), size);
  }
  for (const c of changes) if (sizes.has(c.path)) c.bytes = sizes.get(c.path);
  const readable = changes.filter((c) => !c.binary && (c.bytes ?? 0) <= MAX_READ_BYTES);
  if (readable.length === 0) return changes;
  const unread = changes.filter((c) => !readable.includes(c)).map((c) => `:(exclude,literal)${c.path}`);
  const patch = await repo.run(['diff', ...DIFF_OPTS, baseline, candidate, '--', '.', ...STATE_PATHS, ...unread]);
  const chunks = patch.split(/^(?=diff --git )/m).filter((c) => c.startsWith('diff --git '));
  // Same order as numstat; a count that differs (never seen) leaves the diffs unread rather than misattributed.
  if (chunks.length === readable.length) readable.forEach((c, i) => (c.diff = chunks[i]));
  return changes;
}

/** Whether the model judge has a say on this candidate: the spec asks for one and it would otherwise be met. */
export function modelJudgeDue(ctx: RunContext, final: MeasureResult, confirmations: number, diff: DiffFacts, session: SessionRecord): boolean {
  if (!ctx.spec.judge.model || session.cause) return false;
  if (diff.protectedTouched.length || diff.oracleFilesChanged.length) return false;
  const ok = final.measurements.length > 0 && final.measurements.every((m) => m.status === 'ok');
  return ok && allHold(ctx.spec, final.metrics) && confirmations >= ctx.spec.judge.confirm;
}

/** Asks the model judge about iteration `n`'s candidate; returns its answer and the session record with its cost added. */
export async function consultModelJudge(
  ctx: RunContext,
  n: number,
  candidate: string,
  final: MeasureResult,
  session: SessionRecord,
  options: AskOptions = {},
): Promise<{ answer: { agreed: boolean; reason: string }; session: SessionRecord }> {
  const cfg = ctx.spec.judge.model!;
  const baseline = ctx.ledger.find((r) => r.iteration === 0)?.commit ?? candidate;
  const evidence: JudgeEvidence = {
    goal: ctx.spec.goal,
    condition: cfg.condition,
    diff: '',
    changes: await collectChanges(ctx.repo, baseline, candidate),
    measurement: tableOf(ctx, final),
    summary: session.summary,
  };
  const transcript = new Transcript(ctx.paths.transcripts, n);
  transcript.write('judge-prompt', { model: cfg.model, condition: cfg.condition, prompt: judgePrompt(evidence) });
  ctx.emit({ type: 'step', iteration: n, step: 'judge', text: `every threshold holds; asking the model judge (${cfg.model})` });
  const answer = await askModelJudge(ctx.spec, evidence, { signal: ctx.signal, ...options });
  transcript.write('judge-answer', { agreed: answer.agreed, reason: answer.reason, usage: answer.usage });
  return { answer: { agreed: answer.agreed, reason: answer.reason }, session: { ...session, usage: addUsage(session.usage, answer.usage) } };
}
