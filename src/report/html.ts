/**
 * report.html: one self-contained page, the charts interactive (vega-embed
 * with vega and vega-lite inlined, no network needed to view it). Pure: the
 * library sources are passed in by the caller.
 */
import type { ChartPlan } from './charts.js';
import { fmtDuration, fmtHours, fmtInt, fmtTokens, fmtUsd, htmlEscape } from './format.js';
import { keptCount } from '../ledger/query.js';
import type { ReportModel } from './model.js';
import { failedApproaches } from './notes.js';
import { oracleSections } from './oracle-sections.js';
import { stateHtml, stateText, statusHtml, verdictHtml, warningIcon } from './icons.js';
import { incidentReason, incidents, integrityWarnings, nextSteps, thresholdRows, timeline, verdictLine } from './summary.js';

/** The minified browser builds of vega, vega-lite and vega-embed, in load order. */
export interface EmbedScripts {
  vega: string;
  vegaLite: string;
  vegaEmbed: string;
}

export interface HtmlInput {
  model: ReportModel;
  charts: ChartPlan[];
  scripts: EmbedScripts;
  notes?: string;
  nextPrompt?: string;
  problems?: string[];
  recentRows?: number;
}

/** Keeps inlined script text from closing its <script> element. */
function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON safe inside a <script> element. */
function inlineJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Inline markdown a reader wrote (bold, code) as escaped HTML: escaped first, so only these two become markup. */
function inlineMd(text: string): string {
  return htmlEscape(text)
    .replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>')
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/^(\s*)[-*] /gm, '$1• ')
    .replace(/^#{1,6} +(.*)$/gm, '<strong>$1</strong>');
}

/** Text the worker wrote (NOTES.md, the next brief): inert, its line breaks kept, no literal markdown markers. */
function workerBlock(text: string): string {
  return `<div class="worker">${inlineMd(text.trim())}</div>`;
}

const STYLE = `
body{font-family:"DejaVu Sans",system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
blockquote{color:#555;border-left:4px solid #ddd;margin:0;padding:.2em 1em;white-space:pre-wrap}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}th,td{border:1px solid #ddd;padding:.3em .6em;vertical-align:top}th{background:#f6f6f6;text-align:left}
td.num{text-align:right;white-space:nowrap}.verdict{font-size:1.1em;font-weight:bold;margin:1em 0}
.chart{margin:1em 0 2em}pre{background:#f6f6f6;padding:.8em;overflow:auto;white-space:pre-wrap}code{background:#f3f3f3;padding:0 .2em}
.icon{vertical-align:-.18em;margin-right:.3em;flex:none}.worker{background:#f6f6f6;padding:.8em;white-space:pre-wrap;overflow-wrap:anywhere}
td.v{white-space:nowrap}ol.steps li{margin:.6em 0}ul.integrity{list-style:none;padding-left:0}ul.integrity li{margin:.3em 0}
`;

/** Crashes and tampering, benchmark noise, flipped tests: what REPORT.md says below the timeline. */
function details(m: ReportModel): string[] {
  const e = htmlEscape;
  const out: string[] = [];
  const inc = incidents(m, 30);
  if (inc.total) {
    out.push('<h2>Crashes and tampering</h2><ul>');
    for (const it of inc.shown)
      out.push(
        `<li><strong>#${it.iteration} ${verdictHtml(it.verdict)}</strong>: ${e(incidentReason(it))}${it.summary.trim() ? ` — session: ${e(it.summary.trim())}` : ''}</li>`,
      );
    out.push(`</ul>${inc.total > inc.shown.length ? `<p>The latest ${inc.shown.length} of ${fmtInt(inc.total)}.</p>` : ''}`);
  }
  for (const s of oracleSections(m)) out.push(`<h2>${e(s.heading)}</h2>`, ...s.blocks.flatMap((b) => b.html));
  return out;
}

/** The whole of report.html. */
export function renderHtml(input: HtmlInput): string {
  const m = input.model;
  const t = m.totals;
  const e = htmlEscape;
  const rows = thresholdRows(m);
  const { rows: tl, folded } = timeline(m, input.recentRows ?? 100);
  const warnings = integrityWarnings(m, input.problems ?? []);
  const failed = failedApproaches(input.notes);
  const body: string[] = [
    `<h1>${e(m.spec.name)}: ${stateHtml(m.state)}</h1>`,
    `<blockquote>${e(m.spec.goal.trim())}</blockquote>`,
    `<table><tr><th>state</th><th>iterations</th><th>elapsed</th><th>cost</th></tr><tr><td>${stateHtml(m.state)}</td><td>${fmtInt(m.latestIteration)} (${fmtInt(m.kept)} kept, ${fmtInt(m.counts.revert)} reverted, ${fmtInt(m.counts.crashed)} crashed, ${fmtInt(m.counts.tamper)} tamper${m.counts.conflict ? `, ${fmtInt(m.counts.conflict)} conflict` : ''}${m.counts['out-of-scope'] ? `, ${fmtInt(m.counts['out-of-scope'])} out of scope` : ''})</td><td>${e(fmtHours(t.elapsedHours))}</td><td>${e(fmtUsd(t.usd))} · ${e(fmtTokens(t.tokens.total))} tokens</td></tr></table>`,
    `<p class="verdict">${e(verdictLine(m))}</p>`,
  ];
  if (rows.length) {
    body.push(
      '<h2>Thresholds</h2><table><tr><th>metric</th><th>threshold</th><th>baseline</th><th>best</th><th>latest</th><th>status</th><th>trend of best</th></tr>',
    );
    for (const r of rows)
      body.push(
        `<tr><td><code>${e(r.metric)}</code></td><td>${e(r.threshold)}</td><td class="num">${e(r.baseline)}</td><td class="num">${e(r.best)}</td><td class="num">${e(r.latest)}</td><td>${statusHtml(r.status)}</td><td>${e(r.trend)}</td></tr>`,
      );
    body.push('</table>');
  }
  // Near the top, as in REPORT.md: nothing the worker wrote comes before it.
  body.push(
    '<h2>Integrity</h2>',
    warnings.length
      ? `<ul class="integrity">${warnings.map((w) => `<li>${warningIcon()}${e(w)}</li>`).join('')}</ul>`
      : '<p>No integrity warnings: no tampering, no oracle errors or timeouts, no non-finite outputs recorded.</p>',
  );
  if (input.charts.length) {
    body.push('<h2>Plots</h2>');
    input.charts.forEach((c, i) => body.push(`<div class="chart" id="chart-${i}" role="img" aria-label="${e(c.title)}"></div>`));
  }
  body.push('<h2>Timeline</h2>');
  if (folded.length) {
    body.push('<table><tr><th>iterations (folded)</th><th>kept</th><th>reverted</th><th>crashed</th><th>tamper</th><th>best after</th><th>cost</th></tr>');
    for (const f of folded)
      body.push(
        `<tr><td>${fmtInt(f.from)}–${fmtInt(f.to)}</td><td class="num">${fmtInt(keptCount(f.counts))}</td><td class="num">${fmtInt(f.counts.revert ?? 0)}</td><td class="num">${fmtInt(f.counts.crashed ?? 0)}</td><td class="num">${fmtInt(f.counts.tamper ?? 0)}</td><td class="num">${e(f.best ?? '—')}</td><td class="num">${e(fmtUsd(f.usd))}</td></tr>`,
      );
    body.push('</table>');
  }
  const lanes = tl.some((r) => r.lane !== undefined);
  body.push(
    `<table><tr><th>#</th>${lanes ? '<th>lane</th>' : ''}<th>verdict</th><th>what happened</th><th>primary (vs best before)</th><th>cost</th><th>duration</th></tr>`,
  );
  for (const r of tl)
    body.push(
      `<tr><td class="num">${r.iteration}</td>${lanes ? `<td class="num">${r.lane ?? '—'}</td>` : ''}<td class="v">${verdictHtml(r.verdict)}</td><td>${inlineMd(r.what)}</td><td class="num">${e(r.key)}</td><td class="num">${r.usd ? e(fmtUsd(r.usd)) : '—'}</td><td class="num">${e(fmtDuration(r.durationMs))}</td></tr>`,
    );
  body.push('</table>');
  body.push(...details(m));
  body.push('<h2>Failed approaches (from NOTES.md)</h2>', failed ? workerBlock(failed) : '<p><em>None recorded.</em></p>');
  body.push('<h2>Next steps</h2>', '<ol class="steps">');
  for (const s of nextSteps(m)) body.push(`<li>${inlineMd(s.text)}${s.commands?.length ? `<pre>${e(s.commands.join('\n'))}</pre>` : ''}</li>`);
  body.push('</ol>', '<p><em>EXP is the experiment folder (the one holding baton.yaml).</em></p>');
  if (m.state === 'running' || input.nextPrompt?.trim())
    body.push('<h3>What the next session is told</h3>', input.nextPrompt?.trim() ? workerBlock(input.nextPrompt) : '<p><em>Nothing yet.</em></p>');
  const specs = input.charts.map((c) => c.spec);
  const s = input.scripts;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(m.spec.name)}: ${e(stateText(m.state))}</title>
<style>${STYLE}</style>
<script>${inlineScript(s.vega)}</script>
<script>${inlineScript(s.vegaLite)}</script>
<script>${inlineScript(s.vegaEmbed)}</script>
</head><body>
${body.join('\n')}
<script type="application/json" id="baton-specs">${inlineJson(specs)}</script>
<script>
const specs = JSON.parse(document.getElementById('baton-specs').textContent);
specs.forEach((spec, i) => vegaEmbed('#chart-' + i, spec, { renderer: 'svg', actions: { export: true, source: true, compiled: true, editor: false } }).catch((err) => {
  document.getElementById('chart-' + i).textContent = 'chart failed to render: ' + err;
}));
</script>
</body></html>
`;
}
