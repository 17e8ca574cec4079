/**
 * `time: cpu` of the benchmark oracle against the real Docker engine: the
 * seconds are the sandbox's cgroup CPU counter read by the host before and
 * after each timed run. Calibration: a busy loop of a known CPU time reads
 * that time plus a small constant (process start-up), a sleep reads about
 * zero, and CPU spent by a child process the command left running in the
 * background still counts. Skips with a notice without an engine; fails
 * instead when BATON_REQUIRE_DOCKER=1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cpuSeconds, createBenchmarkOracle } from '../../oracles/benchmark/index.js';
import { DockerSandboxProvider } from '../../src/sandbox/index.js';
import { dockerReady } from '../sandbox/guard.js';
import { fakeContext, removeFakeContexts } from './host-sandbox.js';

const ready = await dockerReady();
afterAll(removeFakeContexts);

/** Python spinning until its own process_time has advanced by `s` seconds. */
const spin = (s: number) => `import time\nt = time.process_time()\nwhile time.process_time() - t < ${s}: pass\nprint("done")\n`;

/** `engineStats`: read the counter from the engine's stats API, as when the engine is remote (no host cgroup files). */
function dockerContext(oracle: Record<string, unknown>, files: Record<string, string>, engineStats = false) {
  const f = fakeContext({ id: 'speed', kind: 'benchmark', timeout: '3m', time: 'cpu', warmup: 0, ...oracle });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(f.ctx.snapshotDir, name), text);
  const provider = engineStats ? new DockerSandboxProvider(undefined, undefined, { oomCounter: 'inside' }) : new DockerSandboxProvider();
  f.ctx.startSandbox = (opts) =>
    provider.start({ spec: f.ctx.spec.sandbox, role: 'oracle', ...opts, labels: { experiment: 'benchmark-cpu', run: 'r1', iteration: 1 } });
  return f;
}

describe('cpuSeconds', () => {
  it('is the difference of two readings, and refuses a restart in between', () => {
    expect(cpuSeconds({ seconds: 1.25, restarts: 0 }, { seconds: 1.75, restarts: 0 })).toBe(0.5);
    expect(cpuSeconds({ seconds: 1.25, restarts: 0 }, { seconds: 1.75, restarts: 1 })).toMatch(/restarted during the run/);
    expect(cpuSeconds({ seconds: 2, restarts: 0 }, { seconds: 1, restarts: 0 })).toMatch(/went from 2 s to 1 s/);
  });
});

describe('time: cpu without a cgroup counter', () => {
  it('fails the measurement naming the sandbox and the fix, never falling back to another clock', async () => {
    const f = fakeContext({ id: 'speed', kind: 'benchmark', run: 'true', time: 'cpu', repeat: 3, warmup: 0 });
    const m = await createBenchmarkOracle().measure(f.ctx);
    expect(m.status).toBe('error');
    expect(m.reason).toContain('`time: cpu` needs a sandbox with a cgroup CPU counter (sandbox.kind: docker); the local sandbox has none');
  });
});

describe.runIf(ready.ok)('benchmark oracle, time: cpu (real Docker)', () => {
  const oracle = createBenchmarkOracle({ minSamples: 3 });

  it('a busy loop of 0.3 s of CPU reads about 0.3 s; a 0.5 s sleep reads about 0', async () => {
    const busy = await oracle.measure(dockerContext({ run: 'python3 spin.py', repeat: 3 }, { 'spin.py': spin(0.3) }).ctx);
    expect(busy.status, busy.reason).toBe('ok');
    const idle = await oracle.measure(dockerContext({ run: 'sleep 0.5; echo done', repeat: 3 }, {}).ctx);
    expect(idle.status, idle.reason).toBe('ok');
    const b = busy.details.samples as number[];
    const s = idle.details.samples as number[];
    console.info(
      `[benchmark cpu] spin 0.3 s: ${b.map((x) => x.toFixed(3)).join(' ')}; sleep 0.5 s: ${s.map((x) => x.toFixed(3)).join(' ')}; wall of the sleep ${(idle.details.wallSamples as number[]).map((x) => x.toFixed(2)).join(' ')}`,
    );
    // 0.3 s of the loop, plus Python's start-up and the exec's shell: a constant of 0.08-0.15 s idle, up to 0.25 s
    // under the suite's load on 2 cores. Below 0.6 s: a reading that counted the loop twice would not be.
    for (const x of b) {
      expect(x).toBeGreaterThan(0.29);
      expect(x).toBeLessThan(0.6);
    }
    // the sleep uses no CPU of its own: only the start-up of the shell, `sleep` and `echo` (about 20 ms idle,
    // 60 ms on the 2-core CI machine under the suite's load), far below the loop's 0.3 s
    for (const x of s) expect(x).toBeLessThan(0.1);
    // wall time of the same sleep is at least the sleep
    for (const x of idle.details.wallSamples as number[]) expect(x).toBeGreaterThan(0.5);
  }, 180_000);

  it('reads the same through the engine stats API (a remote engine)', async () => {
    const m = await oracle.measure(dockerContext({ run: 'python3 spin.py', repeat: 3 }, { 'spin.py': spin(0.3) }, true).ctx);
    expect(m.status, m.reason).toBe('ok');
    const xs = m.details.samples as number[];
    console.info(`[benchmark cpu] spin 0.3 s via the engine's stats: ${xs.map((x) => x.toFixed(3)).join(' ')}`);
    for (const x of xs) {
      expect(x).toBeGreaterThan(0.29);
      expect(x).toBeLessThan(0.6);
    }
  }, 180_000);

  it("counts the CPU of child processes, which the parent's own process_time misses", async () => {
    const parent = 'import subprocess, time\nsubprocess.run(["python3", "spin.py"], check=True)\nprint("parent process_time", round(time.process_time(), 1))\n';
    const m = await oracle.measure(dockerContext({ run: 'python3 parent.py', repeat: 3 }, { 'spin.py': spin(0.3), 'parent.py': parent }).ctx);
    expect(m.status, m.reason).toBe('ok');
    const xs = m.details.samples as number[];
    console.info(`[benchmark cpu] parent starting a child that spins 0.3 s: ${xs.map((x) => x.toFixed(3)).join(' ')}`);
    for (const x of xs) expect(x).toBeGreaterThan(0.3);
  }, 180_000);
});
