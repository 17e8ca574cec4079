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
    expect(verdicts, `${run.stderr}`).toEqual([[0, 'baseline'], [1, 'revert'], [2, 'met']]);
    const skipped = ledger[1];
    expect(skipped.verdict.reason).toContain(
      'speed: failed (benchmark speed: timed run 1 of the candidate: stdout differs from the best kept commit\'s (it printed nothing): line 1: expected "499999500000", found "")',
    );
    expect(skipped.metrics['speed.baseline_speedup']).toBeUndefined();
    expect(ledger[2].metrics['speed.baseline_speedup']).toBeGreaterThanOrEqual(3);
    expect(run.exitCode, String(run.stderr)).toBe(0);
  }, 600_000);
});
