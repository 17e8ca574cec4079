/**
 * The prompt of a fresh session, assembled from disk (DESIGN.md §7) and
 * bounded by `prompt.max_chars` however long the run is. Pure: the caller
 * reads the files and the ledger.
 */
import type { Spec } from '../spec/schema.js';
import type { LedgerRecord } from '../ledger/record.js';
import { holds } from '../spec/threshold.js';
import { fmt } from '../judge/judge.js';
import { bestValue, primaryMetric, thresholdsOf } from '../judge/metrics.js';
import { stallNotice } from '../judge/stop.js';
import { foldEntries, formatEntry, progressEntries } from './progress.js';
import { cutMiddle, keepTail, markdownSection } from './text.js';

export interface PromptInputs {
  spec: Spec;
  iteration: number;
  promptMd: string;
  planMd: string;
  notesMd: string;
  gitLog: string;
  history: LedgerRecord[];
}

interface Section {
  title: string;
  body: string;
  /** Share of the budget this section may take when everything does not fit. */
  weight: number;
  keep: 'head' | 'tail' | 'middle';
}

const RECENT_ENTRIES = 5;

/** The metric table: latest, threshold, best, baseline, pass. */
export function measurementTable(spec: Spec, history: LedgerRecord[]): string {
  const latest = history[history.length - 1];
  const baseline = history.find((r) => r.iteration === 0);
  const rows = [...thresholdsOf(spec)].map(([m, t]) => {
    const v = latest?.metrics[m];
    const mark = m === primaryMetric(spec) ? ' (primary)' : '';
    return `| \`${m}\`${mark} | ${fmt(v)} | \`${t.text}\` | ${fmt(bestValue(spec, history, m))} | ${fmt(baseline?.metrics[m])} | ${holds(t, v) ? 'yes' : 'no'} |`;
  });
  return ['| metric | latest | threshold | best kept | baseline | holds |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

/** The judge's last word, as the prompt and the report quote it. */
function lastVerdictLine(last: LedgerRecord): string {
  return `Last verdict (iteration ${last.iteration}, ${last.verdict.kind}): ${last.verdict.reason}`;
}

/**
 * What the next session is told beyond its standing instructions, as the
 * report shows it: the last verdict and any stall notice. A function of the
 * ledger, so the run and `baton report` quote the same text.
 */
export function nextSessionBrief(spec: Spec, history: LedgerRecord[]): string | undefined {
  const last = history[history.length - 1];
  if (!last) return undefined;
  const lines = [lastVerdictLine(last)];
  const stall = stallNotice(spec, history);
  if (stall) lines.push(stall);
  return lines.join('\n\n');
}

/** Assembles the prompt; the result is never longer than spec.prompt.max_chars. */
export function assemblePrompt(input: PromptInputs): string {
  const { spec, history } = input;
  const max = spec.prompt.max_chars;
  const primary = primaryMetric(spec);
  const last = history[history.length - 1];
  const entries = progressEntries(spec, history);
  const recent = entries.slice(-RECENT_ENTRIES);
  const older = entries.slice(0, entries.length - recent.length);
  const judgeLines = [last ? lastVerdictLine(last) : 'No measurement yet.'];
  const stall = stallNotice(spec, history);
  if (stall) judgeLines.push('', `**${stall}**`);
  const failed = markdownSection(input.notesMd, 'Failed approaches') ?? '';

  const sections: Section[] = [
    { title: 'The contract (PROMPT.md)', body: input.promptMd.trim(), weight: 3, keep: 'head' },
    { title: 'Latest measurement', body: measurementTable(spec, history), weight: 2, keep: 'head' },
    { title: 'What the judge said', body: judgeLines.join('\n'), weight: 1, keep: 'middle' },
    { title: 'PLAN.md', body: input.planMd.trim() || '(empty: write one)', weight: 2, keep: 'head' },
    {
      title: 'Recent iterations',
      body: [older.length ? foldEntries(older, primary) : '', ...recent.reverse().map((e) => formatEntry(e, primary))].filter(Boolean).join('\n\n'),
      weight: 2,
      keep: 'head',
    },
    { title: 'Failed approaches (from NOTES.md)', body: failed || '(none recorded yet)', weight: 2, keep: 'tail' },
    { title: 'git log --oneline -n 10', body: input.gitLog.trim(), weight: 1, keep: 'head' },
  ];
  const header = `You are session ${input.iteration} of a baton run on "${spec.name}". You start fresh: everything you know is below and in the workspace at /workspace.`;
  const footer = [
    '## Your task now',
    '',
    'Make one bounded unit of progress toward the thresholds, guided by PLAN.md and the judge. ' +
      'Run the code to check your work where you can. Update PLAN.md, and record in NOTES.md what you tried ' +
      '(failed approaches under "## Failed approaches", with why). Then stop: the harness measures your work, ' +
      'keeps it or reverts it, and starts the next session.',
  ].join('\n');
  return fit(header, sections, footer, max);
}

function render(header: string, sections: Section[], footer: string): string {
  return [header, ...sections.map((s) => `## ${s.title}\n\n${s.body}`), footer].join('\n\n') + '\n';
}

/** Shrinks the sections by weight until the whole fits `max`. */
function fit(header: string, sections: Section[], footer: string, max: number): string {
  let text = render(header, sections, footer);
  if (text.length <= max) return text;
  const fixed = render(
    header,
    sections.map((s) => ({ ...s, body: '' })),
    footer,
  ).length;
  const room = Math.max(0, max - fixed - 64 * sections.length);
  const totalWeight = sections.reduce((n, s) => n + s.weight, 0);
  // Sections under their share give the rest to the others.
  let spare = 0;
  const shares = sections.map((s) => {
    const share = Math.floor((room * s.weight) / totalWeight);
    if (s.body.length < share) spare += share - s.body.length;
    return share;
  });
  const needy = sections.filter((s, i) => s.body.length > shares[i]);
  const needyWeight = needy.reduce((n, s) => n + s.weight, 0);
  const cut = sections.map((s, i) => {
    if (s.body.length <= shares[i]) return s;
    const limit = shares[i] + Math.floor((spare * s.weight) / Math.max(1, needyWeight));
    const body = s.keep === 'tail' ? keepTail(s.body, limit) : s.keep === 'middle' ? cutMiddle(s.body, limit) : cutMiddle(s.body, limit);
    return { ...s, body };
  });
  text = render(header, cut, footer);
  return text.length <= max ? text : cutMiddle(text, max);
}
