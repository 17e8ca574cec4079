#!/usr/bin/env node
/**
 * Benchmark 1 of issue 9: the harness's own time per iteration. A replay run
 * (docker sandbox, baton-base) whose sessions each write one file and whose
 * `command` oracle prints {"v": N}, so nearly all the time is baton's: fresh
 * worker sandbox, candidate commit, snapshot, fresh oracle sandbox, judge,
 * ledger, PROGRESS.md, plots and REPORT.md, settle commit. Its floor, measured
 * in the same run (half the samples before the baton run, half after): two
 * bare `docker run --rm --network none baton-base true` (the experiment's
 * sandboxes have no network either) plus one `git commit -a`.
 *
 * An iteration's time is journal `iteration-start` of N to `iteration-start`
 * of N+1 (so the last of SESSIONS sessions only closes the previous one).
 * Steps, from .baton/journal.jsonl, the ledger's `at` and the transcripts:
 *   sandbox start   iteration-start -> transcript `prompt` (prompt assembly + lend chown + create/start)
 *   session work    transcript `prompt` -> `stop` (the replay step: one exec)
 *   sandbox stop    transcript `stop` -> journal session-end (stop/remove + give-back chown)
 *   candidate       session-end -> candidate (git add -A + commit)
 *   measure+judge   candidate -> ledger record `at` (diff, snapshot, oracle sandbox, judge)
 *   settle          ledger `at` -> settled (PROGRESS.md, report + PNG plots, git commit)
 *   loop            settled -> next iteration-start
 * After the run, the components inside those steps are probed on the run's
 * own workspace and ledger: `chown -R` there and back (what lend/giveBack do
 * as root), generateReport of the run's ledger, `git archive | tar -x`.
 *
 * Target: p50 per iteration <= 2x the floor's p50.
 *
 *   node benchmarks/iteration.mjs [--sessions 22] [--floor 20] [--image baton-base] [--keep] [--json out.json]
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeExperiment } from './fixture.mjs';
import { ROOT, SetupError, arg, dist, finish, machine, main, ms, requireDocker, stats } from './lib.mjs';

const run = promisify(execFile);
const TARGET = 2.0;
const SESSIONS = Number(arg('sessions', '22'));
const FLOOR_RUNS = Number(arg('floor', '20'));
const IMAGE = arg('image', 'baton-base');
const GIT_ID = ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost'];

const readJsonl = (file) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
const t = (iso) => Date.parse(iso);

/** One floor sample: two bare containers and one commit, timed together. */
async function floorSample(repo, k) {
  const t0 = performance.now();
  await run('docker', ['run', '--rm', '--network', 'none', IMAGE, 'true']);
  const t1 = performance.now();
  await run('docker', ['run', '--rm', '--network', 'none', IMAGE, 'true']);
  const t2 = performance.now();
  writeFileSync(path.join(repo, 'f.txt'), `${k}\n`);
  const t3 = performance.now();
  await run('git', [...GIT_ID, 'commit', '-q', '-a', '-m', `floor ${k}`], { cwd: repo });
  const t4 = performance.now();
  return { total: t2 - t0 + (t4 - t3), docker: [t1 - t0, t2 - t1], commit: t4 - t3 };
}

function runBaton(dir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/baton.js'), 'run', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

async function timeIt(fn, runs) {
  const xs = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    xs.push(performance.now() - t0);
  }
  return stats(xs);
}

main(async () => {
  requireDocker(IMAGE);
  if (!existsSync(path.join(ROOT, 'dist/src/cli/main.js'))) throw new SetupError('dist/ is not built: run `npx tsc -p tsconfig.json`');
  const root = mkdtempSync(path.join(tmpdir(), 'baton-bench-iteration-'));
  const floorRepo = path.join(root, 'floor');
  mkdirSync(floorRepo);
  await run('git', ['init', '-q', '-b', 'main'], { cwd: floorRepo });
  writeFileSync(path.join(floorRepo, 'f.txt'), 'x\n');
  await run('git', ['add', '-A'], { cwd: floorRepo });
  await run('git', [...GIT_ID, 'commit', '-q', '-m', 'init'], { cwd: floorRepo });
  const dir = await makeExperiment(root, SESSIONS, IMAGE);

  // warm the image and git once
  await floorSample(floorRepo, -1);
  const floor = [];
  const half = Math.ceil(FLOOR_RUNS / 2);
  for (let k = 0; k < half; k++) floor.push({ ...(await floorSample(floorRepo, k)), when: 'before' });
  const load0 = machine();
  const t0 = performance.now();
  const r = await runBaton(dir);
  const wall = performance.now() - t0;
  const load1 = machine();
  for (let k = half; k < FLOOR_RUNS; k++) floor.push({ ...(await floorSample(floorRepo, k)), when: 'after' });

  const journal = readJsonl(path.join(dir, '.baton/journal.jsonl'));
  const ledger = readJsonl(path.join(dir, '.baton/ledger.jsonl'));
  const settledCount = journal.filter((e) => e.type === 'settled').length;
  if (settledCount < SESSIONS) {
    console.error(r.out);
    throw new SetupError(`the baton run settled ${settledCount} of ${SESSIONS} iterations (exit ${r.code ?? r.signal})`);
  }

  const entry = (type, n) => journal.find((e) => e.type === type && e.iteration === n);
  const iterations = [];
  for (let n = 1; n < SESSIONS; n++) {
    const start = t(entry('iteration-start', n).at);
    const next = t(entry('iteration-start', n + 1).at);
    const tr = readJsonl(path.join(dir, '.baton/transcripts', `${String(n).padStart(4, '0')}.jsonl`));
    const prompt = t(tr.find((e) => e.type === 'prompt').at);
    const stop = t(tr.find((e) => e.type === 'stop').at);
    const sessionEnd = t(entry('session-end', n).at);
    const candidate = t(entry('candidate', n).at);
    const rec = ledger.find((x) => x.iteration === n && x.phase === 'candidate');
    const judged = t(rec.at);
    const settled = t(entry('settled', n).at);
    const m = rec.measurements[0] ?? {};
    iterations.push({
      iteration: n,
      total: next - start,
      verdict: rec.verdict.kind,
      ledgerDurationMs: rec.durationMs,
      steps: {
        sandboxStart: prompt - start,
        sessionWork: stop - prompt,
        sandboxStop: sessionEnd - stop,
        candidate: candidate - sessionEnd,
        measureJudge: judged - candidate,
        settle: settled - judged,
        loop: next - settled,
      },
      oracleMs: m.durationMs,
      oracleCommandMs: m.details?.commandMs,
    });
  }

  // Probes of the components inside the steps, on this run's own files (not interleaved: indicative).
  const ws = path.join(dir, 'workspace');
  const probes = {};
  probes.chownLendGiveBack = await timeIt(async () => {
    await run('chown', ['-R', '1000:1000', ws]);
    await run('chown', ['-R', '--from=1000:1000', '0:0', ws]);
  }, 5);
  const { loadExperiment } = await dist('src/spec/check.js');
  const { generateReport } = await dist('src/report/index.js');
  const spec = loadExperiment(dir);
  probes.generateReport = await timeIt(async (i) => {
    const out = path.join(root, `report-${i}`);
    await generateReport({ spec, records: ledger, state: 'running', artifactRoot: path.join(dir, '.baton/artifacts'), outDir: out });
    rmSync(out, { recursive: true, force: true });
  }, 5);
  probes.gitArchiveSnapshot = await timeIt(async (i) => {
    const out = path.join(root, `snap-${i}`);
    mkdirSync(out);
    await run('sh', ['-c', `git archive --format=tar HEAD | tar -x -C ${out}`], { cwd: ws });
    rmSync(out, { recursive: true, force: true });
  }, 5);
  probes.nodeSpawn = await timeIt(() => run(process.execPath, ['-e', '0']), 5);
  const { stdout: du } = await run('du', ['-sk', ws]);
  const { stdout: files } = await run('sh', ['-c', 'find . | wc -l'], { cwd: ws });

  const totals = iterations.map((i) => i.total);
  const stepNames = Object.keys(iterations[0].steps);
  const steps = Object.fromEntries(stepNames.map((s) => [s, stats(iterations.map((i) => i.steps[s]))]));
  const result = {
    v: 1,
    benchmark: 'iteration',
    at: new Date().toISOString(),
    machine: { before: load0, after: load1 },
    image: IMAGE,
    sessions: SESSIONS,
    runWallMs: wall,
    exit: r.code ?? r.signal,
    iteration: stats(totals),
    steps,
    oracle: { durationMs: stats(iterations.map((i) => i.oracleMs)), commandMs: stats(iterations.map((i) => i.oracleCommandMs)) },
    ledgerDurationMs: stats(iterations.map((i) => i.ledgerDurationMs)),
    floor: {
      total: stats(floor.map((f) => f.total)),
      before: stats(floor.filter((f) => f.when === 'before').map((f) => f.total)),
      after: stats(floor.filter((f) => f.when === 'after').map((f) => f.total)),
      dockerRun: stats(floor.flatMap((f) => f.docker)),
      gitCommit: stats(floor.map((f) => f.commit)),
    },
    probes,
    workspace: { kB: Number(du.split(/\s/)[0]), entries: Number(files.trim()) },
    iterations,
  };
  result.ratioP50 = result.iteration.p50 / result.floor.total.p50;
  result.ratioP95 = result.iteration.p95 / result.floor.total.p95;
  result.target = TARGET;
  result.met = result.ratioP50 <= TARGET;

  console.log(`iteration overhead: ${iterations.length} iterations of a do-nothing replay run (image ${IMAGE}), floor ${floor.length} samples`);
  console.log(`  baton per iteration  p50 ${ms(result.iteration.p50)}  p95 ${ms(result.iteration.p95)}`);
  console.log(
    `  floor 2x docker run + git commit  p50 ${ms(result.floor.total.p50)}  p95 ${ms(result.floor.total.p95)}  (before ${ms(result.floor.before.p50)}, after ${ms(result.floor.after.p50)}; docker run p50 ${ms(result.floor.dockerRun.p50)}, commit p50 ${ms(result.floor.gitCommit.p50)})`,
  );
  console.log('  steps (p50 / p95):');
  for (const s of stepNames)
    console.log(
      `    ${s.padEnd(13)} ${ms(steps[s].p50).padStart(8)} ${ms(steps[s].p95).padStart(8)}  (${((100 * steps[s].p50) / result.iteration.p50).toFixed(0)}%)`,
    );
  console.log(`  oracle sandbox (measurement durationMs) p50 ${ms(result.oracle.durationMs.p50)}, its command ${ms(result.oracle.commandMs.p50)}`);
  console.log(
    `  probes (p50 of 5): chown -R there and back ${ms(probes.chownLendGiveBack.p50)} (workspace ${result.workspace.kB} kB, ${result.workspace.entries} entries); generateReport ${ms(probes.generateReport.p50)}; git archive|tar ${ms(probes.gitArchiveSnapshot.p50)}; node -e 0 ${ms(probes.nodeSpawn.p50)}`,
  );
  console.log(
    `  ratio p50 ${result.ratioP50.toFixed(2)}x  p95 ${result.ratioP95.toFixed(2)}x   target p50 <= ${TARGET}x: ${result.met ? 'MET' : 'MISSED'}   (load ${load0.loadavg[0]} -> ${load1.loadavg[0]} on ${load0.cpus} CPUs)`,
  );
  if (!process.argv.includes('--keep')) rmSync(root, { recursive: true, force: true });
  else console.log(`  kept ${root}`);
  finish(result);
});
