/** Where things live in an experiment folder (DESIGN.md §3). */
import { createHash } from 'node:crypto';
import * as path from 'node:path';

export interface ExperimentPaths {
  root: string;
  spec: string;
  oracleDir: string;
  workspace: string;
  state: string;
  journal: string;
  ledger: string;
  lock: string;
  transcripts: string;
  attempts: string;
  artifacts: string;
  scratch: string;
  /** Lendings of host folders to a sandbox user not yet handed back (sandbox/ownership.ts); the next run's recovery undoes them. */
  lent: string;
  /** The full report (per-point error charts): for the researcher only, outside the workspace, mounted into no sandbox. */
  reports: string;
}

/** The paths of the experiment at `dir`. */
export function experimentPaths(dir: string): ExperimentPaths {
  const root = path.resolve(dir);
  const state = path.join(root, '.baton');
  return {
    root,
    spec: path.join(root, 'baton.yaml'),
    oracleDir: path.join(root, 'oracle'),
    workspace: path.join(root, 'workspace'),
    state,
    journal: path.join(state, 'journal.jsonl'),
    ledger: path.join(state, 'ledger.jsonl'),
    lock: path.join(state, 'lock'),
    transcripts: path.join(state, 'transcripts'),
    attempts: path.join(state, 'attempts'),
    artifacts: path.join(state, 'artifacts'),
    scratch: path.join(state, 'scratch'),
    lent: path.join(state, 'lent'),
    reports: path.join(root, 'reports'),
  };
}

/** The four-digit name of iteration n's files: transcripts/0001.jsonl, attempts/0001.patch, artifacts/0001/. */
export function iterationTag(n: number): string {
  return String(n).padStart(4, '0');
}

/** A short stable id of an experiment folder, for sandbox labels and names: `<name>-<hash of the path>`. */
export function experimentId(root: string, name: string): string {
  return `${name.replace(/[^A-Za-z0-9_.-]/g, '-')}-${createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 8)}`;
}
