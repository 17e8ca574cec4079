/**
 * The `benchmark` oracle: in one oracle sandbox, run `setup` once per side,
 * `warmup` untimed runs, then `repeat` timed runs; with a best kept commit
 * (mounted at /baton/best) the two sides alternate A B A B so slow drift of
 * the machine (thermal state, other containers, page cache) hits both
 * equally. The statistics and the verdict are computed here on the host from
 * the timings; see compare.ts for why a noise-aware test decides, not the
 * difference of two medians.
 *
 * Limits worth knowing: wall time includes the sandbox's cost of starting
 * a process (tens of milliseconds for `docker exec`, a few hundred under
 * bubblewrap on a busy machine), which adds noise the test then rightly
 * refuses to call a change; for runs much shorter than a second, have the
 * command time itself and print {"seconds": ...} with `time: json`. Both
 * sides share one sandbox, so a candidate that leaves a busy background
 * process behind slows the best's runs too; the details keep both sides'
 * samples so this is visible.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describeError } from '../../src/errors.js';
import type { Measurement, MeasureContext, Oracle } from '../../src/oracles/types.js';
import type { SandboxHandle } from '../../src/sandbox/types.js';
import type { BenchmarkOracleSpec } from '../../src/spec/schema.js';
import {
  baseMeasurement, type Deadline, execProblem, inOracleSandbox, nonFiniteMetric, SANDBOX_PATHS, unsuccessful,
} from '../command/oracle-sandbox.js';
import { compareSamples, type Comparison } from './compare.js';
import { median, summarize, type SampleSummary } from './stats.js';

export interface BenchmarkOracleOptions {
  /** Fewest timed runs per side before a comparison can say improved/regressed (default 10). */
  minSamples?: number;
  /** Seed of the bootstrap intervals (default: stats.ts's). */
  seed?: number;
  /** Runs of `true` to estimate the sandbox's per-process cost under `time: wall` (default 3; 0 turns it off). */
  overheadProbes?: number;
}

type Side = 'candidate' | 'best';

/** Where each side runs and writes: the best gets its own $BATON_OUT so the two never share files. */
const SIDES: Record<Side, { cwd: string; env: Record<string, string> }> = {
  candidate: { cwd: SANDBOX_PATHS.workspace, env: {} },
  best: {
    cwd: SANDBOX_PATHS.best,
    env: { BATON_OUT: `${SANDBOX_PATHS.out}/.best`, BATON_WORKSPACE: SANDBOX_PATHS.best },
  },
};

/** One timed or untimed run's outcome: seconds (per `time`) and the harness's wall seconds, or why it failed. */
type RunOutcome =
  | { ok: true; seconds: number; wallSeconds: number }
  | { ok: false; status: 'failed' | 'timeout' | 'error'; reason: string };

/** Reads `seconds` from the last non-empty stdout line, a JSON object. */
export function jsonSeconds(stdout: string): number | string {
  const line = stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '').at(-1);
  if (line === undefined) return 'printed nothing; with `time: json` its last stdout line must be a JSON object such as {"seconds": 0.123}';
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return `its last stdout line is not JSON: ${line.slice(0, 200)}`;
  }
  const s = typeof v === 'object' && v !== null ? (v as Record<string, unknown>).seconds : undefined;
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) {
    return `its last stdout line has no finite, non-negative "seconds" field: ${line.slice(0, 200)}`;
  }
  return s;
}

/** Creates the benchmark oracle; options exist for tests and tuning, the spec drives everything else. */
export function createBenchmarkOracle(options: BenchmarkOracleOptions = {}): Oracle {
  const minSamples = options.minSamples ?? 10;
  const overheadProbes = options.overheadProbes ?? 3;

  /** Median wall seconds of running `true`: the floor under every wall-time sample. Undefined when it cannot tell. */
  async function probeOverhead(sandbox: SandboxHandle, deadline: Deadline, signal?: AbortSignal): Promise<number | undefined> {
    const times: number[] = [];
    for (let i = 0; i < overheadProbes && !signal?.aborted; i++) {
      const timeoutMs = Math.min(deadline.remainingMs(), 30_000);
      if (timeoutMs <= 0) break;
      const r = await sandbox.exec('true', { cwd: SANDBOX_PATHS.workspace, timeoutMs });
      if (r.exitCode === 0 && !r.timedOut) times.push(r.durationMs / 1000);
    }
    return times.length > 0 ? median(times) : undefined;
  }
  const seed = options.seed;

  async function runOnce(sandbox: SandboxHandle, deadline: Deadline, spec: BenchmarkOracleSpec, side: Side, label: string, command: string): Promise<RunOutcome> {
    const timeoutMs = deadline.remainingMs();
    if (timeoutMs <= 0) return { ok: false, status: 'timeout', reason: `the benchmark used up its ${spec.timeout} timeout before ${label}` };
    const r = await sandbox.exec(command, { cwd: SIDES[side].cwd, env: SIDES[side].env, timeoutMs });
    const problem = execProblem(r, label, { timeoutMs });
    if (problem) return { ok: false, ...problem };
    const wallSeconds = r.durationMs / 1000;
    if (spec.time === 'wall') return { ok: true, seconds: wallSeconds, wallSeconds };
    const s = jsonSeconds(r.stdout);
    if (typeof s === 'string') return { ok: false, status: 'failed', reason: `${label}: ${s}` };
    return { ok: true, seconds: s, wallSeconds };
  }

  return {
    kind: 'benchmark',
    measure(ctx: MeasureContext): Promise<Measurement> {
      const spec = ctx.oracle as BenchmarkOracleSpec;
      const comparing = ctx.bestSnapshotDir !== undefined;
      // The best's own $BATON_OUT, made before the sandbox starts so the provider
      // hands it to the sandbox user along with the rest of the scratch folder.
      if (comparing) {
        try {
          mkdirSync(path.join(ctx.outDir, '.best'), { recursive: true });
        } catch (e) {
          return Promise.resolve(unsuccessful(ctx, Date.now(), 'error', `benchmark ${spec.id}: cannot prepare $BATON_OUT/.best: ${describeError(e)}`));
        }
      }
      return inOracleSandbox(ctx, async (sandbox, deadline, startedAt) => {
        const samples: Record<Side, number[]> = { candidate: [], best: [] };
        const wall: Record<Side, number[]> = { candidate: [], best: [] };
        let bestError: string | undefined = comparing ? undefined : 'no best kept commit to compare with';
        const details = (): Record<string, unknown> => ({
          time: spec.time,
          repeat: spec.repeat,
          warmup: spec.warmup,
          order: comparing ? 'interleaved: candidate, best, candidate, best, ...' : 'candidate only',
          samples: samples.candidate,
          wallSamples: wall.candidate,
          ...(comparing ? { bestSamples: samples.best, bestWallSamples: wall.best } : {}),
        });
        const failCandidate = (o: Extract<RunOutcome, { ok: false }>) =>
          unsuccessful(ctx, startedAt, o.status, `benchmark ${spec.id}: ${o.reason}`, details());

        // Runs one step on the candidate (which must succeed) and then on the best (whose failure only ends the comparison).
        const step = async (label: string, command: string, timed: boolean): Promise<Measurement | undefined> => {
          const sides: Side[] = bestError === undefined ? ['candidate', 'best'] : ['candidate'];
          for (const side of sides) {
            if (ctx.signal?.aborted) return unsuccessful(ctx, startedAt, 'error', `benchmark ${spec.id}: interrupted`, details());
            const o = await runOnce(sandbox, deadline, spec, side, `${label} of the ${side === 'best' ? 'best kept commit' : 'candidate'}`, command);
            if (!o.ok) {
              if (side === 'candidate' || o.status === 'timeout') return failCandidate(o);
              bestError = o.reason;
              continue;
            }
            if (timed) {
              samples[side].push(o.seconds);
              wall[side].push(o.wallSeconds);
            }
          }
          return undefined;
        };

        if (spec.setup !== undefined) {
          const stop = await step('setup', spec.setup, false);
          if (stop) return stop;
        }
        const overheadS = spec.time === 'wall' && overheadProbes > 0 ? await probeOverhead(sandbox, deadline, ctx.signal) : undefined;
        for (let i = 1; i <= spec.warmup; i++) {
          const stop = await step(`warm-up run ${i}`, spec.run, false);
          if (stop) return stop;
        }
        for (let i = 1; i <= spec.repeat; i++) {
          const stop = await step(`timed run ${i}`, spec.run, true);
          if (stop) return stop;
        }

        const summary = summarize(samples.candidate, { seed });
        // Without a usable best there is no evidence of change: "~", marked `compared: false`.
        let comparison: (Comparison & { compared: true }) | { verdict: '~'; compared: false; reason: string };
        if (bestError === undefined) {
          const c = compareSamples(samples.candidate, samples.best, { alpha: spec.alpha, minEffect: spec.min_effect, minSamples, seed });
          comparison = { ...c, compared: true };
        } else {
          comparison = { verdict: '~', compared: false, reason: bestError };
        }
        const speedup = 'speedup' in comparison ? comparison.speedup : 1;
        const metrics: Record<string, number> = {
          [`${spec.id}.median_s`]: summary.median,
          [`${spec.id}.mean_s`]: summary.mean,
          [`${spec.id}.stdev_s`]: summary.stdev,
          [`${spec.id}.iqr_s`]: summary.iqr,
          [`${spec.id}.ci_low_s`]: summary.ci[0],
          [`${spec.id}.ci_high_s`]: summary.ci[1],
          [`${spec.id}.n_samples`]: summary.n,
          [`${spec.id}.n_outliers`]: summary.outliers,
          [`${spec.id}.speedup`]: speedup,
        };
        const allDetails: Record<string, unknown> = {
          ...details(),
          ...(overheadS !== undefined ? { execOverheadS: overheadS } : {}),
          ...(overheadS !== undefined && overheadS > 0.5 * summary.median
            ? {
                hint:
                  `about ${Math.round((100 * overheadS) / summary.median)}% of each timed run is the sandbox's cost of starting a process ` +
                  `(${overheadS.toPrecision(2)} s for \`true\`); time the work inside the command and use \`time: json\``,
              }
            : {}),
          summary,
          ...(bestError === undefined && comparing ? { bestSummary: summarize(samples.best, { seed }) satisfies SampleSummary } : {}),
          comparison,
        };
        const bad = nonFiniteMetric(metrics);
        if (bad !== undefined) {
          return unsuccessful(ctx, startedAt, 'failed', `benchmark ${spec.id}: metric ${bad} is not a finite number`, allDetails);
        }
        return { ...baseMeasurement(ctx, startedAt), status: 'ok', metrics, details: allDetails };
      });
    },
  };
}

/** The benchmark oracle with default options. */
export const benchmarkOracle: Oracle = createBenchmarkOracle();
