/**
 * The tests and browser oracles' part of the report: the passed/failed
 * chart and the section on which tests flipped. Pure.
 */
import type { ChartContribution, OracleSpecBase, ReportSection } from '../../src/oracles/descriptor.js';
import { htmlEscape, slug } from '../../src/report/format.js';
import { KEPT_VERDICTS, type IterationSummary, type ReportModel } from '../../src/report/model.js';
import { testSeries, testsSpec } from '../../src/report/tests-chart.js';
import { testStatuses } from './details.js';

/** Tests whose status changed between two measurements. */
export interface TestFlips {
  oracle: string;
  from: { label: string; iteration: number };
  to: { label: string; iteration: number };
  nowPassing: string[];
  nowFailing: string[];
}

function testStatus(model: ReportModel, iteration: number, oracle: string): Map<string, string> | undefined {
  return statusOf(
    model.iterations.find((x) => x.iteration === iteration),
    oracle,
  );
}

function statusOf(it: IterationSummary | undefined, oracle: string): Map<string, string> | undefined {
  if (!it) return undefined;
  for (let i = it.records.length - 1; i >= 0; i--) {
    const m = it.records[i].measurements.find((x) => x.oracle === oracle);
    const map = testStatuses(m?.details);
    if (map) return map;
  }
  return undefined;
}

function diff(a: Map<string, string>, b: Map<string, string>) {
  const ok = (s: string | undefined) => s === 'passed' || s === 'pass' || s === 'ok';
  const nowPassing: string[] = [];
  const nowFailing: string[] = [];
  for (const [id, s] of b) {
    const before = a.get(id);
    if (ok(s) && before !== undefined && !ok(before) && before !== 'skipped') nowPassing.push(id);
    if (!ok(s) && s !== 'skipped' && (before === undefined || ok(before))) nowFailing.push(id);
  }
  return { nowPassing: nowPassing.sort(), nowFailing: nowFailing.sort() };
}

/** Baseline → current kept commit, and current → latest candidate when it differs. */
export function testFlips(model: ReportModel, oracle: string): TestFlips[] {
  const out: TestFlips[] = [];
  let current: number | undefined;
  for (const it of model.iterations) if (KEPT_VERDICTS.has(it.verdict)) current = it.iteration;
  const base = testStatus(model, 0, oracle);
  const cur = current === undefined ? undefined : testStatus(model, current, oracle);
  if (base && cur && current !== 0)
    out.push({ oracle, from: { label: 'baseline', iteration: 0 }, to: { label: 'current', iteration: current! }, ...diff(base, cur) });
  let latestIt: number | undefined;
  let latest: Map<string, string> | undefined;
  for (let i = model.iterations.length - 1; i >= 0 && !latest; i--) {
    latest = statusOf(model.iterations[i], oracle);
    latestIt = model.iterations[i].iteration;
  }
  if (cur && latest && latestIt !== current)
    out.push({ oracle, from: { label: 'current', iteration: current! }, to: { label: 'latest', iteration: latestIt! }, ...diff(cur, latest) });
  return out;
}

function flipsMarkdown(flips: TestFlips[]): string[] {
  const out: string[] = [];
  const list = (ids: string[]) => {
    const head = ids
      .slice(0, 15)
      .map((id) => `\`${id.replace(/`/g, "'")}\``)
      .join(', ');
    return ids.length > 15 ? `${head} and ${ids.length - 15} more` : head;
  };
  for (const f of flips) {
    out.push('', `**${f.oracle}**, ${f.from.label} (#${f.from.iteration}) → ${f.to.label} (#${f.to.iteration}):`, '');
    if (f.nowPassing.length) out.push(`- now passing (${f.nowPassing.length}): ${list(f.nowPassing)}`);
    if (f.nowFailing.length) out.push(`- now failing (${f.nowFailing.length}): ${list(f.nowFailing)}`);
  }
  return out;
}

function flipsHtml(flips: TestFlips[]): string[] {
  const e = htmlEscape;
  const out: string[] = [];
  for (const f of flips) {
    const list = (ids: string[]) =>
      ids
        .slice(0, 30)
        .map((id) => `<code>${e(id)}</code>`)
        .join(', ') + (ids.length > 30 ? ` and ${ids.length - 30} more` : '');
    out.push(`<p><strong>${e(f.oracle)}</strong>, ${f.from.label} (#${f.from.iteration}) → ${f.to.label} (#${f.to.iteration}):</p><ul>`);
    if (f.nowPassing.length) out.push(`<li>now passing (${f.nowPassing.length}): ${list(f.nowPassing)}</li>`);
    if (f.nowFailing.length) out.push(`<li>now failing (${f.nowFailing.length}): ${list(f.nowFailing)}</li>`);
    out.push('</ul>');
  }
  return out;
}

/** "Tests that changed": the oracle's flips, when any test flipped. */
export function testsSections(model: ReportModel, o: OracleSpecBase): ReportSection[] {
  const flips = testFlips(model, o.id).filter((f) => f.nowFailing.length || f.nowPassing.length);
  return flips.length ? [{ heading: 'Tests that changed', order: 20, markdown: flipsMarkdown(flips), html: flipsHtml(flips) }] : [];
}

/** The passed/failed chart. */
export function testsCharts(model: ReportModel, o: OracleSpecBase): ChartContribution[] {
  return [
    {
      kind: 'tests',
      section: 'Tests',
      subject: o.id,
      file: `tests-${slug(o.id)}`,
      title: `${o.id}: tests`,
      spec: testsSpec(model, o.id, testSeries(model, o.id)),
    },
  ];
}
