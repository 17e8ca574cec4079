/**
 * The shapes of the report's charts, apart from how they are planned
 * (charts.ts): oracle kinds return them from their descriptors, and this
 * module imports no registry, so a kind's types never loop back through it.
 */
import type { SeriesRole } from './error-chart.js';
import type { VlSpec } from './theme.js';

/** One chart of the report. `file` is the stem under plots/ (`.svg`, `.png`, `.vl.json`). */
export interface ChartPlan {
  file: string;
  /** What it draws: timeline, cost, or what an oracle kind names it (error, benchmark, tests, ...). */
  kind: string;
  /** The heading REPORT.md shows it under (Metric timelines, Error vs x, ...). */
  section: string;
  /** The oracle (or metric, for timelines) it belongs to. */
  subject: string;
  title: string;
  spec: VlSpec;
}

/** A series artifact the error charts need, and where the ledger says it is. */
export interface SeriesRequest {
  oracle: string;
  /** Artifact name, `<table>.<column>`. */
  name: string;
  role: SeriesRole;
  iteration: number;
  path: string;
}

/** What the x axis of a timeline counts. */
export type TimeAxis = 'iteration' | 'hours';
