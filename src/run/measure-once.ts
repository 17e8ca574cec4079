/** `baton measure`: the working tree measured once by every oracle, with no agent and no run state changed. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { experimentPaths } from '../experiment.js';
import { chooseSandboxProvider } from '../sandbox/index.js';
import type { SandboxProvider } from '../sandbox/types.js';
import { loadExperiment } from '../spec/check.js';
import type { Spec } from '../spec/schema.js';
import { Repo } from '../workspace/git.js';
import { measureSnapshot, type MeasureResult } from './measure.js';
import { mkdirInExperiment } from './preflight.js';

export interface MeasureOnceResult extends MeasureResult {
  spec: Spec;
  sandboxWarnings: string[];
}

/** Measures the experiment's working tree (committed or not). */
export async function measureOnce(dir: string, options: { provider?: SandboxProvider; signal?: AbortSignal } = {}): Promise<MeasureOnceResult> {
  const spec = loadExperiment(dir);
  const base = experimentPaths(dir);
  // A private state folder, so a measurement never touches a running run's scratch or artifacts.
  const own = path.join(base.state, `measure-${process.pid}`);
  const paths = { ...base, scratch: path.join(own, 'scratch'), artifacts: path.join(own, 'artifacts') };
  let sandboxWarnings: string[] = [];
  let provider = options.provider;
  if (!provider) {
    const chosen = await chooseSandboxProvider(spec.sandbox, base.workspace);
    provider = chosen.provider;
    sandboxWarnings = chosen.warnings;
  }
  try {
    const snap = path.join(paths.scratch, 'snapshot');
    mkdirInExperiment(base.root, snap);
    await new Repo(paths.workspace).exportWorkingTree(snap);
    const result = await measureSnapshot({ spec, paths, provider, runId: 'measure', iteration: 0, tag: 'measure', snapshotDir: snap, signal: options.signal });
    return { ...result, spec, sandboxWarnings };
  } finally {
    fs.rmSync(own, { recursive: true, force: true });
  }
}
