/**
 * The `benchmark` oracle: every run starts from nothing. Each warm-up pass
 * and each timed run gets a fresh oracle sandbox (fresh /tmp, $HOME,
 * /dev/shm, processes) and a fresh empty $BATON_OUT, so nothing a run leaves
 * behind, a cache in /tmp or a background process, can speed up a later
 * run (security audit, issue 12). `setup` runs untimed in every sandbox,
 * before the warm-up or timed run. With a best kept commit the two sides
 * alternate A B A B so slow drift of the machine (thermal state, other
 * containers, page cache) hits both equally, and each repetition's
 * $BATON_SEED is the same for both sides. A timed run's time counts only
 * when its output (stdout and the named files, see output-compare.ts)
 * equals the best's run of the same repetition. The statistics and the
 * verdict are computed on the host; see compare.ts for why a noise-aware
 * test decides, not the difference of two medians.
 *
 * Limits worth knowing: wall time includes the sandbox's cost of starting
 * a process (tens of milliseconds for `docker exec`, a few hundred under
 * bubblewrap on a busy machine) and the time spent waiting for a core,
 * which adds noise the test then rightly refuses to call a change. `time:
 * cpu` reads the sandbox's cgroup CPU counter from the host right before
 * and right after the timed run (a fresh sandbox, so nothing else runs in
 * it): the CPU seconds of every process the run started, without the
 * waiting, and out of the candidate's reach. `time: json` takes the seconds
 * the timed command prints, i.e. from a process that runs the candidate's
 * code, which can forge them (security audit): `baton check` warns. A fresh
 * sandbox per run costs one container start per run (details.sandboxStartS),
 * untimed. The output check proves the timed run reproduced the best's
 * output, not that it computed it: a benchmark that derives its input from
 * $BATON_SEED keeps a hard-coded answer from passing.
 */
import { mkdirSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { describeError } from '../../src/errors.js';
import type { Measurement, MeasureContext, Oracle } from '../../src/oracles/types.js';
import type { CpuUsage, SandboxHandle } from '../../src/sandbox/types.js';
import { removeTree } from '../../src/workspace/safe-fs.js';
import type { BenchmarkOracleSpec } from '../../src/spec/schema.js';
import { parseDuration } from '../../src/spec/units.js';
import { baseMeasurement, Deadline, execProblem, nonFiniteMetric, oracleEnv, oracleMounts, SANDBOX_PATHS, unsuccessful } from '../command/oracle-sandbox.js';
import { compareSamples, type Comparison } from './compare.js';
import { comparableStdout, compareOutputs, outputDigests, type RunOutput } from './output-compare.js';
import { readOutputFile } from './output-read.js';
import { median, summarize, type SampleSummary } from './stats.js';

export interface BenchmarkOracleOptions {
  /** Fewest timed runs per side before a comparison can say improved/regressed (default 10). */
  minSamples?: number;
  /** Seed of the bootstrap intervals (default: stats.ts's). */
  seed?: number;
  /** Runs of `true` to estimate the sandbox's per-process cost under `time: wall` (default 3; 0 turns it off). */
  overheadProbes?: number;
}

export type Side = 'candidate' | 'best';

/** Says so in details and REPORT.md: under `time: json` the seconds come from the process that runs the candidate's code. */
export const JSON_TIME_SOURCE = 'candidate-controlled process';

/** One timed or untimed run's outcome: seconds (per `time`), the harness's wall seconds and the output, or why it failed. */
type RunOutcome = { ok: true; seconds: number; wallSeconds: number; output: RunOutput } | { ok: false; status: 'failed' | 'timeout' | 'error'; reason: string };

/** Reads `seconds` from the last non-empty stdout line, a JSON object. */
export function jsonSeconds(stdout: string): number | string {
  const line = stdout
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .at(-1);
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
  const seed = options.seed;

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

  return {
    kind: 'benchmark',
    async measure(ctx: MeasureContext): Promise<Measurement> {
      const spec = ctx.oracle as BenchmarkOracleSpec;
      const startedAt = Date.now();
      const deadline = new Deadline(parseDuration(spec.timeout));
      const comparing = ctx.bestSnapshotDir !== undefined;
      const select = { stdout: spec.output.stdout, files: spec.output.files };
      const checking = select.stdout || select.files.length > 0;
      const samples: Record<Side, number[]> = { candidate: [], best: [] };
      const wall: Record<Side, number[]> = { candidate: [], best: [] };
      const digests: Record<string, string>[] = [];
      const sandboxStartS: number[] = [];
      let bestError: string | undefined = comparing ? undefined : 'no best kept commit to compare with';
      let overheadS: number | undefined;
      let probed = false;
      let sandboxes = 0;
      const details = (): Record<string, unknown> => ({
        time: spec.time,
        ...(spec.time === 'json' ? { timeFrom: JSON_TIME_SOURCE } : {}),
        ...(spec.time === 'cpu' ? { timeFrom: "the sandbox's cgroup CPU counter, read by the host before and after each timed run" } : {}),
        repeat: spec.repeat,
        warmup: spec.warmup,
        order: comparing ? 'interleaved, counterbalanced: candidate, best, best, candidate, candidate, best, ...' : 'candidate only',
        isolation: 'a fresh sandbox and $BATON_OUT for each warm-up pass and each timed run',
        samples: samples.candidate,
        wallSamples: wall.candidate,
        ...(comparing ? { bestSamples: samples.best, bestWallSamples: wall.best } : {}),
        output: checking ? { ...select, digests } : 'not checked (output: { stdout: false })',
        sandboxStartS,
      });
      const fail = (status: 'failed' | 'timeout' | 'error', reason: string) =>
        unsuccessful(ctx, startedAt, status, `benchmark ${spec.id}: ${reason}`, details());

      /**
       * One fresh sandbox for `side`: setup, `warmups` untimed runs, then one
       * timed run when `timed`; the sandbox is stopped before its output files
       * are read, and its $BATON_OUT is removed after.
       */
      async function inFreshSandbox(side: Side, label: string, warmups: number, timed: boolean, runSeed: number): Promise<RunOutcome | undefined> {
        if (ctx.signal?.aborted) return { ok: false, status: 'error', reason: 'interrupted' };
        if (deadline.remainingMs() <= 0) return { ok: false, status: 'timeout', reason: `the benchmark used up its ${spec.timeout} timeout before ${label}` };
        const outDir = path.join(ctx.outDir, 'runs', `${String(++sandboxes).padStart(3, '0')}-${side}`);
        const sideCtx: MeasureContext = {
          ...ctx,
          snapshotDir: side === 'best' ? (ctx.bestSnapshotDir as string) : ctx.snapshotDir,
          bestSnapshotDir: undefined,
          outDir,
        };
        let sandbox: SandboxHandle;
        const t0 = performance.now();
        try {
          removeTree(outDir);
          mkdirSync(outDir, { recursive: true });
          // The timed program is the candidate's own; it has no use for the experiment's oracle/ folder.
          const mounts = oracleMounts(sideCtx, { oracleReadableByCandidate: false });
          sandbox = await ctx.startSandbox({ mounts, env: oracleEnv(sideCtx), workdir: SANDBOX_PATHS.workspace });
        } catch (e) {
          return { ok: false, status: 'error', reason: `could not start the oracle sandbox for ${label}: ${describeError(e)}` };
        }
        sandboxStartS.push((performance.now() - t0) / 1000);
        // Setup gets no seed: a build step must not precompute the seeded input's answer.
        const exec = async (what: string, command: string, seeded = true) => {
          const env: Record<string, string> = seeded ? { BATON_SEED: String(runSeed) } : {};
          const timeoutMs = deadline.remainingMs();
          if (timeoutMs <= 0) return { problem: { status: 'timeout' as const, reason: `the benchmark used up its ${spec.timeout} timeout before ${what}` } };
          const r = await sandbox.exec(command, { cwd: SANDBOX_PATHS.workspace, env, timeoutMs });
          return { r, problem: execProblem(r, what, { timeoutMs }) };
        };
        let result: RunOutcome | undefined;
        try {
          // Once, in the first candidate sandbox, before any of the candidate's commands ran in it.
          if (side === 'candidate' && !probed && spec.time === 'wall' && overheadProbes > 0) {
            probed = true;
            overheadS = await probeOverhead(sandbox, deadline, ctx.signal);
          }
          const steps: [string, string, boolean][] = [
            ...(spec.setup !== undefined ? [[`setup before ${label}`, spec.setup, false] as [string, string, boolean]] : []),
            ...Array.from({ length: warmups }, (_, i) => [`warm-up run ${i + 1} of the ${sideName(side)}`, spec.run, true] as [string, string, boolean]),
          ];
          for (const [what, command, seeded] of steps) {
            if (ctx.signal?.aborted) return { ok: false, status: 'error', reason: 'interrupted' };
            const { problem } = await exec(what, command, seeded);
            if (problem) return { ok: false, ...problem };
          }
          if (!timed) return undefined;
          if (ctx.signal?.aborted) return { ok: false, status: 'error', reason: 'interrupted' };
          const cpuBefore = spec.time === 'cpu' ? await readCpu(sandbox, label) : undefined;
          if (typeof cpuBefore === 'string') return { ok: false, status: 'error', reason: cpuBefore };
          const { r, problem } = await exec(label, spec.run);
          const cpuAfter = spec.time === 'cpu' && !problem ? await readCpu(sandbox, label) : undefined;
          if (problem || r === undefined) return { ok: false, ...(problem ?? { status: 'error', reason: `${label} did not run` }) };
          if (typeof cpuAfter === 'string') return { ok: false, status: 'error', reason: cpuAfter };
          if (r.outputTruncated && select.stdout) {
            return {
              ok: false,
              status: 'failed',
              reason: `${label} printed more than its stdout cap, so its output cannot be compared; write large output to a file named in output.files`,
            };
          }
          const wallSeconds = r.durationMs / 1000;
          let seconds = wallSeconds;
          if (spec.time === 'json') {
            const s = jsonSeconds(r.stdout);
            if (typeof s === 'string') return { ok: false, status: 'failed', reason: `${label}: ${s}` };
            seconds = s;
          } else if (cpuBefore !== undefined && cpuAfter !== undefined) {
            const s = cpuSeconds(cpuBefore, cpuAfter);
            if (typeof s === 'string') return { ok: false, status: 'failed', reason: `${label}: ${s}` };
            seconds = s;
          }
          result = { ok: true, seconds, wallSeconds, output: { stdout: comparableStdout(r.stdout, spec.time), files: {} } };
        } finally {
          await sandbox.stop().catch(() => undefined);
          if (result?.ok) for (const f of select.files) result.output.files[f] = readOutputFile(outDir, f);
          removeTree(outDir);
        }
        return result;
      }

      try {
        const sides = (): Side[] => (bestError === undefined ? ['candidate', 'best'] : ['candidate']);
        // The best failing ends the comparison; with the output checked it also leaves nothing to check the candidate against.
        const bestFailed = (reason: string): Measurement | undefined => {
          bestError = reason;
          return checking
            ? fail('error', `cannot check the candidate's output: ${reason}; a time counts only for output that equals the best kept commit's`)
            : undefined;
        };
        // Each side's warm-up runs in a sandbox of its own, thrown away after: it warms the machine, not the sandbox.
        for (const side of spec.warmup > 0 ? sides() : []) {
          const o = await inFreshSandbox(side, `the warm-up of the ${sideName(side)}`, spec.warmup, false, randomInt(2 ** 31 - 1));
          if (o && !o.ok) {
            if (side === 'candidate' || o.status === 'timeout' || o.reason === 'interrupted') return fail(o.status, o.reason);
            const stop = bestFailed(o.reason);
            if (stop) return stop;
          }
        }
        for (let i = 1; i <= spec.repeat; i++) {
          const runSeed = randomInt(2 ** 31 - 1);
          const outputs: Partial<Record<Side, RunOutput>> = {};
          for (const side of roundOrder(i, sides())) {
            const label = `timed run ${i} of the ${sideName(side)}`;
            const o = await inFreshSandbox(side, label, 0, true, runSeed);
            if (o === undefined) return fail('error', `${label} returned no outcome`);
            if (!o.ok) {
              if (side === 'candidate' || o.status === 'timeout' || o.reason === 'interrupted') return fail(o.status, o.reason);
              const stop = bestFailed(o.reason);
              if (stop) return stop;
              continue;
            }
            outputs[side] = o.output;
            if (side === 'candidate') digests.push(outputDigests(o.output, select));
            samples[side].push(o.seconds);
            wall[side].push(o.wallSeconds);
          }
          if (checking && outputs.candidate !== undefined && outputs.best !== undefined) {
            const differs = compareOutputs(outputs.best, outputs.candidate, select, "the best kept commit's");
            if (differs !== undefined) return fail('failed', `timed run ${i} of the candidate: ${differs}`);
          }
        }
      } catch (e) {
        return fail('error', `crashed: ${describeError(e)}`);
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
        ...(overheadS !== undefined && startupHint(overheadS, summary.median) !== undefined ? { hint: startupHint(overheadS, summary.median) } : {}),
        summary,
        ...(bestError === undefined && comparing ? { bestSummary: summarize(samples.best, { seed }) satisfies SampleSummary } : {}),
        comparison,
      };
      const bad = nonFiniteMetric(metrics);
      if (bad !== undefined) {
        return unsuccessful(ctx, startedAt, 'failed', `benchmark ${spec.id}: metric ${bad} is not a finite number`, allDetails);
      }
      return { ...baseMeasurement(ctx, startedAt), status: 'ok', metrics, details: allDetails };
    },
  };
}

/** The sandbox's CPU counter, or why `time: cpu` cannot be measured in it. */
async function readCpu(sandbox: SandboxHandle, label: string): Promise<CpuUsage | string> {
  const u = await sandbox.cpuUsage?.().catch(() => undefined);
  if (u !== undefined) return u;
  return sandbox.cpuUsage === undefined
    ? `\`time: cpu\` needs a sandbox with a cgroup CPU counter (sandbox.kind: docker); the ${sandbox.kind} sandbox has none, so ${label} cannot be timed; use \`time: wall\``
    : `could not read the sandbox's CPU counter (cgroup cpu.stat / cpuacct.usage, or the engine's stats) around ${label}`;
}

/**
 * CPU seconds between two readings of one sandbox's counter. A restart in
 * between (baton restarts a sandbox whose pids ran out) starts the counter
 * again from zero and would erase the run's CPU time, so it fails the run.
 */
export function cpuSeconds(before: CpuUsage, after: CpuUsage): number | string {
  if (after.restarts !== before.restarts) {
    return 'the sandbox was restarted during the run (its pids ran out), which resets its CPU counter, so the run has no CPU time; a timed run must not leave processes behind';
  }
  const s = after.seconds - before.seconds;
  if (!Number.isFinite(s) || s < 0) return `the sandbox's CPU counter went from ${before.seconds} s to ${after.seconds} s`;
  return s;
}

/**
 * The sides of timed round `i` (from 1): candidate first in odd rounds, best
 * first in even ones (A B B A ...), so an effect of a run's place in its pair
 * (the run after a sandbox's teardown, a machine that slows every other run)
 * and a linear drift fall on both sides alike.
 */
export function roundOrder(i: number, sides: Side[]): Side[] {
  return i % 2 === 1 ? sides : [...sides].reverse();
}

const sideName = (side: Side) => (side === 'best' ? 'best kept commit' : 'candidate');

/** The benchmark oracle with default options. */
export const benchmarkOracle: Oracle = createBenchmarkOracle();

/** The hint when starting a process is most of a timed run (pure): over half of the median goes to the sandbox's exec of `true`. */
export function startupHint(overheadS: number, medianS: number): string | undefined {
  if (!(overheadS > 0.5 * medianS)) return undefined;
  return (
    `about ${Math.round((100 * overheadS) / medianS)}% of each timed run is the sandbox's cost of starting a process ` +
    `(${overheadS.toPrecision(2)} s for \`true\`); \`time: cpu\` counts the CPU the run used instead, without the waiting`
  );
}
