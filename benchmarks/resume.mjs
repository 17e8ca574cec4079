#!/usr/bin/env node
/**
 * Benchmark 5 of issue 9: resume after a crash. A tiny replay experiment (see
 * fixture.mjs) is run with BATON_FAILPOINT=replay:step, so baton SIGKILLs
 * itself in the middle of session 1 and leaves its worker container behind.
 * Then a fresh `node bin/baton.js run DIR` is timed from spawn until it
 * announces the next session ("session 2 starts", printed right after the
 * journal's `iteration-start` of 2, which is cross-checked). On the way it
 * sweeps the orphan, finishes iteration 1 as crashed (reset, report, commit).
 *
 * The sweep alone is measured on trials of its own, alternated with the
 * resume trials: the same kill, then the sweep API (sweep({ experiment }) of
 * dist/src/sandbox) removing that one orphan, in process; those trials then
 * time a resume with no orphan left, for comparison.
 *
 * Target: resume p50 < 2 s + sweep p50.
 *
 *   node benchmarks/resume.mjs [--trials 3] [--json out.json]
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeExperiment } from './fixture.mjs';
import { ROOT, SetupError, arg, dist, finish, machine, main, ms, requireDocker, stats } from './lib.mjs';

const execFileP = promisify(execFile);
const TRIALS = Number(arg('trials', '3'));
const BUDGET_MS = 2000;
const BATON = path.join(ROOT, 'bin/baton.js');

/** Spawns `baton run`; resolves at exit. `onLine` sees every output line with the time it arrived. */
function baton(dir, env, onLine) {
  const child = spawn(process.execPath, [BATON, 'run', dir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  const feed = (d) => {
    const now = performance.now();
    out += d;
    for (const line of String(d).split('\n')) if (line) onLine?.(line, now, child);
  };
  child.stdout.on('data', feed);
  child.stderr.on('data', feed);
  const done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
  return { child, done };
}

async function killedExperiment(root) {
  const dir = await makeExperiment(root, 5);
  const r = await baton(dir, { BATON_FAILPOINT: 'replay:step' }).done;
  if (r.signal !== 'SIGKILL') throw new SetupError(`baton was not killed at replay:step (exit ${r.code}): ${r.out}`);
  return dir;
}

async function orphans(docker, id) {
  return (await docker.listContainers({ all: true, filters: { label: [`baton.experiment=${id}`] } })).length;
}

/** Times a resume from spawn to "session 2 starts"; then interrupts it (SIGINT) and waits for it to stop. */
async function timeResume(dir) {
  const wallStart = Date.now();
  const t0 = performance.now();
  let seen;
  const { done } = baton(dir, {}, (line, now, child) => {
    const m = /session (\d+) starts/.exec(line);
    if (m && Number(m[1]) >= 2 && seen === undefined) {
      seen = now - t0;
      child.kill('SIGINT');
    }
  });
  const r = await done;
  if (seen === undefined) throw new SetupError(`the resumed run never started session 2 (exit ${r.code ?? r.signal}): ${r.out}`);
  const journal = readFileSync(path.join(dir, '.baton/journal.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const starts = journal.filter((e) => e.type === 'run-start');
  const runStart = Date.parse(starts[starts.length - 1].at);
  const it2 = Date.parse(journal.find((e) => e.type === 'iteration-start' && e.iteration === 2).at);
  return { ms: seen, journalMs: it2 - wallStart, toRunStartMs: runStart - wallStart, recoverMs: it2 - runStart, exit: r.code ?? r.signal };
}

main(async () => {
  requireDocker();
  const { sweep } = await dist('src/sandbox/index.js');
  const { experimentId } = await dist('src/experiment.js');
  const { dockerClient } = await dist('src/sandbox/engine.js');
  const docker = dockerClient();
  await sweep({ experiment: 'baton-bench-warm-none' }); // warm the client once
  const root = mkdtempSync(path.join(tmpdir(), 'baton-bench-resume-'));
  const resume = [];
  const resumeClean = [];
  const sweeps = [];
  try {
    for (let i = 0; i < TRIALS; i++) {
      for (const kind of i % 2 === 0 ? ['sweep', 'resume'] : ['resume', 'sweep']) {
        const dir = await killedExperiment(root);
        const id = experimentId(dir, 'bench-iteration');
        const left = await orphans(docker, id);
        if (left !== 1) throw new SetupError(`expected the killed run to leave 1 container, found ${left}`);
        if (kind === 'sweep') {
          const t0 = performance.now();
          const s = await sweep({ experiment: id });
          sweeps.push(performance.now() - t0);
          if (s.removed.length !== 1) throw new SetupError(`the sweep removed ${s.removed.length} containers, expected 1`);
          resumeClean.push(await timeResume(dir));
        } else {
          resume.push(await timeResume(dir));
        }
        if ((await orphans(docker, id)) !== 0) await sweep({ experiment: id });
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  // Where the start-up goes: fresh processes importing baton's CLI, and mathjs alone (oracles/table/normalize.ts imports it statically).
  const probe = async (code) => {
    const xs = [];
    for (let i = 0; i < 3; i++) {
      const r = await execFileP(process.execPath, ['--input-type=module', '-e', `const t = performance.now(); ${code}; console.log(performance.now() - t)`], {
        cwd: ROOT,
      });
      xs.push(Number(r.stdout.trim()));
    }
    return stats(xs);
  };
  const imports = {
    cliMain: await probe(`await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/src/cli/main.js')).href)})`),
    mathjs: await probe("await import('mathjs')"),
    vegaLite: await probe("await import('vega'); await import('vega-lite')"),
    dockerode: await probe("await import('dockerode')"),
  };
  const result = {
    v: 1,
    benchmark: 'resume',
    at: new Date().toISOString(),
    machine: machine(),
    trials: TRIALS,
    resume: stats(resume.map((r) => r.ms)),
    resumeJournal: stats(resume.map((r) => r.journalMs)),
    resumeToRunStart: stats(resume.map((r) => r.toRunStartMs)),
    resumeRecover: stats(resume.map((r) => r.recoverMs)),
    resumeNoOrphan: stats(resumeClean.map((r) => r.ms)),
    sweep: stats(sweeps),
    imports,
    samples: { resume, resumeClean, sweeps },
  };
  result.limitMs = BUDGET_MS + result.sweep.p50;
  result.ratio = result.resume.p50 / result.limitMs;
  result.met = result.resume.p50 < result.limitMs;
  console.log(`resume after SIGKILL mid-session: ${TRIALS} trials each`);
  console.log(
    `  spawn -> "session 2 starts"   p50 ${ms(result.resume.p50)}  max ${ms(result.resume.max)}  (journal iteration-start: ${ms(result.resumeJournal.p50)})`,
  );
  console.log(
    `    of which spawn -> run-start (node, engine probe, sweep) ${ms(result.resumeToRunStart.p50)}; run-start -> iteration 2 (finish iteration 1, report, commit) ${ms(result.resumeRecover.p50)}`,
  );
  console.log(`  same with the orphan already swept  p50 ${ms(result.resumeNoOrphan.p50)}`);
  console.log(`  one container sweep (API, in process)  p50 ${ms(result.sweep.p50)}  max ${ms(result.sweep.max)}`);
  console.log(
    `  import cost in a fresh node (p50 of 3): dist/src/cli/main.js ${ms(imports.cliMain.p50)}; alone: mathjs ${ms(imports.mathjs.p50)}, vega+vega-lite ${ms(imports.vegaLite.p50)}, dockerode ${ms(imports.dockerode.p50)}`,
  );
  console.log(
    `  target < 2000 ms + sweep = ${ms(result.limitMs)}: ${result.met ? 'MET' : 'MISSED'}   (load ${result.machine.loadavg[0]} on ${result.machine.cpus} CPUs)`,
  );
  finish(result);
});
