/**
 * What the report says, as data: the one-line verdict, the thresholds
 * table, the timeline rows (recent ones in full, older ones folded), crashes
 * and tampering, and integrity warnings. REPORT.md and report.html both
 * render these. Pure.
 */
import type { VerdictKind } from '../ledger/record.js';
import { isKept } from '../ledger/query.js';
import { oraclesByKind } from '../oracles/registry.js';
import { count, fmtFactor, fmtNum, sparkline } from './format.js';
import type { IterationSummary, MetricSummary, ReportModel } from './model.js';

export const VERDICT_LABEL: Record<VerdictKind, string> = {
  baseline: 'baseline',
  keep: '✅ kept',
  met: '🏁 met',
  revert: '↩️ reverted',
  crashed: '💥 crashed',
  tamper: '⚠️ tamper',
  conflict: '🔀 conflict',
  'out-of-scope': '🚧 out of scope',
  stalled: '⏸ stalled',
  budget: '⛔ budget',
};

export const STATE_LABEL: Record<ReportModel['state'], string> = {
  met: '🏁 met',
  running: '🔄 running',
  stalled: '⏸ stalled',
  budget: '⛔ budget exhausted',
  interrupted: '⏹ interrupted',
  error: '❌ stopped by an error',
};

/** How far a value is from its threshold, in words: `3.2× above`, `12% below`. */
export function distance(m: MetricSummary, value: number): string {
  const t = m.threshold;
  if (!t || t.value === 0 || value === 0 || Math.sign(value) !== Math.sign(t.value)) return '';
  const r = m.direction === 'lower' ? value / t.value : t.value / value;
  if (r <= 1) return '';
  return `${fmtFactor(r)} ${m.direction === 'lower' ? 'above' : 'below'} the goal`;
}

/** Iterations since the last kept one (0 when the latest was kept). */
export function sinceKept(model: ReportModel): number {
  for (let i = model.iterations.length - 1; i >= 0; i--) if (isKept(model.iterations[i].verdict)) return model.latestIteration - model.iterations[i].iteration;
  return model.latestIteration;
}

/** The one sentence a reader sees first. */
export function verdictLine(model: ReportModel): string {
  const withT = model.metrics.filter((m) => m.threshold);
  const failing = withT.filter((m) => !m.pass);
  const n = model.latestIteration;
  if (model.state === 'met') return `Goal met at iteration ${n}: ${withT.length === 1 ? 'the threshold holds' : `all ${withT.length} thresholds hold`}.`;
  const prefix: Record<ReportModel['state'], string> = {
    met: '',
    running: 'Running',
    stalled: `Stalled (${count(sinceKept(model), 'iteration')} without a kept improvement)`,
    budget: 'Stopped by the budget',
    interrupted: 'Interrupted',
    error: 'Stopped by an error',
  };
  if (model.iterations.length === 0) return `${prefix[model.state]}: no measurement yet.`;
  if (model.iterations.length <= 1)
    return `${prefix[model.state]}: baseline measured, no iteration yet; ${withT.length - failing.length} of ${withT.length} thresholds hold.`;
  if (failing.length === 0)
    return `${prefix[model.state]}: all ${withT.length} thresholds hold at iteration ${model.bestIteration ?? n}, awaiting confirmation.`;
  let worst = failing[0];
  let worstR = 0;
  for (const m of failing) {
    const v = m.current?.value;
    if (v === undefined || !m.threshold) continue;
    const r = m.direction === 'lower' ? v / m.threshold.value : m.threshold.value / v;
    if (Number.isFinite(r) && r > worstR) {
      worst = m;
      worstR = r;
    }
  }
  const cur = worst.current ? `${fmtNum(worst.current.value)} vs ${worst.threshold?.text}` : 'not measured yet';
  const d = worst.current ? distance(worst, worst.current.value) : '';
  return `${prefix[model.state]}: ${withT.length - failing.length} of ${withT.length} thresholds hold after ${count(n, 'iteration')}; furthest is ${worst.name} at ${cur}${d ? ` (${d})` : ''}.`;
}

/** One row of the thresholds table. */
export interface ThresholdRow {
  metric: string;
  threshold: string;
  baseline: string;
  best: string;
  latest: string;
  status: 'pass' | 'fail' | '—';
  trend: string;
}

/** The running best sampled at `buckets` points across the run, for a sparkline. */
function bestTrend(m: MetricSummary, last: number, buckets = 12): string {
  if (m.bestSteps.length === 0) return '';
  const vals: number[] = [];
  let j = 0;
  for (let b = 0; b < buckets; b++) {
    const at = (last * b) / (buckets - 1);
    while (j + 1 < m.bestSteps.length && m.bestSteps[j + 1].iteration <= at) j++;
    vals.push(m.bestSteps[j].value);
  }
  const line = sparkline(m.direction === 'higher' ? vals : vals.map((v) => (m.log ? 1 / v : -v)), m.log && m.direction !== 'higher');
  const b = m.baseline;
  const best = m.best?.value;
  if (b === undefined || best === undefined || b === best) return `${line} flat`;
  if (best === 0 || b === 0) return `${line} ${fmtNum(b)} → ${fmtNum(best)}`;
  const r = m.direction === 'higher' ? best / b : b / best;
  return r > 1 ? `${line} ${fmtFactor(r)} better` : line;
}

/** The thresholds table, in spec order. */
export function thresholdRows(model: ReportModel): ThresholdRow[] {
  return model.metrics.map((m) => ({
    metric: m.name,
    threshold: m.threshold?.text ?? '—',
    baseline: fmtNum(m.baseline),
    best: m.best ? `${fmtNum(m.best.value)} (#${m.best.iteration})` : '—',
    latest: m.latest ? `${fmtNum(m.latest.value)} (#${m.latest.iteration})` : '—',
    status: m.threshold && m.current ? (m.pass ? 'pass' : 'fail') : '—',
    trend: bestTrend(m, model.latestIteration),
  }));
}

/** One iteration as the timeline shows it. */
export interface TimelineRow {
  iteration: number;
  verdict: VerdictKind;
  what: string;
  key: string;
  usd: number;
  durationMs: number;
  /** With lanes: the lane of the iteration's candidate. */
  lane?: number;
}

function change(before: number | undefined, v: number): string {
  if (before === undefined || before === 0) return fmtNum(v);
  const r = v / before;
  if (r === 1) return `${fmtNum(v)} (=)`;
  const pct = (r - 1) * 100;
  const d = r >= 0.5 && r <= 2 ? `${pct > 0 ? '+' : '−'}${Number(Math.abs(pct).toPrecision(2))}%` : `×${Number(r.toPrecision(2))}`;
  return `${fmtNum(v)} (${d})`;
}

/** What an iteration did and why it ended as it did. */
export function whatHappened(it: IterationSummary): string {
  if (it.iteration === 0) return 'baseline: the untouched workspace measured';
  const summary = it.summary.trim();
  const session = summary ? ` — session: ${summary}` : '';
  switch (it.verdict) {
    case 'keep':
    case 'met':
      return summary || it.reason;
    case 'crashed':
      return `**crashed**: ${incidentReason(it)}${session}`;
    case 'tamper':
      return `**tamper**: ${incidentReason(it)}${session}`;
    default:
      return `${summary}${summary ? ' — ' : ''}${it.reason}`;
  }
}

/** Why a crashed or tamper iteration ended so: the verdict's reason, with the cause when the reason does not already say it. */
export function incidentReason(it: IterationSummary): string {
  const cause = it.cause?.trim();
  if (!cause || it.reason.includes(cause)) return it.reason;
  return `${it.reason} (cause: ${cause})`;
}

/** A range of older iterations folded into one row. */
export interface FoldedRange {
  from: number;
  to: number;
  counts: Partial<Record<VerdictKind, number>>;
  /** Primary metric's running best at the end of the range. */
  best?: string;
  usd: number;
}

/** The latest `recent` iterations one by one, older ones folded into at most `ranges` ranges. */
export function timeline(model: ReportModel, recent = 40, ranges = 10): { rows: TimelineRow[]; folded: FoldedRange[] } {
  const pm = model.metrics.find((m) => m.name === model.primary);
  const primaryAt = new Map<number, number>();
  if (pm) for (const p of pm.points) if (p.phase !== 'confirm' || !primaryAt.has(p.iteration)) primaryAt.set(p.iteration, p.value);
  const its = model.iterations;
  const cut = its.length > recent + Math.ceil(recent / 4) ? its.length - recent : 0;
  // running best of the primary before each iteration
  const bestBefore: (number | undefined)[] = [];
  let best: number | undefined;
  let step = 0;
  for (const it of its) {
    bestBefore.push(best);
    while (pm && step < pm.bestSteps.length && pm.bestSteps[step].iteration <= it.iteration) best = pm.bestSteps[step++].value;
  }
  const rows: TimelineRow[] = [];
  for (let i = cut; i < its.length; i++) {
    const it = its[i];
    const v = primaryAt.get(it.iteration);
    rows.push({
      iteration: it.iteration,
      verdict: it.verdict,
      what: whatHappened(it),
      key: pm && v !== undefined ? change(bestBefore[i], v) : '—',
      usd: it.usd,
      durationMs: it.durationMs,
      ...(it.lane !== undefined ? { lane: it.lane } : {}),
    });
  }
  const folded: FoldedRange[] = [];
  if (cut > 0) {
    const size = Math.ceil(cut / ranges);
    for (let s = 0; s < cut; s += size) {
      const e = Math.min(cut, s + size);
      const f: FoldedRange = { from: its[s].iteration, to: its[e - 1].iteration, counts: {}, usd: 0 };
      for (let i = s; i < e; i++) {
        f.counts[its[i].verdict] = (f.counts[its[i].verdict] ?? 0) + 1;
        f.usd += its[i].usd;
      }
      const after = e < its.length ? bestBefore[e] : best;
      if (after !== undefined) f.best = fmtNum(after);
      folded.push(f);
    }
  }
  return { rows, folded };
}

/** Crashed and tamper iterations (latest `max`), with the total count. */
export function incidents(model: ReportModel, max = 20): { total: number; shown: IterationSummary[] } {
  const all = model.iterations.filter((it) => it.verdict === 'crashed' || it.verdict === 'tamper');
  return { total: all.length, shown: all.slice(-max) };
}

/**
 * The cause in an oracle's failure reason, on one line: a reason is often
 * "what failed: why", with the why on a later line or past a first line's
 * 120 characters, so the whole text is kept up to 300 characters.
 */
export function causeOf(reason: string, max = 300): string {
  const text = reason
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' — ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Integrity findings: ledger warnings grouped by text, tamper verdicts, oracle failures, report problems. */
export function integrityWarnings(model: ReportModel, reportProblems: readonly string[] = [], max = 30): string[] {
  const byText = new Map<string, number[]>();
  const note = (text: string, iteration: number) => {
    const l = byText.get(text);
    if (l) {
      if (l[l.length - 1] !== iteration) l.push(iteration);
    } else byText.set(text, [iteration]);
  };
  for (const it of model.iterations) {
    for (const w of it.warnings) note(w, it.iteration);
    if (it.verdict === 'tamper' && it.warnings.length === 0) note(`tamper: ${it.reason}`, it.iteration);
    for (const r of it.records)
      for (const m of r.measurements) {
        if (m.status === 'timeout' || m.status === 'error') note(`oracle ${m.oracle}: ${m.status}${m.reason ? `: ${causeOf(m.reason)}` : ''}`, it.iteration);
      }
  }
  const list = (its: number[]) => {
    if (its.length <= 8) return its.join(', ');
    return `${its.slice(0, 3).join(', ')}, …, ${its.slice(-5).join(', ')} (${its.length} in all)`;
  };
  const out = [...byText.entries()].map(([t, its]) => `${t} — iteration${its.length > 1 ? 's' : ''} ${list(its)}`);
  // Numbers from a candidate-controlled process (a command oracle with `run` alone, a benchmark with `time: json`), as each kind says.
  const weak = oraclesByKind(model.spec.oracles).flatMap(({ oracle, kind }) => kind.weakness?.(oracle) ?? []);
  const all = [...weak, ...out, ...reportProblems];
  return all.length > max ? [...all.slice(0, max), `… and ${all.length - max} more`] : all;
}

/** One thing the reader can do next: a sentence and the commands that do it (EXP stands for the experiment folder). */
export interface NextStep {
  text: string;
  commands?: string[];
}

/** Files baton and the worker keep in the workspace for the run itself, left out of "the result". */
const RUN_FILES = ['PROMPT.md', 'PROGRESS.md', 'PLAN.md', 'NOTES.md', 'reports'];

/** How to take the best commit's code into a repository of one's own. */
function takeBest(model: ReportModel): NextStep[] {
  const best = model.iterations.find((x) => x.iteration === model.bestIteration);
  const base = model.iterations.find((x) => x.iteration === 0);
  if (!best || best.iteration === 0 || !base) return [];
  const name = model.spec.name.replace(/[^A-Za-z0-9._-]+/g, '-');
  const exclude = RUN_FILES.map((f) => `':(exclude)${f}'`).join(' ');
  return [
    {
      text: `Take the best commit (iteration ${best.iteration}, \`${best.commit.slice(0, 12)}\`) into your own branch. The code change alone, without baton's run files (${RUN_FILES.join(', ')}), as a patch you apply in your repository:`,
      commands: [
        `git -C EXP/workspace diff --stat ${base.commit.slice(0, 12)} ${best.commit.slice(0, 12)} -- . ${exclude}`,
        `git -C EXP/workspace diff --binary ${base.commit.slice(0, 12)} ${best.commit.slice(0, 12)} -- . ${exclude} > baton-${name}.patch`,
        `git switch -c baton/${name} && git apply --index baton-${name}.patch   # in your repository`,
      ],
    },
    {
      text: 'Or, when EXP/workspace is a clone of your repository, the commit itself with its history (one baton commit per iteration, run files included):',
      commands: [`git fetch EXP/workspace ${best.commit} && git switch -c baton/${name} FETCH_HEAD`],
    },
  ];
}

/** What to do now that the run is where it is: continue it, or take its result. */
export function nextSteps(model: ReportModel): NextStep[] {
  const out: NextStep[] = [];
  switch (model.state) {
    case 'met':
      out.push({
        text: 'The goal is met: every threshold held at the best commit and was confirmed. Nothing more runs; read the timeline and the plots before you trust it.',
      });
      break;
    case 'budget':
      out.push({
        text: 'The budget ran out before the goal was met. To go on, raise `budget.iterations` (or `budget.time`, `budget.usd`) in EXP/baton.yaml and run again: the run resumes from the best commit, with its ledger, notes and history.',
        commands: ['baton check EXP && baton run EXP'],
      });
      break;
    case 'stalled':
      out.push({
        text: `The run stopped as stalled: ${count(sinceKept(model), 'iteration')} without a kept improvement (it stops after twice \`judge.stall_after\`). Read "Failed approaches" and the timeline; sharpen the goal or add a hint under \`goal:\` in EXP/baton.yaml, raise \`judge.stall_after\` (and the budget if it is near), and run again: it resumes from the best commit.`,
        commands: ['baton check EXP && baton run EXP'],
      });
      break;
    case 'interrupted':
      out.push({ text: 'The run was interrupted (a signal or a kill). `baton run EXP` resumes it where it stopped.', commands: ['baton run EXP'] });
      break;
    case 'error':
      out.push({
        text: 'The run stopped on an error: its message is in the Integrity section and in `baton status EXP`. Fix the cause, then `baton run EXP` resumes.',
        commands: ['baton status EXP', 'baton run EXP'],
      });
      break;
    case 'running':
      out.push({
        text: 'The run is going on. Watch it with `baton status EXP` (state, metrics, budget left) or `baton log EXP` (one line per iteration).',
        commands: ['baton status EXP', 'baton log EXP'],
      });
      break;
  }
  if (model.state !== 'running') out.push(...takeBest(model));
  return out;
}
