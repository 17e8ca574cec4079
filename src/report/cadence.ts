/**
 * How often a running experiment regenerates its whole report. A complete
 * regeneration (model, every chart as SVG and PNG, metrics.csv, both copies)
 * costs about a second and grows with the ledger; doing it at every settle
 * would make the settle of iteration 10,000 cost several times that of
 * iteration 10 and serialise parallel lanes behind it. So while a run goes on,
 * a settle regenerates the report only when it is due, and otherwise only
 * stamps the last complete REPORT.md with how far behind it is. The run's
 * end, and `baton report`, always regenerate it whole. Pure.
 */
import type { RunState } from '../state/run-state.js';

export interface ReportCadence {
  /** While the ledger holds fewer records than this, every settle regenerates the report (it costs little, and a short run wants it current). */
  fullBelow: number;
  /** Past that, the report is regenerated once every this many iterations. */
  every: number;
}

export const REPORT_CADENCE: ReportCadence = { fullBelow: 100, every: 10 };

/**
 * With lanes the judge settles one candidate after another, and every lane
 * waits for its verdict: a complete report at every settle of a short run
 * (about a second) would be most of the judge's time. So the cadence holds
 * from the first iteration.
 */
export const LANES_REPORT_CADENCE: ReportCadence = { fullBelow: 0, every: 10 };

export interface CadenceInput {
  /** The iteration being settled. */
  iteration: number;
  /** Records in the ledger. */
  records: number;
  state: RunState;
  /** The iteration of the last complete regeneration by this process; undefined when there was none (a fresh start or a resume). */
  lastFull: number | undefined;
}

/** Whether this settle regenerates the whole report: at the run's end, on a fresh process, on a short ledger, or when `every` iterations have passed. */
export function fullReportDue(o: CadenceInput, cadence: ReportCadence = REPORT_CADENCE): boolean {
  if (o.state !== 'running' || o.lastFull === undefined) return true;
  if (o.records < cadence.fullBelow) return true;
  return o.iteration - o.lastFull >= cadence.every || o.iteration < o.lastFull;
}

/** The line a lagging REPORT.md carries under its title: what it is as of, and how to get a current one. */
export function lagNotice(asOf: number, iteration: number, cadence: ReportCadence = REPORT_CADENCE): string {
  return `> **Report and plots as of iteration ${asOf}; the run is at iteration ${iteration}.** While a run goes on, REPORT.md, metrics.csv and the plots are regenerated every ${cadence.every} iterations and PROGRESS.md after each one; the run's end regenerates everything, and \`baton report\` does so now.`;
}

/** REPORT.md with the lag notice under its title (its first line); a report without a title gets it on top. */
export function withLagNotice(markdown: string, notice: string): string {
  const nl = markdown.indexOf('\n');
  if (!markdown.startsWith('# ') || nl < 0) return `${notice}\n\n${markdown}`;
  return `${markdown.slice(0, nl + 1)}\n${notice}\n${markdown.slice(nl + 1)}`;
}
