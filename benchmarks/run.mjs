#!/usr/bin/env node
/**
 * `npm run bench` (issue 9): baton's own cost, each figure against a baseline
 * measured in the same run. Runs the eight benchmarks, each in its own process
 * with --json, prints each figure beside its target, writes
 * reports/benchmarks.md and reports/benchmarks.json, and exits 1 when a
 * target is missed, 2 on a setup error (no Docker engine, no image, a build
 * or benchmark that crashed). Not part of `npm test`.
 *
 *   node benchmarks/run.mjs [--only iteration,table,prompt,report,resume,sandbox,startup,copy,settle,lanes,slurm] [--no-build] [--quick]
 *
 *   1 iteration  benchmarks/iteration.mjs      harness time per iteration vs 2x docker run + git commit   <= 2x
 *   2 table      benchmarks/table-compare.mjs  table oracle math vs numpy.loadtxt + numpy statistics      >= 1.0
 *   3 prompt     benchmarks/prompt.mjs         prompt size at iteration 10 ... 10,000                     <= cap, <= 1.2x
 *   4 report     benchmarks/report.mjs         report regeneration at 100 / 1,000 / 10,000 records        < 2 s, linear
 *   5 resume     benchmarks/resume.mjs         SIGKILL mid-session, then `baton run` to the next session  < 2 s + sweep
 *   6 sandbox    benchmarks/sandbox.mjs        create -> exec -> remove vs docker run --rm                <= 1.5x
 *   7 startup    benchmarks/startup.mjs        baton --version/--help/status/log vs node -e 0             <= 3x
 *   8 copy       benchmarks/copy.mjs           copyIn + copyOut of class-pk's workspace vs cp -a           < 1 s
 *   9 settle     benchmarks/settle.mjs         the settle's report work at 10 / 1,000 / 10,000 records     <= 1.2x
 *  10 lanes      benchmarks/lanes.mjs          iterations per hour of 8 and 16 lanes vs 1 lane              >= 6.5x, >= 12x
 *  11 slurm      benchmarks/slurm.mjs          a Slurm sandbox's start + step + stop vs bare sbatch --wrap true  <= 3x
 *
 * dist/ is rebuilt first (npm run build: tsc, then scripts/vendor.mjs) unless --no-build. With
 * --only, the chosen results replace theirs in an existing
 * reports/benchmarks.json and the table is rewritten from the whole file.
 * --quick runs small sizes to check the machinery; its numbers are marked so.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { ROOT, arg } from './lib.mjs';

const QUICK = process.argv.includes('--quick');
const BENCHES = [
  { id: 'iteration', n: 1, script: 'iteration.mjs', args: QUICK ? ['--sessions', '6', '--floor', '4'] : ['--sessions', '22', '--floor', '20'] },
  { id: 'table', n: 2, script: 'table-compare.mjs', args: QUICK ? ['--rows', '100000', '--repeat', '1'] : ['--rows', '1000000', '--repeat', '3'] },
  { id: 'prompt', n: 3, script: 'prompt.mjs', args: [] },
  { id: 'report', n: 4, script: 'report.mjs', args: QUICK ? ['--runs', '1'] : ['--runs', '3'] },
  { id: 'resume', n: 5, script: 'resume.mjs', args: QUICK ? ['--trials', '1'] : ['--trials', '3'] },
  { id: 'sandbox', n: 6, script: 'sandbox.mjs', args: QUICK ? ['--runs', '5'] : ['--runs', '20'] },
  { id: 'startup', n: 7, script: 'startup.mjs', args: QUICK ? ['--rounds', '5'] : ['--rounds', '15'] },
  { id: 'copy', n: 8, script: 'copy.mjs', args: QUICK ? ['--rounds', '3'] : ['--rounds', '10'] },
  { id: 'settle', n: 9, script: 'settle.mjs', args: QUICK ? ['--window', '5', '--sizes', '10,1000'] : ['--window', '20'] },
  { id: 'lanes', n: 10, script: 'lanes.mjs', args: QUICK ? ['--sleep', '5', '--rounds', '2', '--lanes', '1,4'] : ['--sleep', '30', '--rounds', '4'] },
  { id: 'slurm', n: 11, script: 'slurm.mjs', args: QUICK ? ['--trials', '3'] : ['--trials', '10'] },
];
const only = arg('only')
  ?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
if (only) {
  const unknown = only.filter((o) => !BENCHES.some((b) => b.id === o));
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')} (known: ${BENCHES.map((b) => b.id).join(', ')})`);
    process.exit(2);
  }
}
const chosen = BENCHES.filter((b) => !only || only.includes(b.id));

const uptime = () => {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`;
  }
};
const la = () => loadavg().map((l) => Number(l.toFixed(2)));

function runChild(bench, jsonFile) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [path.join(ROOT, 'benchmarks', bench.script), ...bench.args, '--json', jsonFile], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', (e) => resolve({ code: 2, error: e.message, seconds: (Date.now() - t0) / 1000 }));
    child.on('exit', (code, signal) => resolve({ code: code ?? 2, signal, seconds: (Date.now() - t0) / 1000 }));
  });
}

// ---- figure, baseline, ratio, target per benchmark ------------------------------------------------
const f0 = (x) => Math.round(x).toLocaleString('en-US');
const f2 = (x) => x.toFixed(2);
const msf = (x) => `${f0(x)} ms`;

function rows(id, r) {
  switch (id) {
    case 'iteration':
      return [
        {
          benchmark: '1. Iteration overhead',
          figure: `p50 ${msf(r.iteration.p50)}, p95 ${msf(r.iteration.p95)} per iteration (${r.iterations.length} iterations)`,
          baseline: `floor p50 ${msf(r.floor.total.p50)}, p95 ${msf(r.floor.total.p95)} (2x docker run --rm + git commit)`,
          ratio: `${f2(r.ratioP50)}x (p95 ${f2(r.ratioP95)}x)`,
          target: `p50 <= ${r.target}x`,
          met: r.met,
        },
      ];
    case 'table':
      return r.results.map((x) => ({
        benchmark: `2. Table comparison (${x.format})`,
        figure: `baton ${x.baton.seconds.toFixed(2)} s, ${x.baton.MBps.toFixed(0)} MB/s, peak RSS ${f0(x.baton.peakRssMB)} MB`,
        baseline: `numpy ${x.numpy.seconds.toFixed(2)} s, ${x.numpy.MBps.toFixed(0)} MB/s, peak RSS ${f0(x.numpy.peakRssMB)} MB`,
        ratio: `${f2(x.ratio)}x (numpy/baton ${x.metric}; CPU ${f2(x.cpuRatio)}x)`,
        target: `>= ${x.target.toFixed(1)}`,
        met: x.met,
      }));
    case 'prompt': {
      const first = r.points[0];
      const last = r.points[r.points.length - 1];
      return [
        {
          benchmark: '3. Prompt size',
          figure: `iteration ${f0(last.iteration)}: ${f0(last.chars)} chars (${r.points.map((p) => `${f0(p.iteration)}: ${f0(p.chars)}`).join('; ')})`,
          baseline: `iteration ${first.iteration}: ${f0(first.chars)} chars; cap ${f0(r.cap)}`,
          ratio: `${r.ratio.toFixed(3)}x`,
          target: `<= cap and <= ${r.target.growth}x`,
          met: r.met,
        },
      ];
    }
    case 'report': {
      const big = r.results[r.results.length - 1];
      return [
        {
          benchmark: '4. Report regeneration',
          figure: `${f0(big.records)} records: ${msf(big.best)} (best of ${r.runs}; ${r.results.map((x) => `${f0(x.records)}: ${msf(x.best)}`).join(', ')})`,
          baseline: `${f0(r.results[0].records)} records: ${msf(r.results[0].best)}`,
          ratio: `growth ${r.growth.map((g) => `x${f2(g.ratio)}`).join(', ')} per 10x records`,
          target: `10,000 < ${f0(r.targetMs)} ms; growth <= x10`,
          met: r.met,
        },
      ];
    }
    case 'resume':
      return [
        {
          benchmark: '5. Resume after SIGKILL',
          figure: `p50 ${msf(r.resume.p50)} spawn -> next session (${r.trials} trials)`,
          baseline: `one container sweep p50 ${msf(r.sweep.p50)}`,
          ratio: `${f2(r.ratio)}x of the limit ${msf(r.limitMs)}`,
          target: '< 2 s + one sweep',
          met: r.met,
        },
      ];
    case 'sandbox':
      return [
        {
          benchmark: '6. Sandbox create -> exec -> remove',
          figure: `p50 ${msf(r.baton.p50)}, p95 ${msf(r.baton.p95)} (${r.runs} runs)`,
          baseline: `docker run --rm p50 ${msf(r.bare.p50)}, p95 ${msf(r.bare.p95)}`,
          ratio: `${f2(r.ratioP50)}x (p95 ${f2(r.ratioP95)}x)`,
          target: `p50 <= ${r.target}x`,
          met: r.met,
        },
      ];
    case 'startup':
      return r.results
        .filter((x) => x.target)
        .map((x) => ({
          benchmark: `7. Start-up: ${x.id}`,
          figure: `p50 ${msf(x.p50)}, p95 ${msf(x.p95)} (${r.rounds} rounds)`,
          baseline: `node -e 0 p50 ${msf(r.baseline.p50)}`,
          ratio: `${f2(x.ratio)}x`,
          target: `p50 <= ${r.target}x`,
          met: x.met,
        }));
    case 'copy':
      return r.results.map((x) => ({
        benchmark: `8. Workspace copyIn + copyOut (${x.tree})`,
        figure: `p50 ${msf(x.total.p50)} (in ${msf(x.copyIn.p50)}, out ${msf(x.copyOut.p50)}), p95 ${msf(x.total.p95)}; ${f0(x.files)} files, ${f0(x.bytes)} bytes`,
        baseline: `cp -a p50 ${x.cpA.p50.toFixed(1)} ms; bind mount ~0`,
        ratio: `${f2(x.ratioP50)}x of cp -a`,
        target: x.tree === 'class-pk' ? `p50 < ${f0(r.targetMs)} ms` : '(scale)',
        met: x.tree === 'class-pk' ? x.total.p50 < r.targetMs : true,
      }));
    case 'settle': {
      const small = r.results[0];
      const big = r.results[r.results.length - 1];
      return [
        {
          benchmark: '9. Settle cost at the run length',
          figure: `${f0(big.records)} records: mean ${msf(big.wall.mean)}, p50 ${msf(big.wall.p50)} (last ${r.window} settles; ${r.results.map((x) => `${f0(x.records)}: ${msf(x.wall.mean)}`).join(', ')})`,
          baseline: `${f0(small.records)} records: mean ${msf(small.wall.mean)}, p50 ${msf(small.wall.p50)}`,
          ratio: `mean ${f2(r.ratioMean)}x, p50 ${f2(r.ratioP50)}x (a full regeneration: ${f2(r.fullGrowth)}x)`,
          target: `<= ${r.target}x`,
          met: r.met,
        },
      ];
    }
    case 'lanes': {
      const one = r.results.find((x) => x.lanes === 1);
      return r.results
        .filter((x) => x.lanes !== 1)
        .map((x) => ({
          benchmark: `10. Lanes: ${x.lanes} lanes of ${r.sleepS} s sessions`,
          figure: `${f0(x.iterations)} iterations in ${f0(x.wallS)} s = ${f0(x.perHour)}/h; harness CPU ${f0(x.cpuPerIterationMs)} ms/iteration`,
          baseline: one
            ? `1 lane: ${f0(one.iterations)} in ${f0(one.wallS)} s = ${f0(one.perHour)}/h; CPU ${f0(one.cpuPerIterationMs)} ms/iteration`
            : '(no 1-lane run)',
          ratio: x.ratio === undefined ? '' : `${f2(x.ratio)}x`,
          target: x.target ? `>= ${x.target}x` : '(scale)',
          met: !x.target || (x.ratio ?? 0) >= x.target,
        }));
    }
    case 'slurm':
      return [
        {
          benchmark: '11. Slurm sandbox: start + one step + stop',
          figure: `p50 ${msf(r.baton.p50)}, p95 ${msf(r.baton.p95)} (${r.trials} trials)`,
          baseline: `bare sbatch --wrap true, submit to ended: p50 ${msf(r.bare.p50)}, p95 ${msf(r.bare.p95)}`,
          ratio: `${f2(r.ratioP50)}x`,
          target: `p50 <= ${r.target}x`,
          met: r.met,
        },
      ];
    default:
      return [];
  }
}

function details(id, r) {
  const out = [];
  if (id === 'iteration') {
    out.push("### 1. Where an iteration's time goes", '');
    out.push(
      `A replay run of ${r.sessions} sessions (each writes one file in a fresh worker sandbox; a \`command\` oracle prints \`{"v": N}\` in a fresh oracle sandbox); ${r.iterations.length} iterations timed from one journal \`iteration-start\` to the next. Run wall time ${f0(r.runWallMs / 1000)} s. The floor (${r.floor.total.n} samples, half before and half after the run): p50 ${msf(r.floor.before.p50)} before, ${msf(r.floor.after.p50)} after; one \`docker run --rm --network none ${r.image} true\` p50 ${msf(r.floor.dockerRun.p50)}, one \`git commit -a\` p50 ${msf(r.floor.gitCommit.p50)}.`,
      '',
    );
    out.push('| step (from journal, transcript and ledger timestamps) | p50 | p95 | share of p50 |', '|---|---:|---:|---:|');
    const names = {
      sandboxStart: 'sandbox start: iteration-start -> prompt (prompt, lend chown, create + start)',
      sessionWork: 'session work: the replay step (one exec)',
      sandboxStop: 'sandbox stop: stop -> session-end (remove, give-back chown)',
      candidate: 'candidate: session-end -> candidate (git add + commit)',
      measureJudge: 'measure + judge: candidate -> ledger record (diff, snapshot, oracle sandbox, judge)',
      settle: 'settle: ledger -> settled (PROGRESS.md, report + PNGs, git commit)',
      loop: 'loop: settled -> next iteration-start',
    };
    for (const [k, s] of Object.entries(r.steps))
      out.push(`| ${names[k] ?? k} | ${msf(s.p50)} | ${msf(s.p95)} | ${((100 * s.p50) / r.iteration.p50).toFixed(0)}% |`);
    out.push(`| **iteration** | **${msf(r.iteration.p50)}** | **${msf(r.iteration.p95)}** | |`, '');
    out.push(
      `Inside those steps: the oracle measurement (its sandbox, ledger \`durationMs\`) p50 ${msf(r.oracle.durationMs.p50)}, of which its command ${msf(r.oracle.commandMs.p50)}; the ledger's \`durationMs\` (session + measure + judge) p50 ${msf(r.ledgerDurationMs.p50)}. Probed after the run on its own files (p50 of 5, not interleaved): \`chown -R\` of the workspace there and back (what lend/giveBack do when baton runs as root; ${f0(r.workspace.kB)} kB, ${r.workspace.entries} entries) ${msf(r.probes.chownLendGiveBack.p50)}; \`generateReport\` of the run's ledger (charts, PNGs, REPORT.md) ${msf(r.probes.generateReport.p50)}; \`git archive | tar -x\` (the snapshot) ${msf(r.probes.gitArchiveSnapshot.p50)}.`,
      '',
    );
  }
  if (id === 'resume') {
    out.push('### 5. Resume', '');
    out.push(
      `baton is killed by \`BATON_FAILPOINT=replay:step\` in the middle of session 1 (its worker container left running); a fresh \`node bin/baton.js run DIR\` is timed from spawn to "session 2 starts" (journal \`iteration-start\` of 2: p50 ${msf(r.resumeJournal.p50)}). Spawn -> journal \`run-start\` (node start-up, module imports, engine probe, the sweep) p50 ${msf(r.resumeToRunStart.p50)}; run-start -> iteration 2 (finish iteration 1 as crashed: reset, PROGRESS.md, report, commit) p50 ${msf(r.resumeRecover.p50)}. The same resume with the orphan already swept: p50 ${msf(r.resumeNoOrphan.p50)}. The sweep alone (API, in process, one orphan): p50 ${msf(r.sweep.p50)}.`,
      '',
    );
    out.push(
      `Start-up imports in a fresh node process (p50 of 3): \`dist/src/cli/main.js\` ${msf(r.imports.cliMain.p50)}; alone, \`mathjs\` ${msf(r.imports.mathjs.p50)} (imported statically by oracles/table/normalize.ts, so by every \`baton\` command), \`vega\` + \`vega-lite\` ${msf(r.imports.vegaLite.p50)}, \`dockerode\` ${msf(r.imports.dockerode.p50)}.`,
      '',
    );
  }
  if (id === 'startup') {
    out.push('### 7. Start-up', '');
    out.push(
      `Each command spawned as \`node bin/baton.js ...\` on the \`short\` fixture ledger, interleaved with \`node -e 0\` round by round (p50 of ${r.rounds}). Without a target: ${r.results
        .filter((x) => !x.target)
        .map((x) => `${x.id} ${msf(x.p50)} (${f2(x.ratio)}x)`)
        .join('; ')}.`,
      '',
    );
  }
  if (id === 'prompt') {
    out.push('### 3. Prompt size', '');
    out.push(
      `Only the ledger grows; PROMPT.md (${r.fixedInputs.promptMd} chars, as baton writes it), PLAN.md (${r.fixedInputs.planMd}), NOTES.md with 60 failed approaches (${r.fixedInputs.notesMd}) and a 10-line git log are the same at every point. Assembly time (median of 5): ${r.points.map((p) => `${f0(p.iteration)}: ${p.ms.toFixed(1)} ms`).join(', ')}.`,
      '',
    );
  }
  if (id === 'table') {
    out.push('### 2. Table comparison', '');
    for (const x of r.results)
      out.push(
        `${x.format}: two ${f0(x.rows)}-row x 4-column tables, ${x.fileMB.toFixed(0)} MB of text; baton ${x.baton.seconds.toFixed(2)} s wall / ${x.baton.cpuSeconds.toFixed(2)} s CPU, numpy ${x.numpy.seconds.toFixed(2)} s wall / ${x.numpy.cpuSeconds.toFixed(2)} s CPU; peak RSS baton ${f0(x.baton.peakRssMB)} MB, numpy ${f0(x.numpy.peakRssMB)} MB.`,
        '',
      );
  }
  return out;
}

// ---- main ------------------------------------------------------------------------------------------
const started = new Date();
const header = {
  cpus: availableParallelism(),
  model: cpus()[0]?.model,
  memGB: Number((totalmem() / 2 ** 30).toFixed(1)),
  node: process.version,
  uptimeBefore: uptime(),
};
console.log(`baton benchmarks (${chosen.map((b) => b.id).join(', ')})${QUICK ? ' [quick sizes]' : ''}; ${header.cpus} CPUs; ${header.uptimeBefore}`);

if (!process.argv.includes('--no-build')) {
  console.log('building dist/ (tsc -p tsconfig.json, scripts/vendor.mjs) ...');
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/vendor.mjs')], { cwd: ROOT, stdio: 'inherit' });
  } catch {
    console.error('setup error: the build failed');
    process.exit(2);
  }
}

const tmp = mkdtempSync(path.join(tmpdir(), 'baton-bench-'));
const entries = {};
for (const bench of chosen) {
  console.log(`\n=== ${bench.n}. ${bench.id} (benchmarks/${bench.script}) ===`);
  const loadBefore = la();
  const file = path.join(tmp, `${bench.id}.json`);
  const r = await runChild(bench, file);
  const loadAfter = la();
  let result;
  if (existsSync(file)) {
    try {
      result = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      result = undefined;
    }
  }
  const status = result && (r.code === 0 || r.code === 1) ? (result.met ? 'met' : 'missed') : 'error';
  entries[bench.id] = { n: bench.n, status, exitCode: r.code, seconds: r.seconds, loadBefore, loadAfter, quick: QUICK, at: new Date().toISOString(), result };
}
rmSync(tmp, { recursive: true, force: true });

// Merge with the results of earlier runs when only some benchmarks ran.
const jsonPath = path.join(ROOT, 'reports/benchmarks.json');
let all = {};
if (only && existsSync(jsonPath)) {
  try {
    all = JSON.parse(readFileSync(jsonPath, 'utf8')).benchmarks ?? {};
  } catch {
    all = {};
  }
}
Object.assign(all, entries);
const uptimeAfter = uptime();
const doc = {
  v: 1,
  generatedAt: new Date().toISOString(),
  startedAt: started.toISOString(),
  machine: { ...header, uptimeAfter },
  quick: QUICK,
  benchmarks: all,
};

const table = [];
for (const b of BENCHES) {
  const e = all[b.id];
  if (!e) continue;
  if (e.status === 'error' || !e.result) {
    table.push({ benchmark: `${b.n}. ${b.id}`, figure: `setup error (exit ${e.exitCode})`, baseline: '', ratio: '', target: '', met: undefined });
    continue;
  }
  for (const row of rows(b.id, e.result)) table.push({ ...row, load: `${e.loadBefore[0]} -> ${e.loadAfter[0]}` });
}
const metText = (m) => (m === undefined ? 'ERROR' : m ? 'yes' : '**NO**');

const md = [];
md.push('# baton benchmarks', '');
md.push(
  `Generated by \`npm run bench\` (benchmarks/run.mjs) on ${doc.generatedAt.slice(0, 16).replace('T', ' ')} UTC${QUICK ? ' with --quick sizes (not the real figures)' : ''}. Every ratio is against a baseline measured in the same run, interleaved or alternated where the benchmark allows, because the machine is shared.`,
  '',
);
md.push(
  `**Machine:** ${header.cpus} CPUs (${header.model ?? 'unknown'}), ${header.memGB} GB, Node ${header.node}. It is shared with other work and was loaded: \`uptime\` before: \`${header.uptimeBefore}\`; after: \`${uptimeAfter}\`. The load columns give the 1-minute load average before -> after each benchmark. Absolute times are inflated by that load; the ratios hold better, since each baseline ran under the same load.`,
  '',
);
md.push('| benchmark | figure | baseline | ratio | target | met? | load |', '|---|---|---|---|---|---|---|');
for (const t of table) md.push(`| ${t.benchmark} | ${t.figure} | ${t.baseline} | ${t.ratio} | ${t.target} | ${metText(t.met)} | ${t.load ?? ''} |`);
md.push('');
for (const b of BENCHES) if (all[b.id]?.result && all[b.id].status !== 'error') md.push(...details(b.id, all[b.id].result));
md.push(
  '## Reproduce',
  '',
  '```sh',
  'npm run bench                                   # all eight; builds dist/ first',
  'node benchmarks/run.mjs --only iteration,prompt # some; merges into reports/benchmarks.json',
  '```',
  '',
);
md.push(
  'Each benchmark also runs alone (`node benchmarks/iteration.mjs`, `table-compare.mjs`, `prompt.mjs`, `report.mjs`, `resume.mjs`, `sandbox.mjs`, each with `--json FILE`); the full numbers, per-iteration samples included, are in [benchmarks.json](benchmarks.json).',
  '',
);

mkdirSync(path.join(ROOT, 'reports'), { recursive: true });
writeFileSync(jsonPath, `${JSON.stringify(doc, null, 2)}\n`);
writeFileSync(path.join(ROOT, 'reports/benchmarks.md'), md.join('\n'));

console.log('\n=== summary ===');
for (const t of table)
  console.log(`${metText(t.met).replace(/\*/g, '').padEnd(5)} ${t.benchmark}: ${t.figure} | baseline ${t.baseline} | ratio ${t.ratio} | target ${t.target}`);
console.log(`\nwrote reports/benchmarks.md and reports/benchmarks.json; ${uptimeAfter}`);
const statuses = Object.values(entries).map((e) => e.status);
process.exit(statuses.includes('error') ? 2 : statuses.includes('missed') ? 1 : 0);
