#!/usr/bin/env node
/**
 * Benchmark of moving a workspace through the engine (issues 16 and 17):
 * SandboxHandle.copyIn then copyOut of the class-pk example workspace (and
 * of a larger synthetic tree, for scale) into a Docker sandbox's volume and
 * back, against `cp -a` of the same tree on the host, interleaved in the
 * same run. A bind mount (what sessions use today) copies nothing: ~0.
 * Target: copyIn + copyOut of class-pk p50 under 1 s (a session costs
 * several seconds of sandbox start and model time).
 *
 *   node benchmarks/copy.mjs [--rounds 10] [--image baton-base] [--json out.json]
 *
 * Needs dist/ (npx tsc -p tsconfig.json; benchmarks/run.mjs builds it).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, SetupError, arg, dist, finish, machine, requireDocker, stats } from './lib.mjs';

const ROUNDS = Number(arg('rounds', '10'));
const IMAGE = arg('image', 'baton-base');
const TARGET_MS = 1000;

/** 2,000 files of 4 KiB in 50 folders and one of 20 MiB: a mid-sized source tree. */
function syntheticTree(dir) {
  for (let d = 0; d < 50; d++) {
    mkdirSync(path.join(dir, `d${d}`), { recursive: true });
    for (let f = 0; f < 40; f++) writeFileSync(path.join(dir, `d${d}`, `f${f}.txt`), Buffer.alloc(4096, 97 + (f % 26)));
  }
  writeFileSync(path.join(dir, 'big.bin'), Buffer.alloc(20 * 1024 * 1024, 1));
}

async function main() {
  requireDocker(IMAGE);
  const { DockerSandboxProvider } = await dist('src/sandbox/index.js');
  const work = mkdtempSync(path.join(tmpdir(), 'baton-bench-copy-'));
  const trees = [
    { id: 'class-pk', dir: path.join(ROOT, 'experiments/class-pk/workspace') },
    { id: 'synthetic', dir: path.join(work, 'synthetic') },
  ];
  syntheticTree(trees[1].dir);
  const provider = new DockerSandboxProvider();
  const spec = { kind: 'docker', image: IMAGE, memory: '1g', cpus: 1, pids: 256, tmp: '64m', network: 'none', env: [] };
  const sb = await provider.start({
    spec,
    role: 'worker',
    mounts: [],
    volumes: ['/ws'],
    env: {},
    labels: { experiment: 'bench-copy', run: 'b', iteration: 1 },
  });
  const results = [];
  try {
    for (const tree of trees) {
      const inMs = [];
      const outMs = [];
      const totalMs = [];
      const cpMs = [];
      let counts;
      for (let i = 0; i < ROUNDS; i++) {
        const target = `/ws/${tree.id}-${i}`;
        const mk = await sb.exec(`mkdir ${target}`);
        if (mk.exitCode !== 0) throw new SetupError(`mkdir in the sandbox failed: ${mk.stderr}`);
        const t0 = performance.now();
        const a = await sb.copyIn(tree.dir, target);
        const t1 = performance.now();
        const b = await sb.copyOut(target, path.join(work, `out-${tree.id}-${i}`));
        const t2 = performance.now();
        execFileSync('cp', ['-a', tree.dir, path.join(work, `cp-${tree.id}-${i}`)]);
        const t3 = performance.now();
        inMs.push(t1 - t0);
        outMs.push(t2 - t1);
        totalMs.push(t2 - t0);
        cpMs.push(t3 - t2);
        counts = { files: a.files, dirs: a.dirs, links: a.links, bytes: a.bytes, backFiles: b.files, skipped: b.skipped.length };
        rmSync(path.join(work, `out-${tree.id}-${i}`), { recursive: true, force: true });
        rmSync(path.join(work, `cp-${tree.id}-${i}`), { recursive: true, force: true });
        await sb.exec(`rm -rf ${target}`);
      }
      const r = { tree: tree.id, ...counts, copyIn: stats(inMs), copyOut: stats(outMs), total: stats(totalMs), cpA: stats(cpMs) };
      r.ratioP50 = r.total.p50 / r.cpA.p50;
      results.push(r);
      console.log(
        `${tree.id}: ${counts.files} files, ${counts.bytes} bytes: copyIn p50 ${r.copyIn.p50.toFixed(0)} ms + copyOut p50 ${r.copyOut.p50.toFixed(0)} ms = ${r.total.p50.toFixed(0)} ms (p95 ${r.total.p95.toFixed(0)}); cp -a p50 ${r.cpA.p50.toFixed(1)} ms; bind mount ~0`,
      );
    }
  } finally {
    await sb.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const classPk = results[0];
  finish({ rounds: ROUNDS, image: IMAGE, machine: machine(), results, targetMs: TARGET_MS, met: classPk.total.p50 < TARGET_MS });
}

main().catch((e) => {
  console.error(e instanceof SetupError ? e.message : e);
  process.exit(2);
});
