#!/usr/bin/env node
/**
 * Start-up of the commands a person waits on (issue 15): the wall time of
 * `node bin/baton.js <command>` against a bare `node -e 0`, both measured in
 * this run, interleaved round by round because the machine is shared. The
 * experiment is the committed `short` fixture ledger (9 records) with its
 * spec as baton.yaml, so status and log read a real ledger.
 *
 *   node benchmarks/startup.mjs [--rounds 15] [--json FILE]
 *
 * Target: p50 <= 3x `node -e 0` for --version, --help, status and log
 * (read-only commands that start nothing). `check` also asks the Docker
 * engine which isolation the spec gets, so it is reported without a target.
 * Also reported: importing the CLI's entry module alone, and mathjs alone
 * (what every command paid before it was loaded on use).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, arg, finish, machine, stats } from './lib.mjs';

const ROUNDS = Number(arg('rounds', '15'));
const TARGET = 3;
const BATON = path.join(ROOT, 'bin', 'baton.js');

const tmp = mkdtempSync(path.join(tmpdir(), 'baton-startup-'));
const exp = path.join(tmp, 'exp');
const fixture = path.join(ROOT, 'test/fixtures/ledgers/short');
mkdirSync(path.join(exp, '.baton'), { recursive: true });
mkdirSync(path.join(exp, 'workspace'), { recursive: true });
// spec.json is baton.yaml as JSON, and JSON is YAML.
writeFileSync(path.join(exp, 'baton.yaml'), readFileSync(path.join(fixture, 'spec.json')));
cpSync(path.join(fixture, 'ledger.jsonl'), path.join(exp, '.baton', 'ledger.jsonl'));
writeFileSync(path.join(exp, 'workspace', 'NOTES.md'), readFileSync(path.join(fixture, 'NOTES.md')));
mkdirSync(path.join(exp, 'oracle'));
writeFileSync(path.join(exp, 'oracle', 'class_cl.dat'), 'l TT EE\n2 1 1\n');
execFileSync('git', ['init', '-q', path.join(exp, 'workspace')]);

const node = process.execPath;
const CASES = [
  { id: 'node -e 0', argv: ['-e', '0'], baseline: true },
  { id: 'baton --version', argv: [BATON, '--version'], target: true },
  { id: 'baton --help', argv: [BATON, '--help'], target: true },
  { id: 'baton status', argv: [BATON, 'status', exp], target: true },
  { id: 'baton log', argv: [BATON, 'log', exp], target: true },
  { id: 'import dist/src/cli/main.js', argv: ['--input-type=module', '-e', `await import(${JSON.stringify(path.join(ROOT, 'dist/src/cli/main.js'))})`] },
  { id: 'import mathjs', argv: ['--input-type=module', '-e', "await import('mathjs')"] },
];

function once(argv) {
  const t0 = performance.now();
  try {
    execFileSync(node, argv, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  } catch (e) {
    throw new Error(`${argv.join(' ')} failed: ${e.stderr?.toString().slice(0, 400)}`);
  }
  return performance.now() - t0;
}

const samples = Object.fromEntries(CASES.map((c) => [c.id, []]));
for (const c of CASES) once(c.argv); // warm the file cache once
for (let r = 0; r < ROUNDS; r++) for (const c of CASES) samples[c.id].push(once(c.argv));
rmSync(tmp, { recursive: true, force: true });

const base = stats(samples['node -e 0']);
const results = CASES.filter((c) => !c.baseline).map((c) => {
  const s = stats(samples[c.id]);
  const ratio = s.p50 / base.p50;
  return { id: c.id, p50: s.p50, p95: s.p95, ratio, target: c.target ? TARGET : undefined, met: c.target ? ratio <= TARGET : undefined };
});
const met = results.every((x) => x.met !== false);
console.log(`start-up, p50 of ${ROUNDS} interleaved rounds; node -e 0: ${base.p50.toFixed(0)} ms (p95 ${base.p95.toFixed(0)} ms)`);
for (const x of results)
  console.log(
    `  ${x.id.padEnd(30)} ${x.p50.toFixed(0).padStart(6)} ms  ${x.ratio.toFixed(2)}x${x.target ? `  (target <= ${x.target}x: ${x.met ? 'met' : 'MISSED'})` : ''}`,
  );
finish({ met, rounds: ROUNDS, target: TARGET, baseline: { p50: base.p50, p95: base.p95 }, results, machine: machine(), samples });
