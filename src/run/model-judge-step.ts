/**
 * The model judge's step of an iteration: asked only when everything else
 * says `met` (every threshold holds, confirmed, no tamper, no crash), with
 * the evidence the harness gathers. Its prompt and answer go to the
 * iteration's transcript; its cost is added to the iteration's usage.
 */
import type { DiffFacts } from '../judge/judge.js';
import { allHold } from '../judge/metrics.js';
import type { SessionRecord } from '../ledger/record.js';
import { askModelJudge, judgePrompt, type AskOptions, type JudgeEvidence } from '../workers/model-judge.js';
import { addUsage } from '../workers/pricing.js';
import { Transcript } from '../workers/transcript.js';
import type { RunContext } from './context.js';
import type { MeasureResult } from './measure.js';
import { tableOf } from './measure-tool.js';

/** Paths of baton's own state files, left out of the evidence diff. */
const STATE_PATHS = [':(exclude)PROGRESS.md', ':(exclude)reports'];

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
    diff: await ctx.repo.run(['diff', baseline, candidate, '--', '.', ...STATE_PATHS]),
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
