#!/usr/bin/env node
/**
 * Benchmark (issue 16): what lanes buy. Replay sessions that sleep S seconds
 * (standing in for a model thinking) and then add one file of their lane,
 * judged by a real command oracle in Docker (the number of files: every
 * iteration is a keep, so every one is integrated onto the best, measured
 * and settled with its commit and report). Each lane count runs `rounds`
 * sessions a lane (budget.iterations = lanes x rounds) with the real
 * `runExperiment` in this process, on this machine, one after the other.
 *
 * Throughput: judged iterations per hour, from the baseline's end to the
 * run's end, as a ratio to 1 lane measured in the same run. Targets: 8 lanes
 * >= 6.5x, 16 lanes >= 12x. Also: harness CPU (this process: the loop, git,
 * the judge's host side, reports) per iteration at each lane count.
 * Settle cost at 10, 1,000 and 10,000 records is benchmarks/settle.mjs.
 *
 * With `--engine ssh` (or `both`), every sandbox runs on the Docker host of
 * /etc/baton-test/ssh.env (scripts/ci/sshd-up.sh: this machine's engine
 * through loopback SSH, issue 17), and `both` prints each lane count's
 * throughput over SSH as a ratio to the local socket's, measured in the same
 * run.
 *
 *   node benchmarks/lanes.mjs [--sleep 30] [--rounds 4] [--lanes 1,8,16] [--engine local|ssh|both] [--json out.json]
 *
 * Needs dist/ (npx tsc -p tsconfig.json; benchmarks/run.mjs builds it) and baton-base.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { arg, dist, finish, machine, main, requireDocker } from './lib.mjs';

const SLEEP = Number(arg('sleep', '30'));
const ROUNDS = Number(arg('rounds', '4'));
const LANES = arg('lanes', '1,8,16')
  .split(',')
  .map((s) => Number(s.trim()));
const TARGETS = { 8: 6.5, 16: 12 };
const ENGINES = { local: ['local'], ssh: ['ssh'], both: ['local', 'ssh'] }[arg('engine', 'local')];
if (!ENGINES) throw new Error('--engine: expected local, ssh or both');

/** The sandbox line of a spec for `engine`: the local socket, or the SSH host sshd-up.sh set up. */
function sandboxLine(engine) {
  const base = 'kind: docker, image: baton-base, memory: 256m, cpus: 1, network: none';
  if (engine === 'local') return `sandbox: { ${base} }`;
  const env = Object.fromEntries(
    readFileSync('/etc/baton-test/ssh.env', 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return `sandbox: { ${base}, hosts: ["${env.BATON_SSH_DOCKER_HOST}"], ssh: { identity: ${env.BATON_SSH_KEY}, known_hosts: ${env.BATON_SSH_KNOWN_HOSTS} } }`;
}

/** A fresh experiment folder: `lanes` lanes of `rounds` sessions, each sleeping, then adding lane<k>/s<i>.txt. */
function experiment(root, lanes, engine) {
  const dir = path.join(root, `lanes-${lanes}-${engine}`);
  mkdirSync(path.join(dir, 'workspace'), { recursive: true });
  mkdirSync(path.join(dir, 'oracle'), { recursive: true });
  writeFileSync(path.join(dir, 'workspace', 'README.md'), '# files\n');
  writeFileSync(
    path.join(dir, 'oracle', 'count.py'),
    'import json, os\nn = sum(len([f for f in fs if f.endswith(".txt")]) for _, _, fs in os.walk("."))\nprint(json.dumps({"files": n}))\n',
  );
  // One lane is the sequential loop, which plays `sessions`.
  const script = lanes === 1 ? [] : ['lanes:'];
  for (let k = 1; k <= lanes; k++) {
    script.push(lanes === 1 ? 'sessions:' : `  "${k}":`);
    for (let i = 1; i <= ROUNDS; i++)
      script.push(
        `    - summary: "lane ${k} file ${i}"`,
        '      steps:',
        `        - exec: "sleep ${SLEEP}"`,
        `        - write: lane${k}/s${i}.txt`,
        `          content: "${k}.${i}\\n"`,
      );
  }
  writeFileSync(path.join(dir, 'replay.yaml'), `${script.join('\n')}\n`);
  writeFileSync(
    path.join(dir, 'baton.yaml'),
    [
      `name: lanes-bench-${lanes}`,
      'goal: Add files.',
      'oracles:',
      '  - { id: count, kind: command, run: python3 /baton/oracle/count.py }',
      'thresholds:',
      `  count.files: ">= ${10 ** 6}"`,
      'worker: { kind: replay, script: replay.yaml }',
      'judge: { keep: improve, confirm: 1, stall_after: 1000 }',
      `budget: { iterations: ${lanes * ROUNDS}, time: 10h, session: { time: 10m } }`,
      sandboxLine(engine),
      `parallel: { lanes: ${lanes} }`,
      '',
    ].join('\n'),
  );
  const git = (...a) => execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', ...a], { cwd: path.join(dir, 'workspace') });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'bench');
  return dir;
}

async function main_() {
  requireDocker();
  const { runExperiment } = await dist('src/run/run.js');
  const root = mkdtempSync(path.join(tmpdir(), 'baton-bench-lanes-'));
  const results = [];
  try {
    for (const [engine, lanes] of ENGINES.flatMap((e) => LANES.map((l) => [e, l]))) {
      const dir = experiment(root, lanes, engine);
      let baselineDone;
      const cpu0 = process.cpuUsage();
      const t0 = Date.now();
      const outcome = await runExperiment(dir, {
        onEvent: (e) => {
          if (e.type === 'verdict' && e.iteration === 0) baselineDone = Date.now();
        },
      });
      const end = Date.now();
      const cpu = process.cpuUsage(cpu0);
      const wallS = (end - (baselineDone ?? t0)) / 1000;
      const r = {
        engine,
        lanes,
        iterations: outcome.iterations,
        state: outcome.state,
        wallS,
        perHour: (outcome.iterations / wallS) * 3600,
        cpuPerIterationMs: (cpu.user + cpu.system) / 1000 / Math.max(1, outcome.iterations),
      };
      results.push(r);
      console.log(
        `${engine.padEnd(5)} ${String(lanes).padStart(2)} lane(s): ${r.iterations} iterations in ${wallS.toFixed(0)} s = ${r.perHour.toFixed(0)}/h (${r.state}); harness CPU ${r.cpuPerIterationMs.toFixed(0)} ms/iteration`,
      );
    }
  } finally {
    if (process.env.BATON_BENCH_KEEP === '1') console.log(`kept: ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
  const rows = results.map((r) => {
    const one = results.find((o) => o.lanes === 1 && o.engine === r.engine);
    const local = results.find((o) => o.lanes === r.lanes && o.engine === 'local');
    return {
      ...r,
      ratio: one ? r.perHour / one.perHour : undefined,
      target: TARGETS[r.lanes],
      ...(r.engine === 'ssh' && local ? { sshToLocal: r.perHour / local.perHour } : {}),
    };
  });
  for (const r of rows.filter((x) => x.lanes !== 1))
    console.log(
      `${r.engine} ${r.lanes} lanes: ${r.ratio?.toFixed(2)}x the iterations per hour of 1 lane${r.target ? ` (target >= ${r.target}x: ${r.ratio >= r.target ? 'met' : 'MISSED'})` : ''}`,
    );
  for (const r of rows.filter((x) => x.sshToLocal !== undefined))
    console.log(`${r.lanes} lane(s) over SSH: ${r.sshToLocal.toFixed(2)}x the iterations per hour of the local socket`);
  const met = rows.every((r) => !r.target || (r.ratio ?? 0) >= r.target);
  finish({ benchmark: 'lanes', sleepS: SLEEP, rounds: ROUNDS, engines: ENGINES, machine: machine(), results: rows, met });
}

main(main_);
