#!/usr/bin/env node
/**
 * Benchmark of a fresh sandbox (issue 3): baton's Docker sandbox
 * create -> start -> exec `true` -> remove (with a bind-mounted workspace, as
 * a session has), beside a bare `docker run --rm --network none IMAGE true`
 * measured in the same run, interleaved. p50 and p95 over RUNS each.
 * Target: baton's p50 within 1.5x of the bare run's p50.
 *
 *   node benchmarks/sandbox.mjs [--runs 20] [--image baton-base] [--json out.json]
 *
 * The TypeScript sources are compiled with tsc into node_modules/.cache first.
 * Exits 1 when the target is missed, 2 on a setup error (no engine, no image).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILD = path.join(ROOT, 'node_modules/.cache/baton-bench-sandbox');
const TARGET = 1.5;
const run = promisify(execFile);

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const RUNS = Number(arg('runs', '20'));
const IMAGE = arg('image', 'baton-base');

function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}

async function main() {
  mkdirSync(BUILD, { recursive: true });
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  execFileSync(
    process.execPath,
    [
      tsc,
      '--outDir',
      BUILD,
      '--rootDir',
      ROOT,
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--skipLibCheck',
      '--esModuleInterop',
      '--types',
      'node',
      path.join(ROOT, 'src/sandbox/index.ts'),
    ],
    { stdio: 'inherit' },
  );
  const { DockerSandboxProvider, probeEngine } = await import(pathToFileURL(path.join(BUILD, 'src/sandbox/index.js')).href);

  const engine = await probeEngine();
  if (!engine.reachable) {
    console.error(`no Docker engine: ${engine.error}`);
    process.exit(2);
  }
  try {
    execFileSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' });
  } catch {
    console.error(`image ${IMAGE} is missing: run \`baton sandbox build\` first`);
    process.exit(2);
  }

  const provider = new DockerSandboxProvider();
  const ws = mkdtempSync(path.join(tmpdir(), 'baton-bench-ws-'));
  writeFileSync(path.join(ws, 'README.md'), 'benchmark workspace\n');
  const spec = { kind: 'docker', image: IMAGE, memory: '2g', cpus: 2, pids: 512, tmp: '512m', network: 'none', env: [] };
  const baton = async () => {
    const t0 = performance.now();
    const sb = await provider.start({
      spec,
      role: 'worker',
      mounts: [{ hostPath: ws, containerPath: '/workspace', readOnly: false }],
      env: { BATON_ITERATION: '1' },
      labels: { experiment: 'bench', run: 'bench', iteration: 1 },
    });
    const r = await sb.exec('true', { timeoutMs: 30_000 });
    await sb.stop();
    if (r.exitCode !== 0) throw new Error(`exec true failed: ${JSON.stringify(r)}`);
    return performance.now() - t0;
  };
  const bare = async () => {
    const t0 = performance.now();
    await run('docker', ['run', '--rm', '--network', 'none', IMAGE, 'true']);
    return performance.now() - t0;
  };

  for (let i = 0; i < 2; i++) {
    await bare();
    await baton();
  }
  const times = { baton: [], bare: [] };
  for (let i = 0; i < RUNS; i++) {
    // Alternate which goes first so drift on a shared machine hits both alike.
    if (i % 2 === 0) {
      times.bare.push(await bare());
      times.baton.push(await baton());
    } else {
      times.baton.push(await baton());
      times.bare.push(await bare());
    }
  }
  rmSync(ws, { recursive: true, force: true });

  const stats = (xs) => ({ p50: quantile(xs, 0.5), p95: quantile(xs, 0.95), min: Math.min(...xs) });
  const result = {
    image: IMAGE,
    runs: RUNS,
    engine: engine.version,
    baton: stats(times.baton),
    bare: stats(times.bare),
  };
  result.ratioP50 = result.baton.p50 / result.bare.p50;
  result.ratioP95 = result.baton.p95 / result.bare.p95;
  result.target = TARGET;
  result.met = result.ratioP50 <= TARGET;

  const ms = (x) => `${x.toFixed(0)} ms`;
  console.log(`sandbox benchmark: ${RUNS} runs each, image ${IMAGE}, Docker ${engine.version}`);
  console.log(`  baton  create+exec true+remove  p50 ${ms(result.baton.p50)}  p95 ${ms(result.baton.p95)}`);
  console.log(`  bare   docker run --rm true     p50 ${ms(result.bare.p50)}  p95 ${ms(result.bare.p95)}`);
  console.log(`  ratio  p50 ${result.ratioP50.toFixed(2)}x  p95 ${result.ratioP95.toFixed(2)}x   target p50 <= ${TARGET}x: ${result.met ? 'MET' : 'MISSED'}`);
  const out = arg('json');
  if (out) writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  process.exit(result.met ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
