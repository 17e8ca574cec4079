/**
 * REPORT.md: GitHub-flavoured markdown a researcher reads in the morning,
 * with images linked relative to reports/. Pure: a string from the model.
 */
import type { ChartPlan } from './charts.js';
import { boundText, fmtDuration, fmtHours, fmtInt, fmtTokens, fmtUsd, mdCell } from './format.js';
import { keptCount } from '../ledger/query.js';
import type { ReportModel } from './model.js';
import { failedApproaches } from './notes.js';
import { oracleSections } from './oracle-sections.js';
import { describeIsolation } from '../sandbox/isolation.js';
import { STATE_LABEL, VERDICT_LABEL, incidentReason, incidents, integrityWarnings, nextSteps, thresholdRows, timeline, verdictLine } from './summary.js';

export interface MarkdownInput {
  model: ReportModel;
  charts: ChartPlan[];
  notes?: string;
  nextPrompt?: string;
  /** Problems met while building the report (missing series files, chart warnings). */
  problems?: string[];
  now?: Date;
  /** Iterations shown one by one; older ones are folded. */
  recentRows?: number;
}

function image(c: ChartPlan): string {
  return `[![${mdCell(c.title)}](plots/${c.file}.png)](plots/${c.file}.svg)`;
}

function best(m: ReportModel): string {
  const it = m.iterations.find((x) => x.iteration === m.bestIteration);
  if (!it) return '—';
  const ago = m.latestIteration - it.iteration;
  return `#${it.iteration} \`${it.commit.slice(0, 12)}\`${ago > 0 ? `, ${fmtInt(ago)} iteration${ago > 1 ? 's' : ''} ago` : ''}`;
}

function header(m: ReportModel): string[] {
  const c = m.counts;
  const parts = [`${fmtInt(m.kept)} kept`, `${fmtInt(c.revert)} reverted`];
  if (c.crashed) parts.push(`${fmtInt(c.crashed)} crashed`);
  if (c.tamper) parts.push(`${fmtInt(c.tamper)} tamper`);
  if (c.conflict) parts.push(`${fmtInt(c.conflict)} conflict${c.conflict > 1 ? 's' : ''}`);
  if (c['out-of-scope']) parts.push(`${fmtInt(c['out-of-scope'])} out of scope`);
  const t = m.totals;
  const goal = m.spec.goal
    .trim()
    .split('\n')
    .map((l) => `> ${l}`.trimEnd());
  return [
    `# ${m.spec.name}: ${STATE_LABEL[m.state]}`,
    '',
    ...boundText(goal.join('\n'), 12, 1500).split('\n'),
    '',
    `| state | iterations | best | elapsed | cost |`,
    `|---|---|---|---|---|`,
    `| ${STATE_LABEL[m.state]} | ${fmtInt(m.latestIteration)} (${parts.join(', ')}) | ${best(m)} | ${m.iterations.length ? fmtHours(t.elapsedHours) : '—'} | ${t.tokens.total || t.usd ? `${fmtUsd(t.usd)} · ${fmtTokens(t.tokens.total)} tokens` : 'no model usage'} |`,
    '',
    `**${verdictLine(m)}**`,
    ...isolationLine(m),
  ];
}

/** The isolation the run's commands had; plain processes on the host are said loudly. */
function isolationLine(m: ReportModel): string[] {
  if (!m.isolation) return [];
  const text = describeIsolation(m.isolation);
  const plain = m.isolation.runtime === 'none'; // any kind that ran plain processes on the host says runtime none
  return ['', plain ? `**⚠ Isolation: ${text}. The worker and the oracles could read and change anything this user can.**` : `Isolation: ${text}.`];
}

function thresholds(m: ReportModel): string[] {
  const rows = thresholdRows(m);
  if (rows.length === 0) return [];
  const status = (s: string) => (s === 'pass' ? '✅ pass' : s === 'fail' ? '❌ fail' : '—');
  return [
    '## Thresholds',
    '',
    '| metric | threshold | baseline | best | latest | status | trend of best |',
    '|---|---|--:|--:|--:|---|---|',
    ...rows.map((r) => `| \`${r.metric}\` | \`${r.threshold}\` | ${r.baseline} | ${r.best} | ${r.latest} | ${status(r.status)} | ${r.trend} |`),
    '',
    '*best*: best value at a kept commit (#iteration); *status*: at the current kept commit; *trend*: the running best across the run.',
  ];
}

function plots(charts: ChartPlan[]): string[] {
  if (charts.length === 0) return [];
  const out = ['## Plots', ''];
  let section = '';
  for (const c of charts) {
    const s = c.section;
    if (s !== section) {
      out.push(`### ${s}`, '');
      section = s;
    }
    out.push(image(c), '');
  }
  out.push('Each plot links to its SVG; the vega-lite spec is beside it (`plots/*.vl.json`).');
  return out;
}

function timelineSection(m: ReportModel, recent: number): string[] {
  const { rows, folded } = timeline(m, recent);
  const key = m.primary ? `\`${m.primary.split('.').slice(1).join('.')}\` (vs best before)` : 'key metric';
  const out = ['## Timeline', ''];
  if (folded.length) {
    const first = rows[0]?.iteration ?? 0;
    out.push(`Iterations 0–${fmtInt(first - 1)}, folded (every iteration is in \`metrics.csv\`):`, '');
    out.push('| iterations | kept | reverted | crashed | tamper | best after | cost |', '|---|--:|--:|--:|--:|--:|--:|');
    for (const f of folded) {
      const n = (k: keyof typeof f.counts) => fmtInt(f.counts[k] ?? 0);
      out.push(
        `| ${fmtInt(f.from)}–${fmtInt(f.to)} | ${fmtInt(keptCount(f.counts))} | ${n('revert')} | ${n('crashed')} | ${n('tamper')} | ${f.best ?? '—'} | ${fmtUsd(f.usd)} |`,
      );
    }
    out.push('', `The latest ${fmtInt(rows.length)} iterations:`, '');
  }
  // With lanes, the lane that made each iteration's candidate.
  const lanes = rows.some((r) => r.lane !== undefined);
  out.push(`| # |${lanes ? ' lane |' : ''} verdict | what happened | ${key} | cost | duration |`, `|--:|${lanes ? '--:|' : ''}---|---|--:|--:|--:|`);
  for (const r of rows) {
    const lane = lanes ? ` ${r.lane ?? '—'} |` : '';
    out.push(
      `| ${r.iteration} |${lane} ${VERDICT_LABEL[r.verdict]} | ${mdCell(r.what, 220)} | ${r.key} | ${r.usd ? fmtUsd(r.usd) : '—'} | ${fmtDuration(r.durationMs)} |`,
    );
  }
  return out;
}

function incidentSection(m: ReportModel): string[] {
  const { total, shown } = incidents(m, 12);
  if (total === 0) return [];
  const crashed = m.counts.crashed;
  const tamper = m.counts.tamper;
  const out = ['## Crashes and tampering', ''];
  const what: string[] = [];
  if (crashed)
    what.push(
      `${fmtInt(crashed)} iteration${crashed > 1 ? 's' : ''} crashed (the session or its sandbox died; the diff was saved under \`.baton/attempts/\` and the workspace reset to the best commit)`,
    );
  if (tamper)
    what.push(`${fmtInt(tamper)} iteration${tamper > 1 ? 's' : ''} touched protected or oracle files and ${tamper > 1 ? 'were' : 'was'} reverted as tamper`);
  out.push(`${what.join('; ')}.`, '');
  if (shown.length < total) out.push(`The latest ${shown.length} of ${fmtInt(total)}:`, '');
  for (const it of shown) {
    const session = it.summary.trim() ? ` — session: ${it.summary.trim()}` : '';
    out.push(`- **#${it.iteration} ${VERDICT_LABEL[it.verdict]}** — ${mdCell(`${incidentReason(it)}${session}`, 400)}`);
  }
  return out;
}

/** Each oracle kind's sections (benchmark noise, tests that changed), one heading each. */
function oracleSectionLines(m: ReportModel): string[][] {
  return oracleSections(m).map((s) => [`## ${s.heading}`, ...s.blocks.flatMap((b) => b.markdown)]);
}

function quoted(text: string | undefined, maxLines: number, empty: string): string[] {
  if (!text?.trim()) return [empty];
  return boundText(text.trim(), maxLines, 6000).split('\n');
}

/**
 * Text the worker wrote (NOTES.md), quoted and inert: `<`, `>` and `&` are
 * escaped so an unclosed `<!--` or a raw HTML block cannot hide the rest of
 * the report in a Markdown renderer, and every line is a blockquote line.
 */
function workerQuoted(text: string | undefined, maxLines: number, empty: string): string[] {
  if (!text?.trim()) return [empty];
  return quoted(text, maxLines, empty).map((l) => `> ${l.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}`.trimEnd());
}

/** What to do now (continue the run, take its result), then the next session's brief while it runs. */
function nextStepsSection(m: ReportModel, nextPrompt: string | undefined): string[] {
  const out = ['## Next steps', ''];
  nextSteps(m).forEach((s, i) => {
    out.push(`${i + 1}. ${s.text}`);
    if (s.commands?.length) out.push('', '   ```sh', ...s.commands.map((c) => `   ${c}`), '   ```');
    out.push('');
  });
  out.push('*EXP is the experiment folder (the one holding baton.yaml).*');
  if (m.state === 'running' || nextPrompt?.trim()) {
    out.push('', 'What the next session is told:', '', ...(nextPrompt?.trim() ? workerQuoted(nextPrompt, 40, '') : ['> *Nothing yet.*']));
  }
  return out;
}

/** The whole of REPORT.md. */
export function renderMarkdown(input: MarkdownInput): string {
  const { model: m } = input;
  const warnings = integrityWarnings(m, input.problems ?? []);
  const sections: string[][] = [
    header(m),
    thresholds(m),
    // Near the top: nothing the worker wrote comes before it.
    [
      '## Integrity',
      '',
      ...(warnings.length
        ? warnings.map((w) => `- ⚠️ ${mdCell(w, 400)}`)
        : ['No integrity warnings: no tampering, no oracle errors or timeouts, no non-finite outputs recorded.']),
    ],
    plots(input.charts),
    timelineSection(m, input.recentRows ?? 40),
    incidentSection(m),
    [
      '## Failed approaches (from NOTES.md)',
      '',
      ...workerQuoted(failedApproaches(input.notes), 60, input.notes ? '*NOTES.md has no section on failed approaches.*' : '*No NOTES.md yet.*'),
    ],
    nextStepsSection(m, input.nextPrompt),
    ...oracleSectionLines(m),
  ];
  const last = m.iterations[m.iterations.length - 1];
  const footer = [
    '---',
    `*Generated by baton from ${fmtInt(m.totals.records)} ledger records${last ? ` (latest ${last.at})` : ''}${input.now && (!last || Date.parse(last.at) !== input.now.getTime()) ? `, ${input.now.toISOString()}` : ''}. All measurements: [metrics.csv](metrics.csv).*`,
  ];
  return `${[...sections.filter((s) => s.length), footer].map((s) => s.join('\n')).join('\n\n')}\n`;
}
