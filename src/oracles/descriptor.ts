/**
 * What baton knows about one oracle kind, in one object: the facts that used
 * to be spread over spec/, run/, judge/ and report/ as switches on kind names
 * (its metric names, the experiment files it reads, whether it needs the best
 * commit, its check rules, charts and report sections, how to read its
 * details). spec/, run/, judge/ and report/ ask the registry for a kind's
 * descriptor and never name a kind. A descriptor is light: it is imported at
 * start-up, so the oracle itself (mathjs, Playwright, ...) is behind `load()`.
 */
import type { z } from 'zod';
import type { Problem } from '../errors.js';
import type { ChartPlan, SeriesRequest, TimeAxis } from '../report/chart-plan.js';
import type { ErrorDetail } from '../report/error-chart.js';
import type { ReportModel } from '../report/model.js';
import type { SeriesArtifact } from '../report/series.js';
import type { Spec } from '../spec/schema.js';
import type { Oracle } from './types.js';

/** What every oracle's spec has (schema.ts `oracleCommon`, plus its kind). */
export interface OracleSpecBase {
  kind: string;
  id: string;
  timeout: string;
  env: string[];
}

/** A pattern a metric name must match to be producible by an oracle. `*` matches any one segment. */
export type MetricPattern = { oracle: string; parts: (string | '*')[] } | { oracle: string; any: true };

/** A file or folder of the experiment an oracle reads: `baton check` wants it there, the run hashes it for tamper checks. */
export interface ReferencedFile {
  /** Relative to the experiment folder, as the spec gives it. */
  path: string;
  /** Where the spec names it, below the oracle: `['tables', 0, 'reference']`. */
  key: (string | number)[];
  type: 'file' | 'folder';
}

/** What a kind's `baton check` rules see: where the spec is and what the workspace holds. */
export interface CheckContext {
  /** The oracle's index in `oracles`. */
  index: number;
  specFile: string;
  workspace: string;
  oracleDir: string;
  /** Whether a workspace path is protected (spec `protected`, the oracles' defaults). */
  isProtected(rel: string): boolean;
  /** The file at a host path, if it is a regular file (the filesystem is the caller's, so rules stay free of I/O). */
  fileAt(abs: string): { executable: boolean } | undefined;
}

export interface CheckFindings {
  errors: Problem[];
  warnings: Problem[];
}

/** What a kind's `baton check` rules that read referenced files see (async: they may read them as the oracle would). */
export interface InputsContext {
  index: number;
  /** The experiment folder. */
  root: string;
  specFile: string;
  /** ` (line N)` of a key path in baton.yaml, or ''. */
  lineOf(path: (string | number)[]): string;
}

/** What a kind's spec validation sees: the whole spec, and the key path formatter with lines. */
export interface ValidateContext {
  spec: Spec;
  index: number;
  file: string;
  /** `oracles[0].tables[1].x (line 12)` for a key path from the spec's root. */
  at(path: (string | number)[]): string;
}

/** One chart a kind adds to the report; `file` is made unique by the report. */
export type ChartContribution = Omit<ChartPlan, 'spec'> & { spec: ChartPlan['spec'] | undefined };

export interface ChartContext {
  /** The series artifacts the report read for this oracle (kinds with `seriesArtifacts`). */
  series: { request: SeriesRequest; series: SeriesArtifact }[];
  axis: TimeAxis;
  detail: ErrorDetail;
}

/** A block of REPORT.md and report.html under a heading shared by every oracle that adds one. */
export interface ReportSection {
  heading: string;
  /** Headings are shown in this order (lower first). */
  order: number;
  /** Markdown lines, starting with a blank line. */
  markdown: string[];
  /** HTML fragments. */
  html: string[];
}

/** What the judge reads from a measurement's details, typed by the kind that wrote them. */
export interface JudgeFacts {
  /** Tests that ran in the baseline and did not run now: a failure whatever the thresholds say. */
  missingTests?: number;
  /** The oracle's own significance verdict against the best kept commit. */
  comparison?: 'improved' | 'regressed' | '~';
  /** Ids of the tests that failed or errored, for the next session to fix. */
  failingTests?: string[];
}

/** One oracle kind. Methods take the kind's own spec; spec/, run/, judge/ and report/ call them through the registry. */
export interface OracleDescriptor<S extends OracleSpecBase = OracleSpecBase> {
  readonly kind: string;
  /** The zod object of the kind's spec (`kind: z.literal(...)`); the spec's oracle union is built from these. */
  readonly schema: z.ZodObject;
  /** The metric names the oracle can report. */
  metrics(spec: S): MetricPattern[];
  /** Experiment files outside oracle/ it reads (oracle/ is always hashed). */
  referencedFiles?(spec: S): ReferencedFile[];
  /** Whether measuring needs a snapshot of the best kept commit (at /baton/best). */
  readonly needsBestSnapshot?: boolean;
  /**
   * Its measurements time the candidate: they must have the machine to
   * themselves (the measure queue, src/run/lanes/gate.ts, gives them every
   * place while they run).
   */
  readonly exclusive?: boolean;
  /** Metrics the harness derives from the oracle's own and the baseline's. */
  derivedMetrics?(spec: S, metrics: Record<string, number>, baseline: Record<string, number> | undefined): Record<string, number>;
  /** Workspace globs the worker may not change when a spec has this oracle. */
  protectedGlobs?(spec: S): readonly string[];
  /** Why, as `baton check` says it beside them: `tests oracle: test-runner configuration and shadowing files`. */
  readonly protectedReason?: string;
  /** Problems of the spec that the schema cannot see (pure). */
  validate?(spec: S, ctx: ValidateContext): Problem[];
  /** `baton check` errors and warnings that look at the experiment's folders. */
  check?(spec: S, ctx: CheckContext): CheckFindings;
  /** `baton check` problems found by reading the referenced files as the oracle would. */
  checkInputs?(spec: S, ctx: InputsContext): Promise<Problem[]>;
  /** Why the oracle's numbers are weak (shown in the report's integrity list), if they are. */
  weakness?(spec: S): string | undefined;
  /** The unit of one of its metrics, from the metric name's parts after the oracle id. */
  metricUnit?(spec: S, parts: string[]): string | undefined;
  /**
   * Why a metric name under this oracle (parts after its id) is not produced, when the kind can say
   * better than "did you mean" (a table's column that the table does not compare). `at` formats key paths with lines.
   */
  unproducedHint?(spec: S, parts: string[], at: (path: (string | number)[]) => string, index: number): string | undefined;
  /** Images its oracle sandboxes start from besides the spec's `sandbox.image` (`baton check` wants them there). */
  images?(spec: S): string[];
  /** Whether the report reads its `series` artifacts (baseline, best, latest) for its charts. */
  readonly seriesArtifacts?: boolean;
  /** Its charts, in order. */
  charts?(model: ReportModel, spec: S, ctx: ChartContext): ChartContribution[];
  /** Its report sections. */
  sections?(model: ReportModel, spec: S): ReportSection[];
  /** What the judge reads from one of its measurements' details. */
  judgeFacts?(details: Record<string, unknown>): JudgeFacts;
  /** The oracle itself, imported on first use. */
  load(): Promise<Oracle>;
}

/** Types a descriptor by its spec; the registry holds it as `OracleDescriptor`. */
export function defineOracleKind<S extends OracleSpecBase>(d: OracleDescriptor<S>): OracleDescriptor<S> {
  return d;
}
