#!/usr/bin/env node
/**
 * Benchmark of the table oracle's math (issue 4): comparing two
 * 1,000,000-row x 4-column numeric tables with baton (readTable x 2 +
 * compareTables) against `numpy.loadtxt` x 2 + the same statistics in numpy,
 * on the same files, side by side in one run. Each side runs in its own
 * process (so its peak RSS is its own), alternately, REPEAT times; the
 * medians are compared. Target: numpy time / baton time >= 1.0 in wall
 * time. baton reads the two tables concurrently as the oracle does (each in
 * a worker thread when a CPU is idle); CPU time (all threads) is printed
 * beside, with the load average, since this machine is shared.
 *
 *   node benchmarks/table-compare.mjs [--rows 1000000] [--repeat 3] [--format class,savetxt] [--metric wall|cpu] [--json out.json]
 *
 * `--metric cpu` judges the target on CPU time instead of wall time, which is
 * steadier when other work saturates the machine.
 *
 * Formats: `class` writes %.12e like CLASS's .dat files; `savetxt` writes
 * numpy.savetxt's default %.18e. The TypeScript sources are compiled with tsc
 * into node_modules/.cache first, so no build of the whole project is needed.
 * Exits 1 when a ratio misses the target, 2 on a setup error.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILD = path.join(ROOT, 'node_modules/.cache/baton-bench-table');
const TARGET = 1.0;

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

// ---- one side, in a child process -------------------------------------------------------------
if (process.argv[2] === '--side-baton') {
  const [cand, ref] = process.argv.slice(3, 5);
  const { readTable, compareTables } = await import(pathToFileURL(path.join(BUILD, 'oracles/table/index.js')).href);
  const spec = { name: 'bench', candidate: cand, reference: ref, format: 'dat', x: 'x', columns: ['a', 'b', 'c'], interpolate: 'none' };
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // As the oracle does: both tables read concurrently (large ones in worker threads when a CPU is idle).
  const [c, r] = await Promise.all([readTable(cand, 'dat'), readTable(ref, 'dat')]);
  const result = compareTables(spec, c, r);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const maxRel = ['a', 'b', 'c'].map((k) => result.metrics[`bench.${k}.max_rel`]);
  const meanRel = ['a', 'b', 'c'].map((k) => result.metrics[`bench.${k}.mean_rel`]);
  const columnBytes = [c, r].reduce((s, t) => s + t.columns.reduce((u, col) => u + col.byteLength, 0), 0);
  console.log(
    JSON.stringify({
      seconds,
      cpuSeconds,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      rssBeforeMB: rssBefore / 2 ** 20,
      columnMB: columnBytes / 2 ** 20,
      maxRel,
      meanRel,
    }),
  );
  process.exit(0);
}

const NUMPY_SIDE = `
import sys, time, json, resource
import numpy as np
cand, ref = sys.argv[1], sys.argv[2]
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
cpu0 = time.process_time()
c = np.loadtxt(cand)
r = np.loadtxt(ref)
if not np.array_equal(c[:, 0], r[:, 0]):
    raise SystemExit("x differs")
max_rel, mean_rel = [], []
for j in (1, 2, 3):
    err = np.abs(c[:, j] - r[:, j])
    den = np.abs(r[:, j])
    ok = den != 0
    rel = err[ok] / den[ok]
    i = int(np.argmax(rel))
    stats = (rel[i], r[ok, 0][i], rel.mean(), np.sqrt((rel * rel).mean()), err.max(), int(len(err)), int((~ok).sum()))
    max_rel.append(float(stats[0])); mean_rel.append(float(stats[2]))
seconds = time.perf_counter() - t0
cpu_seconds = time.process_time() - cpu0
print(json.dumps({"seconds": seconds, "cpuSeconds": cpu_seconds, "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rssBeforeMB": rss0 / 1024, "maxRel": max_rel, "meanRel": mean_rel}))
`;

const GENERATE = `
import sys
import numpy as np
n, fmt, out_c, out_r = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
rng = np.random.default_rng(20261125)
x = np.linspace(1e-3, 1e3, n)
ref = np.column_stack([x, 1e-10 * np.exp(-x / 50) * (1 + 0.5 * np.sin(x)), np.cos(x / 7) * 1e3, 1.0 / x])
cand = ref.copy()
cand[:, 1:] *= 1 + 1e-4 * rng.standard_normal((n, 3))
f = "%.12e" if fmt == "class" else "%.18e"
np.savetxt(out_r, ref, fmt=f, header="1:x 2:a 3:b 4:c")
np.savetxt(out_c, cand, fmt=f, header="1:x 2:a 3:b 4:c")
`;

function build() {
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
      '--strict',
      '--skipLibCheck',
      '--types',
      'node',
      path.join(ROOT, 'oracles/table/index.ts'),
      path.join(ROOT, 'oracles/table/read-worker.ts'),
    ],
    { stdio: 'inherit' },
  );
}

function dataFiles(rows, format) {
  const dir = path.join(tmpdir(), 'baton-bench-table-v1');
  mkdirSync(dir, { recursive: true });
  const cand = path.join(dir, `cand-${format}-${rows}.dat`);
  const ref = path.join(dir, `ref-${format}-${rows}.dat`);
  if (!existsSync(cand) || !existsSync(ref)) {
    process.stderr.write(`generating ${rows}-row ${format} tables in ${dir} ...\n`);
    execFileSync('python3', ['-c', GENERATE, String(rows), format, cand, ref], { stdio: 'inherit' });
  }
  return { cand, ref, bytes: statSync(cand).size + statSync(ref).size };
}

function runSide(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows = Number(arg('rows', '1000000'));
const repeat = Number(arg('repeat', '3'));
const formats = arg('format', 'class,savetxt').split(',');
const jsonOut = arg('json', undefined);
const metric = arg('metric', 'wall');

try {
  build();
} catch (e) {
  console.error(`could not compile the table oracle: ${e.message}`);
  process.exit(2);
}

const results = [];
let missed = false;
for (const format of formats) {
  const { cand, ref, bytes } = dataFiles(rows, format);
  const baton = [];
  const numpy = [];
  for (let k = 0; k < repeat; k++) {
    baton.push(runSide(process.execPath, [fileURLToPath(import.meta.url), '--side-baton', cand, ref]));
    numpy.push(runSide('python3', ['-c', NUMPY_SIDE, cand, ref]));
  }
  // Both sides must have computed the same statistics, or the timing compares different work.
  const a = baton[0];
  const b = numpy[0];
  for (let j = 0; j < 3; j++) {
    for (const [x, y] of [
      [a.maxRel[j], b.maxRel[j]],
      [a.meanRel[j], b.meanRel[j]],
    ]) {
      if (!(Math.abs(x - y) <= 1e-9 * Math.abs(y))) {
        console.error(`statistics differ between baton and numpy (column ${j + 1}): ${x} vs ${y}`);
        process.exit(2);
      }
    }
  }
  const tb = median(baton.map((r) => r.seconds));
  const tn = median(numpy.map((r) => r.seconds));
  const cb = median(baton.map((r) => r.cpuSeconds));
  const cn = median(numpy.map((r) => r.cpuSeconds));
  const ratio = metric === 'cpu' ? cn / cb : tn / tb;
  const row = {
    format,
    rows,
    columns: 4,
    fileMB: bytes / 2 ** 20,
    baton: {
      seconds: tb,
      cpuSeconds: cb,
      MBps: bytes / 2 ** 20 / tb,
      peakRssMB: Math.max(...baton.map((r) => r.peakRssMB)),
      baselineRssMB: a.rssBeforeMB,
      columnMB: a.columnMB,
    },
    numpy: { seconds: tn, cpuSeconds: cn, MBps: bytes / 2 ** 20 / tn, peakRssMB: Math.max(...numpy.map((r) => r.peakRssMB)), baselineRssMB: b.rssBeforeMB },
    metric,
    ratio,
    wallRatio: tn / tb,
    cpuRatio: cn / cb,
    target: TARGET,
    met: ratio >= TARGET,
  };
  if (!row.met) missed = true;
  results.push(row);
  const f = (v, d = 2) => v.toFixed(d);
  console.log(`\n${format}: two ${rows}-row x 4-column tables, ${f(row.fileMB, 1)} MB of text (median of ${repeat})`);
  console.log(`  side    wall s   CPU s    MB/s   peak RSS MB (baseline before reading)`);
  console.log(
    `  baton   ${f(tb, 3).padStart(6)}  ${f(cb, 3).padStart(6)}  ${f(row.baton.MBps, 1).padStart(6)}   ${f(row.baton.peakRssMB, 0).padStart(5)} (${f(row.baton.baselineRssMB, 0)}; column arrays ${f(row.baton.columnMB, 0)})`,
  );
  console.log(
    `  numpy   ${f(tn, 3).padStart(6)}  ${f(cn, 3).padStart(6)}  ${f(row.numpy.MBps, 1).padStart(6)}   ${f(row.numpy.peakRssMB, 0).padStart(5)} (${f(row.numpy.baselineRssMB, 0)})`,
  );
  console.log(
    `  baton memory: peak - baseline = ${f(row.baton.peakRssMB - row.baton.baselineRssMB, 0)} MB for ${f(row.baton.columnMB, 0)} MB of column arrays (the rest: reader threads and one read chunk each)`,
  );
  console.log(
    `  ratio numpy/baton = ${f(tn / tb, 2)} wall, ${f(cn / cb, 2)} CPU; target ${metric} >= ${f(TARGET, 1)}: ${row.met ? 'met' : 'MISSED'} (load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs)`,
  );
}
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ v: 1, benchmark: 'table-compare', at: new Date().toISOString(), results }, null, 2)}\n`);
process.exitCode = missed ? 1 : 0;
