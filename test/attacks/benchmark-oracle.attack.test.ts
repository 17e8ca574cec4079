/**
 * Attacks on the benchmark oracle (security audit, issue 12), against the
 * real Docker engine: an entry point that skips the work (its output was
 * never checked, so "print nothing, fast" was kept as a 2x improvement), and
 * candidates that cache their result during the warm-up or an earlier run in
 * /tmp, $HOME, /dev/shm or $BATON_OUT (one sandbox served the warm-up, every
 * repetition and the best side, so the timed runs only read the cache).
 * Skips with a notice without an engine; fails instead when BATON_REQUIRE_DOCKER=1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBenchmarkOracle } from '../../oracles/benchmark/index.js';
import { LedgerRecord } from '../../src/ledger/record.js';
import { DockerSandboxProvider } from '../../src/sandbox/index.js';
import { readJsonl } from '../../src/state/jsonl.js';
import { Repo } from '../../src/workspace/git.js';
import { baton } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { fakeContext, removeFakeContexts } from '../oracles/host-sandbox.js';
import { dockerReady } from '../sandbox/guard.js';

const ready = await dockerReady();
afterAll(removeFakeContexts);

const ANSWER = '499999500000';
/** The honest program: the work (a sleep standing in for it), then the answer. */
const HONEST = `sleep 0.6; echo ${ANSWER}\n`;

/** A benchmark measurement of `candidate` against `best` (both bench.sh), each in real Docker sandboxes. */
function dockerContext(oracle: Record<string, unknown>, candidate: string, best: string) {
  const f = fakeContext({ id: 'speed', kind: 'benchmark', run: 'sh bench.sh', timeout: '3m', ...oracle });
  fs.writeFileSync(path.join(f.ctx.snapshotDir, 'bench.sh'), candidate);
  f.ctx.bestSnapshotDir = path.join(path.dirname(f.ctx.snapshotDir), 'best');
  fs.mkdirSync(f.ctx.bestSnapshotDir);
  fs.writeFileSync(path.join(f.ctx.bestSnapshotDir, 'bench.sh'), best);
  const provider = new DockerSandboxProvider();
  f.ctx.startSandbox = (opts) =>
    provider.start({ spec: f.ctx.spec.sandbox, role: 'oracle', ...opts, labels: { experiment: 'benchmark-oracle-attack', run: 'r1', iteration: 1 } });
  return f;
}

/** Candidate code that does the work once, caches the answer at `file`, and afterwards only prints the cache. */
const caching = (file: string) => `C=${file}\nif [ -f "$C" ]; then cat "$C"; else sleep 0.6; echo ${ANSWER} > "$C"; cat "$C"; fi\n`;

describe.runIf(ready.ok)('benchmark oracle: a cache written by one run never reaches another', () => {
  // 4 runs a side and minSamples 4: without the defence, 4 cached runs against 4 honest ones are called "improved" (p = 0.03)
  const oracle = createBenchmarkOracle({ minSamples: 4, overheadProbes: 0 });

  for (const [where, file] of [
    ['/tmp', '/tmp/answer-cache'],
    ['$HOME', '"$HOME/.cache-answer"'],
    ['/dev/shm', '/dev/shm/answer-cache'],
    ['$BATON_OUT', '"$BATON_OUT/answer-cache"'],
  ]) {
    it(`a warm-up that caches in ${where} gains nothing: every timed run does the work`, async () => {
      const { ctx } = dockerContext({ repeat: 4, warmup: 1 }, caching(file), HONEST);
      const m = await oracle.measure(ctx);
      expect(m.status, m.reason).toBe('ok');
      // without the defence the timed runs only `cat` the cache: a few tens of milliseconds
      const samples = m.details.samples as number[];
      expect(Math.min(...samples), JSON.stringify(samples)).toBeGreaterThan(0.55);
      expect((m.details.comparison as { verdict: string }).verdict).not.toBe('improved');
      const startS = m.details.sandboxStartS as number[];
      expect(startS).toHaveLength(10); // a sandbox per side for the warm-up, and one per timed run
      console.info(`[benchmark attack] ${where}: sandbox starts ${startS.map((s) => s.toFixed(2)).join(' ')} s`);
    }, 180_000);
  }
});

/** An experiment timing `sh run.sh`, whose replay worker first skips the work, then does it faster. */
async function skipWorkExperiment(): Promise<string> {
  const dir = path.join(tmpDir('baton-bench-attack-'), 'skip-work');
  fs.mkdirSync(path.join(dir, 'workspace'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'baton.yaml'),
    `name: skip-work
goal: |
  Make \`sh run.sh\` at least 3x faster; it prints the sum of 0..999999.
oracles:
  - id: speed
    kind: benchmark
    run: sh run.sh
    repeat: 10
    warmup: 0
    min_effect: 0.05
    timeout: 5m
thresholds:
  speed.baseline_speedup: ">= 3"
judge: { keep: improve, primary: speed.baseline_speedup, confirm: 1, stall_after: 4 }
worker: { kind: replay, script: replay.yaml }
budget: { iterations: 3, time: 30m, session: { time: 2m } }
sandbox: { kind: docker, image: baton-base, memory: 256m, cpus: 1, network: none }
`,
  );
  fs.writeFileSync(
    path.join(dir, 'replay.yaml'),
    `sessions:
  - summary: "skip the work: exit at once"
    steps:
      - write: run.sh
        content: "exit 0\\n"
  - summary: "the same answer with less work"
    steps:
      - write: run.sh
        content: "sleep 0.05; echo ${ANSWER}\\n"
`,
  );
  fs.writeFileSync(path.join(dir, 'workspace', 'run.sh'), `sleep 1.5; echo ${ANSWER}\n`);
  const repo = await Repo.init(path.join(dir, 'workspace'));
  await repo.commitAll('skip-work fixture');
  return dir;
}

describe.runIf(ready.ok)('baton run: an entry point that skips the work is not kept', () => {
  it('reverts it, naming the output that differed, and keeps the honest speed-up', async () => {
    const dir = await skipWorkExperiment();
    const run = await baton(['run', dir], { cwd: dir, timeout: 600_000 });
    const ledger = readJsonl(path.join(dir, '.baton', 'ledger.jsonl'), LedgerRecord).records;
    const verdicts = ledger.filter((r) => r.phase !== 'confirm').map((r) => [r.iteration, r.verdict.kind]);
    expect(verdicts, `${run.stderr}`).toEqual([
      [0, 'baseline'],
      [1, 'revert'],
      [2, 'met'],
    ]);
    const skipped = ledger[1];
    expect(skipped.verdict.reason).toContain(
      'speed: failed (benchmark speed: timed run 1 of the candidate: stdout differs from the best kept commit\'s (it printed nothing): line 1: expected "499999500000", found "")',
    );
    expect(skipped.metrics['speed.baseline_speedup']).toBeUndefined();
    expect(ledger[2].metrics['speed.baseline_speedup']).toBeGreaterThanOrEqual(3);
    expect(run.exitCode, String(run.stderr)).toBe(0);
  }, 600_000);
});

/**
 * The clock-faking attack (security audit): under `time: json` the seconds
 * come from the timed process, which runs the candidate's code, so a
 * library that patches `time.process_time` (to return 0, or to advance
 * 1 ms a call) is a huge
 * "significant" speed-up with correct output. Under `time: cpu` the host
 * reads the sandbox's cgroup counter, which nothing inside can change.
 */
const BENCH = `import json, sys, time
from lib import work
t = time.process_time()
answer = work()
seconds = time.process_time() - t
print(answer)
if sys.argv[1:] == ["json"]:
    print(json.dumps({"seconds": seconds}))
`;
/** The honest library: a fixed amount of work (about 0.3 s of CPU here), then the answer. */
const LIB = `import time
def work():
    s = 0
    for i in range(3000000): s += i * i
    return s
`;
/** The same work and answer, but the clock it leaves behind advances 1 ms a call (a clock stopped at 0 would give a median of 0, which no ratio can use). */
const FAKE_CLOCK_LIB = `${LIB}
_now = [0.0]
def _fake():
    _now[0] += 0.001
    return _now[0]
time.process_time = _fake
`;

describe.runIf(ready.ok)('benchmark oracle: a candidate that stops the clock', () => {
  // 6 runs a side, alpha 0.01: 6 separated samples against 6 give p = 0.002, so a forged clock can be "improved";
  // min_effect 10 % keeps equal work from being called a change by chance
  const oracle = createBenchmarkOracle({ minSamples: 6, overheadProbes: 0 });
  const clockContext = (time: 'json' | 'cpu') => {
    const f = dockerContext(
      { run: time === 'json' ? 'python3 bench.py json' : 'python3 bench.py', time, repeat: 6, warmup: 0, alpha: 0.01, min_effect: 0.1 },
      '',
      '',
    );
    for (const [dir, lib] of [
      [f.ctx.snapshotDir, FAKE_CLOCK_LIB],
      [f.ctx.bestSnapshotDir as string, LIB],
    ]) {
      fs.writeFileSync(path.join(dir, 'bench.py'), BENCH);
      fs.writeFileSync(path.join(dir, 'lib.py'), lib);
    }
    return f;
  };
  type Verdict = { verdict: string; speedup?: number };

  it('under time: json, patching time.process_time is "improved" (the forged seconds count)', async () => {
    const m = await oracle.measure(clockContext('json').ctx);
    expect(m.status, m.reason).toBe('ok');
    for (const s of m.details.samples as number[]) expect(s).toBeCloseTo(0.001, 6);
    expect(m.details.timeFrom).toBe('candidate-controlled process');
    expect((m.details.comparison as Verdict).verdict).toBe('improved');
  }, 300_000);

  it('under time: cpu it is not: the host reads the CPU the run used, the same on both sides', async () => {
    const m = await oracle.measure(clockContext('cpu').ctx);
    expect(m.status, m.reason).toBe('ok');
    const samples = m.details.samples as number[];
    const best = m.details.bestSamples as number[];
    console.info(
      `[benchmark attack] fake clock under time: cpu: candidate ${samples.map((s) => s.toFixed(3)).join(' ')}; best ${best.map((s) => s.toFixed(3)).join(' ')}`,
    );
    for (const s of [...samples, ...best]) expect(s).toBeGreaterThan(0.15);
    expect((m.details.comparison as Verdict).verdict).not.toBe('improved');
  }, 300_000);
});
