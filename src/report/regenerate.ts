/**
 * The report step, shared by the run (after every iteration and at its end)
 * and `baton report`: one function with the same inputs, so the report the
 * run commits and the one `baton report` writes from the same ledger say the
 * same thing. Reads the workspace's NOTES.md (without following links) and
 * writes only to the folders it is given.
 */
import type { ExperimentPaths } from '../experiment.js';
import type { LedgerRecord } from '../ledger/record.js';
import type { Spec } from '../spec/schema.js';
import type { RunState } from '../state/run-state.js';
import { nextSessionBrief } from '../workspace/prompt.js';
import { readTextOrEmpty } from '../workspace/safe-fs.js';
import type { ErrorDetail } from './error-chart.js';
import { generateReport, type GenerateReportResult } from './generate.js';

export interface RegenerateReportOptions {
  spec: Spec;
  records: LedgerRecord[];
  state: RunState;
  paths: ExperimentPaths;
  /** Where REPORT.md, metrics.csv and plots/ go. */
  outDir: string;
  /** Error charts in outDir: `coarse` (the workspace copy, the default) or `full`. */
  detail?: ErrorDetail;
  /** Also write the full report here (the run's researcher copy). */
  fullOutDir?: string;
  html?: boolean;
  /** The footer's date when the ledger is empty; otherwise the last record's time, so the same ledger gives the same bytes. */
  fallbackNow?: Date;
  /** Told why NOTES.md was not read (a link, too large). */
  onUnreadable?: (reason: string) => void;
  onProgress?: (done: number, total: number, label: string) => void;
}

/** Regenerates the report from the ledger; the next session's brief is shown while the run is running. */
export async function regenerateReport(o: RegenerateReportOptions): Promise<GenerateReportResult> {
  const last = o.records[o.records.length - 1];
  return generateReport({
    spec: o.spec,
    records: o.records,
    state: o.state,
    notes: readTextOrEmpty(o.paths.workspace, 'NOTES.md', o.onUnreadable) || undefined,
    nextPrompt: o.state === 'running' ? nextSessionBrief(o.spec, o.records) : undefined,
    artifactRoot: o.paths.artifacts,
    outDir: o.outDir,
    detail: o.detail,
    fullOutDir: o.fullOutDir,
    html: o.html,
    now: last ? new Date(last.at) : o.fallbackNow,
    onProgress: o.onProgress,
  });
}
