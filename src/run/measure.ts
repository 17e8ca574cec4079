/**
 * One measurement of a snapshot by every oracle of the spec, each in fresh
 * oracle sandboxes. The comparison maths runs here on the host, on files
 * copied out of the sandbox. A crashing oracle becomes an `error`
 * Measurement; nothing here throws for a bad candidate.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError, SystemError } from '../errors.js';
import { failpoint } from '../failpoint.js';
import { experimentId, type ExperimentPaths } from '../experiment.js';
import type { MeasurementRecord } from '../ledger/record.js';
import { oracleFor, oracleKindOf } from '../oracles/registry.js';
import type { Measurement } from '../oracles/types.js';
import type { SandboxProvider } from '../sandbox/types.js';
import type { Spec } from '../spec/schema.js';
import { removeTree } from '../workspace/safe-fs.js';

export interface MeasureOptions {
  spec: Spec;
  paths: ExperimentPaths;
  provider: SandboxProvider;
  runId: string;
  iteration: number;
  /** Folder name of this measurement under .baton/artifacts and .baton/scratch, e.g. `0003` or `0003-confirm1`. */
  tag: string;
  snapshotDir: string;
  bestSnapshotDir?: string;
  /** The baseline's metrics, for metrics relative to the start (benchmark `baseline_speedup`). */
  baselineMetrics?: Record<string, number>;
  /** The baseline's measurements, so an oracle can compare with what it saw there (the tests oracle's test ids). */
  baselineMeasurements?: MeasurementRecord[];
  signal?: AbortSignal;
}

export interface MeasureResult {
  measurements: MeasurementRecord[];
  /** Every metric of every oracle, flattened. */
  metrics: Record<string, number>;
  warnings: string[];
  durationMs: number;
}

/** Runs every oracle on the snapshot, one after the other. */
export async function measureSnapshot(o: MeasureOptions): Promise<MeasureResult> {
  const started = Date.now();
  const measurements: MeasurementRecord[] = [];
  const warnings: string[] = [];
  for (const oracleSpec of o.spec.oracles) {
    const m = await measureOne(o, oracleSpec.id);
    failpoint('measure:oracle');
    measurements.push(m);
    if (m.status !== 'ok' && /non-finite|NaN|Infinity/i.test(m.reason ?? '')) warnings.push(`${m.oracle}: ${m.reason}`);
  }
  const metrics: Record<string, number> = {};
  for (const m of measurements) Object.assign(metrics, m.metrics);
  Object.assign(metrics, derivedMetrics(o.spec, metrics, o.baselineMetrics));
  return { measurements, metrics, warnings, durationMs: Date.now() - started };
}

async function measureOne(o: MeasureOptions, id: string): Promise<MeasurementRecord> {
  const oracleSpec = o.spec.oracles.find((x) => x.id === id)!;
  const started = Date.now();
  const fail = (status: 'error' | 'failed', reason: string): MeasurementRecord => ({
    oracle: id,
    status,
    metrics: {},
    reason,
    details: {},
    artifacts: [],
    durationMs: Date.now() - started,
  });
  const oracle = await oracleFor(oracleSpec.kind);
  if (!oracle) return fail('error', `no oracle of kind "${oracleSpec.kind}" is available in this build`);
  const outDir = path.join(o.paths.scratch, o.tag, id, 'out');
  const artifactDir = path.join(o.paths.artifacts, o.tag, id);
  removeTree(outDir);
  fs.mkdirSync(outDir, { recursive: true });
  fs.mkdirSync(artifactDir, { recursive: true });
  let m: Measurement;
  // A sandbox that cannot start is the machine's fault (an engine lost mid-run), never the candidate's: the oracle
  // turns it into an `error` measurement, but the run must stop unjudged and measure again when resumed.
  let startFailure: unknown;
  try {
    m = await oracle.measure({
      spec: o.spec,
      oracle: oracleSpec,
      experimentDir: o.paths.root,
      snapshotDir: o.snapshotDir,
      bestSnapshotDir: o.bestSnapshotDir,
      baselineDetails: o.baselineMeasurements?.find((b) => b.oracle === id && b.status === 'ok')?.details,
      outDir,
      artifactDir,
      signal: o.signal,
      startSandbox: (opts) =>
        o.provider
          .start({
            spec: o.spec.sandbox,
            role: 'oracle',
            image: opts.image,
            mounts: opts.mounts,
            env: opts.env,
            workdir: opts.workdir,
            labels: { experiment: experimentId(o.paths.root, o.spec.name), run: o.runId, iteration: o.iteration },
            lendRecords: o.paths.lent,
          })
          .catch((e: unknown) => {
            startFailure = e;
            throw e;
          }),
    });
  } catch (e) {
    return fail('error', `the ${oracleSpec.kind} oracle crashed: ${describeError(e)}`);
  } finally {
    fs.rmSync(path.join(o.paths.scratch, o.tag, id), { recursive: true, force: true });
  }
  if (startFailure !== undefined) {
    throw new SystemError(
      `could not start the ${id} oracle's sandbox: ${describeError(startFailure)}; the candidate is not judged on it. Fix the engine, then \`baton run\` resumes and measures it again.`,
      {
        code: 'BATON_SANDBOX',
        cause: startFailure,
      },
    );
  }
  // Defence in depth: the ledger accepts finite numbers only.
  const bad = Object.entries(m.metrics).filter(([, v]) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad.length) return fail('failed', `non-finite metric values: ${bad.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return {
    ...m,
    details: JSON.parse(JSON.stringify(m.details ?? {})),
    artifacts: m.artifacts.map((a) => ({ ...a, path: path.join(o.tag, id, a.path) })),
  };
}

/** Metrics the harness derives from the oracles' own, as each kind says (a benchmark's speed-up against the baseline). */
export function derivedMetrics(spec: Spec, metrics: Record<string, number>, baseline: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of spec.oracles) Object.assign(out, oracleKindOf(o).derivedMetrics?.(o, metrics, baseline));
  return out;
}
