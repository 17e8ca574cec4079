/**
 * The benchmark oracle's part of the report: its run-time chart, the unit of
 * its metrics, and the section on its noise floor and how many changes were
 * significant. Pure.
 */
import type { ChartContribution, ReportSection } from '../../src/oracles/descriptor.js';
import { fmtInt, fmtNum, fmtPct, htmlEscape, slug } from '../../src/report/format.js';
import type { ReportModel } from '../../src/report/model.js';
import { timeUnit } from '../../src/report/units.js';
import type { BenchmarkOracleSpec } from '../../src/spec/schema.js';
import { benchmarkSpec, benchSeries, bestBench, type BenchStats } from './chart.js';

/** Noise and significance of one benchmark oracle. */
export interface BenchmarkNoise {
  oracle: string;
  alpha: number;
  minEffect: number;
  rows: { label: string; s: BenchStats }[];
  verdicts: { improved: number; regressed: number; same: number };
  latest?: BenchStats;
}

/** The noise summary of a benchmark oracle, if it has samples. */
export function benchmarkNoise(model: ReportModel, o: BenchmarkOracleSpec): BenchmarkNoise | undefined {
  const stats = benchSeries(model, o.id);
  if (stats.length === 0) return undefined;
  const verdicts = { improved: 0, regressed: 0, same: 0 };
  for (const s of stats) {
    const v = s.comparison?.verdict;
    if (v === 'improved') verdicts.improved++;
    else if (v === 'regressed') verdicts.regressed++;
    else if (v !== undefined) verdicts.same++;
  }
  const best = bestBench(stats);
  const latest = stats[stats.length - 1];
  const rows = [{ label: 'baseline', s: stats[0] }];
  if (best && best !== stats[0]) rows.push({ label: 'best', s: best });
  if (latest !== stats[0] && latest !== best) rows.push({ label: 'latest', s: latest });
  return { oracle: o.id, alpha: o.alpha, minEffect: o.min_effect, rows, verdicts, latest };
}

function noiseMarkdown(b: BenchmarkNoise): string[] {
  const out = [
    '',
    `**${b.oracle}**: a change counts as improved only when the Mann–Whitney test gives p < ${b.alpha} and the median moves by more than ${fmtPct(b.minEffect)}.`,
    '',
  ];
  // one time unit for the table, the one its largest median reads best in (ms for 0.01414 s)
  const { unit, factor } = timeUnit(Math.max(...b.rows.map((r) => r.s.median)));
  const t = (v: number) => fmtNum(v * factor);
  out.push(`| measurement | median (${unit}) | IQR (${unit}) | noise (IQR / median) | CI of median (${unit}) | runs |`, '|---|--:|--:|--:|--:|--:|');
  for (const { label, s } of b.rows) {
    const ci = s.ciLow !== undefined && s.ciHigh !== undefined ? `${t(s.ciLow)} – ${t(s.ciHigh)}` : '—';
    out.push(`| ${label} (#${s.iteration}) | ${t(s.median)} | ${t(s.q3 - s.q1)} | ${fmtPct((s.q3 - s.q1) / s.median)} | ${ci} | ${s.n} |`);
  }
  const v = b.verdicts;
  out.push('', `Comparisons with the best so far: ${fmtInt(v.improved)} improved, ${fmtInt(v.regressed)} regressed, ${fmtInt(v.same)} not significant (~).`);
  const c = b.latest?.comparison;
  if (c) {
    const ci = Array.isArray(c.ci) && c.ci.length === 2 ? `, CI [${fmtNum(c.ci[0])}, ${fmtNum(c.ci[1])}]` : '';
    out.push(`Latest (#${b.latest!.iteration}): **${c.verdict}**${typeof c.pValue === 'number' ? ` (p = ${fmtNum(c.pValue)}${ci})` : ''}.`);
  }
  return out;
}

function noiseHtml(b: BenchmarkNoise): string[] {
  const e = htmlEscape;
  const out = [
    `<p><strong>${e(b.oracle)}</strong>: improved only when p &lt; ${b.alpha} and the median moves by more than ${fmtPct(b.minEffect)}. ${fmtInt(b.verdicts.improved)} improved, ${fmtInt(b.verdicts.regressed)} regressed, ${fmtInt(b.verdicts.same)} not significant.</p>`,
  ];
  const { unit, factor } = timeUnit(Math.max(...b.rows.map((r) => r.s.median)));
  out.push(`<table><tr><th>measurement</th><th>median (${unit})</th><th>IQR (${unit})</th><th>noise</th><th>runs</th></tr>`);
  for (const { label, s } of b.rows)
    out.push(
      `<tr><td>${e(label)} (#${s.iteration})</td><td class="num">${fmtNum(s.median * factor)}</td><td class="num">${fmtNum((s.q3 - s.q1) * factor)}</td><td class="num">${fmtPct((s.q3 - s.q1) / s.median)}</td><td class="num">${s.n}</td></tr>`,
    );
  out.push('</table>');
  return out;
}

/** "Benchmark noise and significance": one block per benchmark oracle with samples. */
export function benchmarkSections(model: ReportModel, o: BenchmarkOracleSpec): ReportSection[] {
  const b = benchmarkNoise(model, o);
  return b ? [{ heading: 'Benchmark noise and significance', order: 10, markdown: noiseMarkdown(b), html: noiseHtml(b) }] : [];
}

/** The run-time distribution chart. */
export function benchmarkCharts(model: ReportModel, o: BenchmarkOracleSpec): ChartContribution[] {
  return [
    {
      kind: 'benchmark',
      section: 'Benchmark',
      subject: o.id,
      file: `benchmark-${slug(o.id)}`,
      title: `${o.id}: run time`,
      spec: benchmarkSpec(model, o.id, benchSeries(model, o.id)),
    },
  ];
}
