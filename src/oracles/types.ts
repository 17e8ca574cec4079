/**
 * The Oracle contract (DESIGN.md §5): measure a snapshot of the workspace and
 * return named numbers. An oracle never throws for a bad candidate; a crash
 * or garbage output is a Measurement with status `error` or `failed`.
 */
import type { OracleSpec, Spec } from '../spec/schema.js';
import type { SandboxHandle, SandboxStartOptions } from '../sandbox/types.js';

export type MeasurementStatus = 'ok' | 'failed' | 'timeout' | 'error';

/** A file or a data series an oracle leaves for the report. Paths are relative to the run's artifact folder. */
export interface Artifact {
  name: string;
  kind: 'series' | 'screenshot' | 'file';
  path: string;
}

/** What one oracle measured. Metrics are finite numbers only. */
export interface Measurement {
  oracle: string;
  status: MeasurementStatus;
  metrics: Record<string, number>;
  /** Why the status is not ok, in a sentence the next session can act on. */
  reason?: string;
  /** Oracle-specific facts: per-test status, benchmark samples and comparison, dropped points. */
  details: Record<string, unknown>;
  artifacts: Artifact[];
  durationMs: number;
}

export interface MeasureContext {
  spec: Spec;
  oracle: OracleSpec;
  /** The experiment folder (holds baton.yaml and oracle/). */
  experimentDir: string;
  /** Host path of a clean snapshot of the tree under judgment; mounted read-only at /workspace. */
  snapshotDir: string;
  /** Host path of the best kept commit's snapshot, for comparisons (benchmark); mounted read-only at /baton/best. */
  bestSnapshotDir?: string;
  /** Host scratch folder of this oracle, mounted read-write at /baton/out ($BATON_OUT). */
  outDir: string;
  /** Host folder where this measurement's artifacts are written. */
  artifactDir: string;
  /**
   * This oracle's details in the run's baseline measurement (iteration 0),
   * when it measured ok: the tests oracle compares the test ids that ran then
   * with the ones that run now. Undefined while measuring the baseline itself.
   */
  baselineDetails?: Record<string, unknown>;
  /** Starts a fresh oracle sandbox; the caller of measure() owns labels and limits. */
  startSandbox(options: Pick<SandboxStartOptions, 'mounts' | 'env' | 'image' | 'workdir'>): Promise<SandboxHandle>;
  signal?: AbortSignal;
}

/** One kind of oracle: table, benchmark, tests, browser, command, or one registered (registry.ts). */
export interface Oracle {
  readonly kind: string;
  measure(ctx: MeasureContext): Promise<Measurement>;
}
