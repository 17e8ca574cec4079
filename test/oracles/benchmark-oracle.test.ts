/**
 * The benchmark oracle with a host "sandbox" (host-sandbox.ts): real
 * processes and real wall time, kept short for a shared 2-core machine.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { benchmarkOracle, jsonSeconds } from '../../oracles/benchmark/index.js';
import { startupHint } from '../../oracles/benchmark/oracle.js';
import { sha256 } from '../../oracles/benchmark/output-compare.js';
import { BENCHMARK_STATS, DERIVED_BENCHMARK_STATS } from '../../oracles/benchmark/descriptor.js';
import { tmpDir } from '../helpers/tmp.js';
import { fakeContext, removeFakeContexts } from './host-sandbox.js';

afterAll(removeFakeContexts);

/** A context whose candidate and best snapshots each hold a bench.sh with the given body. */
function withScripts(oracle: Record<string, unknown>, candidate: string, best?: string) {
  const f = fakeContext({ id: 'speed', kind: 'benchmark', run: 'sh ./bench.sh', ...oracle });
  writeFileSync(path.join(f.ctx.snapshotDir, 'bench.sh'), candidate);
  if (best !== undefined) {
    f.ctx.bestSnapshotDir = path.join(path.dirname(f.ctx.snapshotDir), 'best');
    mkdirSync(f.ctx.bestSnapshotDir);
    writeFileSync(path.join(f.ctx.bestSnapshotDir, 'bench.sh'), best);
  }
  return f;
}

type Verdict = { verdict: string; pValue?: number; reason: string };
const comparisonOf = (m: { details: Record<string, unknown> }) => m.details.comparison as Verdict;

/** Prints {"seconds": base + uniform noise of `spread`} from /dev/urandom. */
const jsonTime = (base: number, spread: number) =>
  `r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')\nawk -v r="$r" 'BEGIN{printf "{\\"seconds\\": %.7f}\\n", ${base} + r/65536*${spread}}'\n`;

describe('jsonSeconds', () => {
  it('reads seconds from the last JSON line or says why not', () => {
    expect(jsonSeconds('compiling\n{"seconds": 0.25, "n": 3}\n')).toBe(0.25);
    expect(jsonSeconds('')).toMatch(/printed nothing/);
    expect(jsonSeconds('{"seconds": "fast"}')).toBe('its last stdout line has no finite, non-negative "seconds" field: {"seconds": "fast"}');
    expect(jsonSeconds('{"seconds": -1}')).toMatch(/no finite, non-negative "seconds"/);
    expect(jsonSeconds('{"seconds": 1e999}')).toMatch(/no finite, non-negative "seconds"/);
    expect(jsonSeconds('took 3s')).toBe('its last stdout line is not JSON: took 3s');
  });
});

describe('benchmarkOracle', () => {
  it('without a best: setup in each sandbox, warm-up untimed, then timed runs; exactly BENCHMARK_STATS, speedup 1', async () => {
    const { ctx, log, starts } = withScripts({ setup: 'echo built > $BATON_OUT/setup.txt', repeat: 3, warmup: 2 }, 'sleep 0.01\n');
    const m = await benchmarkOracle.measure(ctx);
    expect(m.status).toBe('ok');
    expect(Object.keys(m.metrics).sort()).toEqual(
      BENCHMARK_STATS.filter((s) => !DERIVED_BENCHMARK_STATS.includes(s))
        .map((s) => `speed.${s}`)
        .sort(),
    );
    expect(m.metrics['speed.n_samples']).toBe(3);
    expect(m.metrics['speed.speedup']).toBe(1);
    expect(m.metrics['speed.median_s']).toBeGreaterThanOrEqual(0.01);
    expect(m.metrics['speed.ci_low_s']).toBeLessThanOrEqual(m.metrics['speed.median_s']);
    expect(m.metrics['speed.ci_high_s']).toBeGreaterThanOrEqual(m.metrics['speed.median_s']);
    // setup in each of the four fresh sandboxes (warm-up, 3 timed runs); the overhead probes in the first
    const setup = 'echo built > $BATON_OUT/setup.txt';
    expect(log).toEqual(['true', 'true', 'true', setup, 'sh ./bench.sh', 'sh ./bench.sh', ...Array(3).fill([setup, 'sh ./bench.sh']).flat()]);
    expect(starts).toHaveLength(4);
    expect(m.details.execOverheadS).toBeGreaterThan(0);
    expect(m.details.samples).toHaveLength(3);
    expect(comparisonOf(m)).toEqual({ verdict: '~', compared: false, reason: 'no best kept commit to compare with' });
  });

  it('a real speed-up is "improved", runs interleaved and counterbalanced: A B, then B A, A B, ...', async () => {
    const order = path.join(tmpDir('baton-order-'), 'order');
    onTestFinished(() => rmSync(path.dirname(order), { recursive: true, force: true }));
    const { ctx, log, starts } = withScripts({ repeat: 10, warmup: 1 }, `echo A >> ${order}; sleep 0.01\n`, `echo B >> ${order}; sleep 0.1\n`);
    mkdirSync(path.join(ctx.experimentDir, 'oracle'));
    const m = await benchmarkOracle.measure(ctx);
    // the warm-ups (A B), then ten timed rounds, the best first in every even one
    expect(readFileSync(order, 'utf8')).toBe(`A\nB\n${'A\nB\nB\nA\n'.repeat(5)}`);
    expect(m.status).toBe('ok');
    const c = comparisonOf(m);
    expect(c.verdict, JSON.stringify(m.details)).toBe('improved');
    expect(m.details.comparison).toMatchObject({ compared: true, nCandidate: 10, nBest: 10, alpha: 0.05, minEffect: 0.02, minSamples: 10 });
    expect(c.pValue).toBeLessThan(0.05);
    expect(m.metrics['speed.speedup']).toBeGreaterThan(1.1); // sleep 0.1 vs 0.01 plus process start-up, which is large on a busy machine
    expect(m.details.bestSamples).toHaveLength(10);
    expect(log).toHaveLength(25); // 3 overhead probes, 2 warm-up, 20 timed
    // a fresh sandbox per warm-up pass and per timed run, each side at /workspace, the best's snapshot never shown to the candidate
    expect(starts).toHaveLength(22);
    const workspaceOf = (i: number) => starts[i].mounts.find((x) => x.containerPath === '/workspace');
    expect(workspaceOf(0)).toMatchObject({ hostPath: ctx.snapshotDir, readOnly: true });
    expect(workspaceOf(1)).toMatchObject({ hostPath: ctx.bestSnapshotDir, readOnly: true });
    expect(starts.flatMap((s) => s.mounts).find((x) => x.containerPath === '/baton/best')).toBeUndefined();
    expect(starts.flatMap((s) => s.mounts).find((x) => x.containerPath === '/baton/oracle')).toBeUndefined();
  });

  it('a machine that slows every second run does not make an unchanged candidate "improved" (rounds counterbalanced)', async () => {
    // Runs alternate fast and slow whatever they run: with the candidate always first in its pair, the best would
    // always be the slow one and the change "improved" (p < 0.001); counterbalanced, each side gets five of each.
    const counter = path.join(tmpDir('baton-parity-'), 'n');
    onTestFinished(() => rmSync(path.dirname(counter), { recursive: true, force: true }));
    const script = `n=$(cat ${counter} 2>/dev/null || echo 0); echo $((n + 1)) > ${counter}\nawk -v n="$n" 'BEGIN{printf "{\\"seconds\\": %.4f}\\n", 1 + (n % 2) * 0.5 + n * 0.0001}'\n`;
    const { ctx } = withScripts({ repeat: 10, warmup: 0, time: 'json', alpha: 0.05, min_effect: 0.02 }, script, script);
    const m = await benchmarkOracle.measure(ctx);
    expect(m.status, JSON.stringify(m.details)).toBe('ok');
    expect(m.details.samples).toHaveLength(10);
    expect(comparisonOf(m).verdict, JSON.stringify(m.details)).toBe('~');
    expect(m.metrics['speed.speedup']).toBeCloseTo(1, 1);
  });

  it('a slower candidate is "regressed"', async () => {
    const { ctx } = withScripts({ repeat: 10, warmup: 0 }, 'sleep 0.1\n', 'sleep 0.01\n');
    const m = await benchmarkOracle.measure(ctx);
    expect(comparisonOf(m).verdict, JSON.stringify(m.details)).toBe('regressed');
    expect(m.metrics['speed.speedup']).toBeLessThan(1 / 1.1);
  });

  it('two identical commands are "~"', async () => {
    // alpha 0.01 keeps the false-positive rate of this test itself at 1% at most
    const { ctx } = withScripts({ repeat: 10, warmup: 1, alpha: 0.01, min_effect: 0.1 }, 'sleep 0.03\n', 'sleep 0.03\n');
    const m = await benchmarkOracle.measure(ctx);
    expect(m.status).toBe('ok');
    expect(comparisonOf(m).verdict, JSON.stringify(m.details)).toBe('~');
  });

  it('a 1% change with tiny noise under min_effect 2% is "~" although significant (time: json)', async () => {
    const { ctx } = withScripts({ repeat: 10, warmup: 0, time: 'json', min_effect: 0.02 }, jsonTime(0.99, 0.001), jsonTime(1.0, 0.001));
    const m = await benchmarkOracle.measure(ctx);
    expect(m.status).toBe('ok');
    const c = comparisonOf(m);
    expect(c.pValue).toBeLessThan(0.001);
    expect(c.verdict).toBe('~');
    expect(c.reason).toContain('within the minimum effect 2%');
    expect(m.metrics['speed.median_s']).toBeGreaterThan(0.99);
    expect(m.metrics['speed.median_s']).toBeLessThan(0.992);
    // the harness's own wall time is recorded beside the reported seconds
    const wall = m.details.wallSamples as number[];
    expect(wall).toHaveLength(10);
    expect(wall).not.toEqual(m.details.samples);
    expect(wall.every((w) => w > 0)).toBe(true);
  });

  it('says when the cost of starting a process dominates the timings', async () => {
    const { ctx } = withScripts({ repeat: 3, warmup: 0 }, 'true\n');
    const m = await benchmarkOracle.measure(ctx);
    // Whether one probe of `true` exceeds half the median depends on the machine's load: the decision is tested with numbers.
    expect(m.details.execOverheadS).toBeGreaterThan(0);
    expect(startupHint(0.3, 0.4)).toMatch(/^about 75% of each timed run is the sandbox's cost of starting a process .* `time: cpu` counts the CPU/);
    expect(startupHint(0.1, 0.4)).toBeUndefined();
    const { ctx: jsonCtx, log } = withScripts({ repeat: 3, warmup: 0, time: 'json' }, jsonTime(1, 0.01));
    const mj = await benchmarkOracle.measure(jsonCtx);
    expect(mj.details.hint).toBeUndefined();
    expect(log).not.toContain('true');
  });

  it('a failing timed run fails the measurement, naming the run', async () => {
    const flag = path.join(tmpDir('baton-flag-'), 'ran');
    onTestFinished(() => rmSync(path.dirname(flag), { recursive: true, force: true }));
    const { ctx } = withScripts({ repeat: 3, warmup: 0 }, `if [ -f ${flag} ]; then echo broke >&2; exit 7; fi\ntouch ${flag}\n`);
    const m = await benchmarkOracle.measure(ctx);
    expect(m.status).toBe('failed');
    expect(m.metrics).toEqual({});
    expect(m.reason).toBe('benchmark speed: timed run 2 of the candidate exited with code 7: `sh ./bench.sh`\nstderr: broke');
  });

  it('a failing setup fails the measurement', async () => {
    const { ctx } = withScripts({ setup: 'exit 2', repeat: 3 }, 'true\n');
    expect((await benchmarkOracle.measure(ctx)).reason).toBe('benchmark speed: setup before the warm-up of the candidate exited with code 2: `exit 2`');
  });

  it('a run without "seconds" under time: json fails', async () => {
    const { ctx } = withScripts({ repeat: 3, warmup: 0, time: 'json' }, 'echo done\n');
    const m = await benchmarkOracle.measure(ctx);
    expect(m).toMatchObject({ status: 'failed', reason: 'benchmark speed: timed run 1 of the candidate: its last stdout line is not JSON: done' });
  });

  it('a best that fails leaves nothing to check the output against: an error', async () => {
    const { ctx } = withScripts({ repeat: 3, warmup: 0 }, 'true\n', 'exit 9\n');
    const m = await benchmarkOracle.measure(ctx);
    expect(m).toMatchObject({ status: 'error', metrics: {} });
    expect(m.reason).toBe(
      "benchmark speed: cannot check the candidate's output: timed run 1 of the best kept commit exited with code 9: `sh ./bench.sh`; a time counts only for output that equals the best kept commit's",
    );
  });

  it('with the output check off, a best that fails only ends the comparison', async () => {
    const { ctx } = withScripts({ repeat: 3, warmup: 0, output: { stdout: false } }, 'true\n', 'exit 9\n');
    const m = await benchmarkOracle.measure(ctx);
    expect(m.status).toBe('ok');
    expect(m.metrics['speed.speedup']).toBe(1);
    expect(m.metrics['speed.n_samples']).toBe(3);
    expect(comparisonOf(m)).toEqual({ verdict: '~', compared: false, reason: 'timed run 1 of the best kept commit exited with code 9: `sh ./bench.sh`' });
  });

  it('every run gets a fresh, empty $BATON_OUT of its own: no cache survives from run to run or side to side', async () => {
    // prints what it found, then leaves a "cache" behind; a later run that saw it would print it
    const script = 'ls -A "$BATON_OUT"; echo cached > "$BATON_OUT/cache"\n';
    const { ctx, starts } = withScripts({ repeat: 3, warmup: 1 }, script, script);
    const m = await benchmarkOracle.measure(ctx);
    expect(m.status, m.reason).toBe('ok');
    const outs = starts.map((s) => s.mounts.find((x) => x.containerPath === '/baton/out')!.hostPath);
    expect(new Set(outs).size).toBe(8);
    expect(existsSync(path.join(ctx.outDir, 'runs'))).toBe(true);
    expect(readdirSync(path.join(ctx.outDir, 'runs'))).toEqual([]); // each removed after its run
    const digests = (m.details.output as { digests: { stdout: string }[] }).digests;
    expect(new Set(digests.map((d) => d.stdout))).toEqual(new Set([sha256('')]));
  });

  it('both sides of a repetition get the same $BATON_SEED, each repetition a new one; setup gets none', async () => {
    const { ctx } = withScripts({ repeat: 4, warmup: 0, setup: 'test -z "$BATON_SEED"' }, 'echo "$BATON_SEED"\n', 'echo "$BATON_SEED"\n');
    const m = await benchmarkOracle.measure(ctx);
    expect(m.status, m.reason).toBe('ok');
    const digests = (m.details.output as { digests: { stdout: string }[] }).digests;
    expect(new Set(digests.map((d) => d.stdout)).size).toBe(4);
  });

  it('a candidate that skips the work (prints nothing, fast) fails, naming stdout', async () => {
    const { ctx } = withScripts({ repeat: 3, warmup: 0 }, 'true\n', 'sleep 0.05; echo 6057\n');
    const m = await benchmarkOracle.measure(ctx);
    expect(m).toMatchObject({ status: 'failed', metrics: {} });
    expect(m.reason).toBe(
      'benchmark speed: timed run 1 of the candidate: stdout differs from the best kept commit\'s (it printed nothing): line 1: expected "6057", found ""',
    );
  });

  it('a wrong answer under time: json fails; the timing line itself is not compared', async () => {
    const answer = (n: number) => `echo ${n}\n${jsonTime(0.5, 0.01)}`;
    const { ctx } = withScripts({ repeat: 3, warmup: 0, time: 'json' }, answer(41), answer(42));
    const m = await benchmarkOracle.measure(ctx);
    expect(m.reason).toBe('benchmark speed: timed run 1 of the candidate: stdout differs from the best kept commit\'s: line 1: expected "42", found "41"');
    const same = withScripts({ repeat: 3, warmup: 0, time: 'json' }, answer(42), answer(42));
    expect((await benchmarkOracle.measure(same.ctx)).status).toBe('ok');
  });

  it('named output files are compared too, and a symlink is never followed', async () => {
    const write = (v: string) => `mkdir -p "$BATON_OUT/r"; echo ${v} > "$BATON_OUT/r/out.txt"\n`;
    const output = { files: ['r/out.txt'] };
    const wrong = withScripts({ repeat: 3, warmup: 0, output }, write('1 2 4'), write('1 2 3'));
    expect((await benchmarkOracle.measure(wrong.ctx)).reason).toMatch(
      /^benchmark speed: timed run 1 of the candidate: output file r\/out.txt differs from the best kept commit's \(6 bytes, sha256 \w+ expected, 6 bytes, sha256 \w+ found\): line 1: expected "1 2 3", found "1 2 4"$/,
    );
    const link = withScripts({ repeat: 3, warmup: 0, output }, 'mkdir -p "$BATON_OUT/r"; ln -s /etc/hostname "$BATON_OUT/r/out.txt"\n', write('1 2 3'));
    expect((await benchmarkOracle.measure(link.ctx)).reason).toMatch(
      /output file r\/out.txt is missing or unreadable \(r\/out.txt is a symlink, which is never followed\)/,
    );
    const none = withScripts({ repeat: 3, warmup: 0, output }, 'mkdir -p "$BATON_OUT/r"\n', write('1 2 3'));
    expect((await benchmarkOracle.measure(none.ctx)).reason).toMatch(/output file r\/out.txt is missing or unreadable \(no such file\)/);
    const right = withScripts({ repeat: 3, warmup: 0, output }, write('1 2 3'), write('1 2 3'));
    expect((await benchmarkOracle.measure(right.ctx)).status).toBe('ok');
  });

  it('output: { stdout: false } turns the check off', async () => {
    const { ctx } = withScripts({ repeat: 3, warmup: 0, output: { stdout: false } }, 'echo 1\n', 'echo 2\n');
    const m = await benchmarkOracle.measure(ctx);
    expect(m.status).toBe('ok');
    expect(m.details.output).toBe('not checked (output: { stdout: false })');
  });

  it('running past the timeout is a timeout', async () => {
    const { ctx } = withScripts({ repeat: 5, warmup: 0, timeout: '400ms' }, 'sleep 0.15\n');
    const m = await benchmarkOracle.measure(ctx);
    expect(m.status).toBe('timeout');
    expect(m.durationMs).toBeLessThan(3000);
  });

  it('an aborted measurement stops between runs', async () => {
    const ac = new AbortController();
    const { ctx, log } = withScripts({ repeat: 5, warmup: 0 }, 'true\n');
    ctx.signal = ac.signal;
    const started = ctx.startSandbox;
    ctx.startSandbox = async (o) => {
      const sb = await started(o);
      return {
        ...sb,
        exec: async (c, opts) => {
          const r = await sb.exec(c, opts);
          ac.abort();
          return r;
        },
      };
    };
    const m = await benchmarkOracle.measure(ctx);
    expect(m).toMatchObject({ status: 'error', reason: 'benchmark speed: interrupted' });
    expect(log).toHaveLength(1);
  });
});
