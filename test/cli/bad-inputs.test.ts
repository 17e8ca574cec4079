/**
 * The bad-input corpus of the newcomer trial (../shared/trials/newcomer-2026-12.md)
 * and the issue-15 hazards, through the built CLI as a user types it. Every
 * bad input exits 2 with a message naming the file, key or line, and changes
 * nothing: no file of the experiment folder, no git state of its workspace.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { BATON_BIN, baton } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

let template: string;

beforeAll(async () => {
  template = path.join(tmpDir(), 'exp');
  const r = await baton(['init', template], { cwd: path.dirname(template) });
  expect(r.exitCode, r.stderr).toBe(0);
}, 60_000);

/** A fresh copy of the `baton init` experiment (table template), workspace repository included. */
function fresh(): string {
  const dir = path.join(tmpDir(), 'exp');
  fs.cpSync(template, dir, { recursive: true });
  return dir;
}

const git = async (dir: string, args: string[]) => (await execa('git', ['-C', path.join(dir, 'workspace'), ...args], { reject: false })).stdout;

/** Every file (kind, size, mtime, content hash) and the workspace's git state: what "nothing written" compares. */
async function state(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (r === path.join('workspace', '.git')) continue; // compared through git below (git status refreshes its index)
      const st = fs.lstatSync(path.join(dir, r));
      if (e.isDirectory()) {
        out[r] = 'dir';
        walk(r);
      } else {
        const hash =
          st.isFile() && st.size < 1 << 20
            ? createHash('sha256')
                .update(fs.readFileSync(path.join(dir, r)))
                .digest('hex')
            : '';
        out[r] = `${st.size} ${st.mtimeMs} ${hash}`;
      }
    }
  };
  walk('');
  out['git HEAD'] = await git(dir, ['rev-parse', 'HEAD']);
  out['git branch'] = await git(dir, ['symbolic-ref', '-q', 'HEAD']);
  out['git status'] = await git(dir, ['status', '--porcelain=v1', '-uall']);
  out['git refs'] = await git(dir, ['for-each-ref']);
  return out;
}

const edit = (dir: string, rel: string, f: (s: string) => string): void => {
  const file = path.join(dir, rel);
  fs.writeFileSync(file, f(fs.readFileSync(file, 'utf8')));
};
const spec = (f: (s: string) => string) => (dir: string) => edit(dir, 'baton.yaml', f);
const refLines = (f: (lines: string[]) => string[]) => (dir: string) => edit(dir, 'oracle/reference.csv', (s) => f(s.split('\n')).join('\n'));

/** A ledger with the baseline of the template's spec, so `baton report` has something to report. */
function writeLedger(dir: string): void {
  fs.mkdirSync(path.join(dir, '.baton'), { recursive: true });
  const metrics = { 'accuracy.solution.y.max_abs': 0.0123 };
  const record = {
    v: 1,
    run: 'r1',
    iteration: 0,
    phase: 'baseline',
    commit: '0000000',
    at: '2026-12-01T08:00:00.000Z',
    elapsedHours: 0,
    measurements: [{ oracle: 'accuracy', status: 'ok', metrics, details: {}, artifacts: [], durationMs: 10 }],
    metrics,
    verdict: { kind: 'baseline', reason: 'the untouched workspace' },
    warnings: [],
    durationMs: 10,
  };
  fs.writeFileSync(path.join(dir, '.baton', 'ledger.jsonl'), `${JSON.stringify(record)}\n`);
}

interface Case {
  /** Row of the trial (or `+` for a case added here). */
  row: string;
  title: string;
  setup: (dir: string) => void | Promise<void>;
  /** The command after `baton`; EXP is the experiment folder. */
  args: string[];
  code: number;
  /** Fragments the message (stderr and stdout) must hold: the file, key or line, what was expected and found. */
  says: (string | RegExp)[];
  /** Set when the command may legitimately write (a TOL case that succeeds). */
  writes?: boolean;
  /** Variables to leave out of the command's environment. */
  unset?: string[];
}

const noKey = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN'];
const anthropicWorker = spec((s) => s.replace('worker: { kind: replay, script: replay.yaml }', 'worker: { kind: anthropic }'));

const CASES: Case[] = [
  {
    row: '1',
    title: 'no baton.yaml',
    setup: (d) => fs.rmSync(path.join(d, 'baton.yaml')),
    args: ['run', 'EXP'],
    code: 2,
    says: ['baton.yaml', 'no baton.yaml'],
  },
  {
    row: '2',
    title: 'YAML syntax error',
    setup: spec((s) => s.replace('columns: [y]', 'columns: [y\n  - z]')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['baton.yaml', /line \d+/, 'YAML syntax'],
  },
  {
    row: '3',
    title: 'threshold as a number',
    setup: spec((s) => s.replace('"< 1e-6"', '1e-6')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['thresholds', 'wrong type', 'a string'],
  },
  {
    row: '4',
    title: 'iterations: ten',
    setup: spec((s) => s.replace('iterations: 10', 'iterations: ten')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['budget.iterations', /line \d+/, 'wrong type'],
  },
  {
    row: '5',
    title: 'unknown keys',
    setup: spec((s) => `${s}foo: 1\n`.replace('judge: { keep', 'judge: { colour: red, keep')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['unknown key "colour"', 'unknown key "foo"'],
  },
  {
    row: '6',
    title: 'kind: tabel',
    setup: spec((s) => s.replace('kind: table', 'kind: tabel')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['oracles[0].kind', 'did you mean "table"?'],
  },
  {
    row: '7',
    title: 'threshold on a missing metric',
    setup: spec((s) => s.replace('y.max_abs:', 'y.max_abss:')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['no oracle produces', 'did you mean "accuracy.solution.y.max_abs"?'],
  },
  {
    row: '8',
    title: 'time: 10 minutes',
    setup: spec((s) => s.replace('time: 1h', 'time: 10 minutes')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['budget.time', 'expected a duration such as 30s, 10m, 24h'],
  },
  {
    row: '9',
    title: 'iterations: -5',
    setup: spec((s) => s.replace('iterations: 10', 'iterations: -5')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['budget.iterations', '>=1'],
  },
  {
    row: '10',
    title: 'reference file missing',
    setup: (d) => fs.rmSync(path.join(d, 'oracle/reference.csv')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['oracles[0].tables[0].reference', 'file not found: oracle/reference.csv'],
  },
  {
    row: '11',
    title: 'reference with a non-numeric row',
    setup: refLines((l) => {
      l[4] = '0.20,abc';
      return l;
    }),
    args: ['check', 'EXP'],
    code: 2,
    says: ['oracle/reference.csv', 'line 5', '"abc"', 'oracles[0].tables[0].reference'],
  },
  {
    row: '12',
    title: 'reference with a wrong column count',
    setup: refLines((l) => {
      l[4] = '0.20,1,2';
      return l;
    }),
    args: ['check', 'EXP'],
    code: 2,
    says: ['oracle/reference.csv', 'line 5', 'column count'],
  },
  {
    row: '13',
    title: 'reference with CRLF',
    setup: (d) => edit(d, 'oracle/reference.csv', (s) => s.replace(/\n/g, '\r\n')),
    args: ['check', 'EXP'],
    code: 0,
    says: ['ok: exp'],
  },
  {
    row: '14',
    title: 'reference with a UTF-8 BOM',
    setup: (d) => edit(d, 'oracle/reference.csv', (s) => `\uFEFF${s}`),
    args: ['check', 'EXP'],
    code: 0,
    says: ['ok: exp'],
  },
  {
    row: '15',
    title: 'empty reference',
    setup: (d) => fs.writeFileSync(path.join(d, 'oracle/reference.csv'), ''),
    args: ['check', 'EXP'],
    code: 2,
    says: ['oracle/reference.csv', 'empty file'],
  },
  {
    row: '16',
    title: 'binary reference',
    setup: (d) => fs.writeFileSync(path.join(d, 'oracle/reference.csv'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))),
    args: ['check', 'EXP'],
    code: 2,
    says: ['oracle/reference.csv', /line \d+|byte \d+/],
  },
  {
    row: '17',
    title: '2 GB sparse reference',
    setup: (d) => fs.truncateSync(path.join(d, 'oracle/reference.csv'), 2 * 1024 ** 3),
    args: ['check', 'EXP'],
    code: 2,
    says: ['oracle/reference.csv', 'longer than'],
  },
  {
    row: '19',
    title: 'workspace not a git repository',
    setup: (d) => fs.rmSync(path.join(d, 'workspace/.git'), { recursive: true }),
    args: ['check', 'EXP'],
    code: 2,
    says: ['workspace', 'not a git repository', 'git -C'],
  },
  {
    row: '19',
    title: 'workspace not a git repository (run)',
    setup: (d) => fs.rmSync(path.join(d, 'workspace/.git'), { recursive: true }),
    args: ['run', 'EXP'],
    code: 2,
    says: ['not a git repository'],
  },
  {
    row: '20',
    title: 'uncommitted change in the workspace (run)',
    setup: (d) => edit(d, 'workspace/solve.py', (s) => `${s}\n# mine\n`),
    args: ['run', 'EXP'],
    code: 2,
    says: ['uncommitted changes: solve.py', 'git -C', 'commit'],
  },
  {
    row: '20',
    title: 'untracked file in the workspace (run)',
    setup: (d) => fs.writeFileSync(path.join(d, 'workspace/draft.txt'), 'x'),
    args: ['run', 'EXP'],
    code: 2,
    says: ['uncommitted changes: draft.txt'],
  },
  {
    row: '21',
    title: 'detached HEAD (run)',
    setup: async (d) => {
      await git(d, ['checkout', '-q', '--detach']);
    },
    args: ['run', 'EXP'],
    code: 2,
    says: ['HEAD is detached', 'switch -c'],
  },
  {
    row: '22',
    title: 'experiment folder where .baton cannot be made (run)',
    setup: (d) => fs.writeFileSync(path.join(d, '.baton'), ''),
    args: ['run', 'EXP'],
    code: 2,
    says: ['cannot create .baton', 'writable'],
  },
  {
    row: '26',
    title: 'replay.yaml with an unknown step key',
    setup: (d) => edit(d, 'replay.yaml', (s) => s.replace('- write: solve.py', '- writ: solve.py')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['replay.yaml', 'sessions[0].steps[0]', /line \d+/, 'did you mean "write"?'],
  },
  {
    row: '26',
    title: 'replay.yaml with an unknown step key (run)',
    setup: (d) => edit(d, 'replay.yaml', (s) => s.replace('- write: solve.py', '- writ: solve.py')),
    args: ['run', 'EXP'],
    code: 2,
    says: ['replay.yaml', 'sessions[0].steps[0]', /line \d+/],
  },
  {
    row: '27',
    title: 'replay.yaml YAML syntax error',
    setup: (d) => edit(d, 'replay.yaml', (s) => s.replace('sessions:', 'sessions: {')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['replay.yaml', /line \d+/, 'YAML syntax'],
  },
  {
    row: '27',
    title: 'replay.yaml YAML syntax error (run)',
    setup: (d) => edit(d, 'replay.yaml', (s) => s.replace('sessions:', 'sessions: {')),
    args: ['run', 'EXP'],
    code: 2,
    says: ['replay.yaml', /line \d+/, 'YAML syntax'],
  },
  { row: '28', title: 'unknown template', setup: () => undefined, args: ['init', 'EXP/new', '-t', 'tabel'], code: 2, says: ['unknown template "tabel"'] },
  {
    row: '30',
    title: 'run naming baton.yaml instead of its folder',
    setup: () => undefined,
    args: ['run', 'EXP/baton.yaml'],
    code: 2,
    says: ['baton.yaml', 'expected an experiment folder, found a file', 'give the folder that holds it instead: exp'],
  },
  {
    row: '33',
    title: 'anthropic worker without a key',
    setup: anthropicWorker,
    unset: noKey,
    args: ['check', 'EXP'],
    code: 2,
    says: ['baton.yaml', 'worker.kind', 'ANTHROPIC_API_KEY', 'neither is set here', '--worker replay'],
  },
  {
    row: '33',
    title: 'anthropic worker without a key (run: no journal)',
    setup: anthropicWorker,
    unset: noKey,
    args: ['run', 'EXP'],
    code: 2,
    says: ['needs ANTHROPIC_API_KEY'],
  },
  {
    row: '44',
    title: 'columns: [z] with a threshold on y',
    setup: spec((s) => s.replace('columns: [y]', 'columns: [z]')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['thresholds["accuracy.solution.y.max_abs"]', /oracles\[0\]\.tables\[0\]\.columns \(line \d+\) does not list "y" \(it lists \[z\]\)/],
  },
  {
    row: '25',
    title: 'sandbox.image that does not exist',
    setup: spec((s) => s.replace('image: baton-base', 'image: nonexistent')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['baton.yaml: sandbox: baton run would refuse on this machine', 'sandbox.image nonexistent does not exist', 'baton sandbox build'],
  },
  {
    row: '31',
    title: 'memory: 1k',
    setup: spec((s) => s.replace('memory: 1g', 'memory: 1k')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['sandbox.memory', /line \d+/, 'at least 6m', '"1k"'],
  },
  {
    row: '31',
    title: 'memory: 1k (run)',
    setup: spec((s) => s.replace('memory: 1g', 'memory: 1k')),
    args: ['run', 'EXP'],
    code: 2,
    says: ['sandbox.memory', 'at least 6m'],
  },
  { row: '32', title: 'cpus: 0', setup: spec((s) => s.replace('cpus: 1', 'cpus: 0')), args: ['check', 'EXP'], code: 2, says: ['sandbox.cpus', '>0'] },
  { row: '34', title: 'run --wrkr', setup: () => undefined, args: ['run', 'EXP', '--wrkr', 'replay'], code: 2, says: ["unknown option '--wrkr'", '--worker'] },
  { row: '35', title: 'run --worker foo', setup: () => undefined, args: ['run', 'EXP', '--worker', 'foo'], code: 2, says: ['unknown worker "foo"'] },
  {
    row: '36',
    title: 'log --session 99',
    setup: () => undefined,
    args: ['log', 'EXP', '--session', '99'],
    code: 2,
    says: ['no transcript of session 99', '0099.jsonl'],
  },
  {
    row: '37',
    title: 'log --session abc',
    setup: () => undefined,
    args: ['log', 'EXP', '--session', 'abc'],
    code: 2,
    says: ['--session abc', 'expected a session number', '"abc"'],
  },
  { row: '38', title: 'init into a non-empty folder', setup: () => undefined, args: ['init', 'EXP'], code: 2, says: ['not empty', '--force'] },
  {
    row: '39',
    title: 'threshold "approx 1e-6"',
    setup: spec((s) => s.replace('"< 1e-6"', '"approx 1e-6"')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['expected a threshold such as'],
  },
  {
    row: '40',
    title: 'threshold "<< 1e-6"',
    setup: spec((s) => s.replace('"< 1e-6"', '"<< 1e-6"')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['expected a threshold such as', '"<< 1e-6"'],
  },
  {
    row: '42',
    title: 'protected as a string',
    setup: spec((s) => s.replace('protected: [tests/**]', 'protected: tests/**')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['protected', 'a list'],
  },
  {
    row: '43',
    title: 'x column missing from the reference',
    setup: spec((s) => s.replace('x: x', 'x: kk')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['oracles[0].tables[0].x', /line \d+/, '"kk"', 'oracle/reference.csv', '1:x, 2:y'],
  },
  {
    row: '46',
    title: 'empty baton.yaml',
    setup: (d) => fs.writeFileSync(path.join(d, 'baton.yaml'), ''),
    args: ['check', 'EXP'],
    code: 2,
    says: ['the spec must be a YAML mapping'],
  },
  {
    row: '47',
    title: 'baton.yaml is a folder',
    setup: (d) => {
      fs.rmSync(path.join(d, 'baton.yaml'));
      fs.mkdirSync(path.join(d, 'baton.yaml'));
    },
    args: ['check', 'EXP'],
    code: 2,
    says: ['baton.yaml', 'not a file', 'a folder'],
  },
  {
    row: '47',
    title: 'baton.yaml is a folder (run)',
    setup: (d) => {
      fs.rmSync(path.join(d, 'baton.yaml'));
      fs.mkdirSync(path.join(d, 'baton.yaml'));
    },
    args: ['run', 'EXP'],
    code: 2,
    says: ['baton.yaml', 'not a file'],
  },
  {
    row: '48',
    title: 'budget.time: 0s',
    setup: spec((s) => s.replace('time: 1h', 'time: 0s')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['budget.time', '"0s"', 'above zero'],
  },
  { row: '49', title: 'goalz', setup: spec((s) => s.replace('goal:', 'goalz:')), args: ['check', 'EXP'], code: 2, says: ['missing required key "goal"'] },
  {
    row: '50',
    title: 'interpolate: cubic',
    setup: spec((s) => s.replace('interpolate: linear', 'interpolate: cubic')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['one of none, linear, loglog'],
  },
  {
    row: '51',
    title: 'x_range reversed',
    setup: spec((s) => s.replace('columns: [y]', 'columns: [y]\n        x_range: [10, 0]')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['x_range must be [lo, hi] with lo < hi'],
  },
  {
    row: '52',
    title: 'session time longer than the run',
    setup: spec((s) => s.replace('session: { time: 10m }', 'session: { time: 48h }')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['budget.session.time', '"48h"', 'at most budget.time (1h)'],
  },
  {
    row: '53',
    title: 'report --out under a file',
    setup: (d) => writeLedger(d),
    args: ['report', 'EXP', '--out', 'EXP/baton.yaml/r'],
    code: 2,
    says: ['--out', 'not a folder'],
  },
  {
    row: '54',
    title: 'spec with only name',
    setup: (d) => fs.writeFileSync(path.join(d, 'baton.yaml'), 'name: x\n'),
    args: ['check', 'EXP'],
    code: 2,
    says: ['missing required key "goal"', 'missing required key "oracles"'],
  },
  {
    row: '59',
    title: 'network: host',
    setup: spec((s) => s.replace('network: none', 'network: host')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['sandbox.network', 'one of none, bridge'],
  },
  {
    row: '60',
    title: 'command worker without command',
    setup: spec((s) => s.replace('worker: { kind: replay, script: replay.yaml }', 'worker: { kind: command }')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['missing required key "command"'],
  },
  {
    row: '61',
    title: 'judge.primary misspelt',
    setup: spec((s) => s.replace('judge: { keep', 'judge: { primary: accuracy.solution.y.max_ab, keep')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['judge.primary', 'did you mean "accuracy.solution.y.max_abs"?'],
  },
  {
    row: '62',
    title: 'expose naming a missing file',
    setup: spec((s) => `${s}expose: [oracle/missing.csv]\n`),
    args: ['check', 'EXP'],
    code: 2,
    says: ['expose[0]', /line \d+/, 'matches no file', '"oracle/missing.csv"'],
  },
  {
    row: '62',
    title: 'expose naming a missing file (run)',
    setup: spec((s) => `${s}expose: [oracle/missing.csv]\n`),
    args: ['run', 'EXP'],
    code: 2,
    says: ['expose[0]', 'matches no file'],
  },
  { row: '63', title: 'baton.yaml with CRLF', setup: spec((s) => s.replace(/\n/g, '\r\n')), args: ['check', 'EXP'], code: 0, says: ['ok: exp'] },
  { row: '64', title: 'baton.yaml with a BOM', setup: spec((s) => `\uFEFF${s}`), args: ['check', 'EXP'], code: 0, says: ['ok: exp'] },
  {
    row: '65',
    title: 'tab indentation',
    setup: spec((s) => s.replace('  - id: accuracy', '\t- id: accuracy')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['Tabs are not allowed'],
  },
  {
    row: '66',
    title: 'keep: better',
    setup: spec((s) => s.replace('keep: improve', 'keep: better')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['judge.keep', 'one of improve, no-regress, always'],
  },
  { row: '67', title: 'demo nonexistent', setup: () => undefined, args: ['demo', 'nonexistent'], code: 2, says: ['nonexistent'] },
  {
    row: '68',
    title: '--model with the replay worker',
    setup: () => undefined,
    args: ['run', 'EXP', '--model', 'x'],
    code: 2,
    says: ['--model applies to the anthropic worker only'],
  },
  { row: '69', title: 'status --session', setup: () => undefined, args: ['status', 'EXP', '--session', '1'], code: 2, says: ["unknown option '--session'"] },
  { row: '+', title: 'report with no ledger yet', setup: () => undefined, args: ['report', 'EXP'], code: 2, says: ['no measurements yet'] },
  {
    row: '+',
    title: 'memory: 5m',
    setup: spec((s) => s.replace('memory: 1g', 'memory: 5m')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['sandbox.memory', 'at least 6m'],
  },
  {
    row: '+',
    title: 'replay step from a missing file',
    setup: (d) => edit(d, 'replay.yaml', (s) => s.replace('from: files/solve_rk4.py', 'from: files/nope.py')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['replay.yaml', 'sessions[0].steps[0].from', 'file not found: files/nope.py'],
  },
  {
    row: '+',
    title: 'compared column missing from the reference',
    setup: spec((s) => s.replace('columns: [y]', 'columns: [y, 3]')),
    args: ['check', 'EXP'],
    code: 2,
    says: ['oracles[0].tables[0].columns[1]', 'column 3 does not exist'],
  },
];

describe('bad inputs: exit 2, a message naming file/key/line, nothing written', () => {
  for (const c of CASES) {
    it(`#${c.row} ${c.title}: baton ${c.args.join(' ')}`, async () => {
      const dir = fresh();
      await c.setup(dir);
      const before = await state(dir);
      const env = Object.fromEntries((c.unset ?? []).map((k) => [k, undefined])) as unknown as Record<string, string>; // undefined: left out of the child's environment
      const r = await baton(
        c.args.map((a) => a.replace(/^EXP/, dir)),
        { cwd: path.dirname(dir), timeout: 60_000, env },
      );
      const text = `${r.stdout}\n${r.stderr}`;
      expect(r.exitCode, text).toBe(c.code);
      expect(text).not.toMatch(/internal error|\n\s+at .*\(.*:\d+:\d+\)/);
      if (c.code !== 0) expect(r.stdout).not.toMatch(/^ok:/m);
      for (const s of c.says) expect(text).toMatch(typeof s === 'string' ? new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : s);
      if (!c.writes) expect(await state(dir)).toEqual(before);
    }, 90_000);
  }
});

describe("hazards to the user's work", () => {
  it('H1: baton report --html writes outside the workspace, so no later session is judged for it', async () => {
    const dir = fresh();
    writeLedger(dir);
    const before = await state(dir);
    const r = await baton(['report', dir, '--html'], { cwd: dir, timeout: 120_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'reports', 'report.html'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'reports', 'REPORT.md'))).toBe(true);
    const after = await state(dir);
    for (const k of ['git HEAD', 'git branch', 'git status', 'git refs']) expect(after[k]).toBe(before[k]);
    expect(Object.keys(after).filter((f) => f.startsWith('workspace') && !(f in before))).toEqual([]);
  }, 150_000);

  it('H1: --out inside the workspace (or a link into it) is refused, nothing written', async () => {
    const dir = fresh();
    writeLedger(dir);
    fs.symlinkSync(path.join(dir, 'workspace'), path.join(dir, 'ws-link'));
    for (const out of [path.join(dir, 'workspace', 'reports'), path.join(dir, 'ws-link', 'r')]) {
      const before = await state(dir);
      const r = await baton(['report', dir, '--out', out], { cwd: dir });
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain('cannot be written inside the workspace');
      expect(await state(dir)).toEqual(before);
    }
  }, 60_000);

  it('H2: baton report while a run holds the lock writes nothing and names the run', async () => {
    const dir = fresh();
    writeLedger(dir);
    // this test process stands in for the live `baton run`
    fs.writeFileSync(
      path.join(dir, '.baton', 'lock'),
      `${JSON.stringify({ v: 1, pid: process.pid, host: (await import('node:os')).hostname(), startedAt: '2026-12-01T08:00:00.000Z' })}\n`,
    );
    const before = await state(dir);
    const r = await baton(['report', dir], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(`a baton run (pid ${process.pid}`);
    expect(r.stderr).toContain('--out DIR');
    expect(await state(dir)).toEqual(before);
  }, 60_000);

  it('#53 report --out /proc/nope ends at once with a clear error (no endless mkdir)', async () => {
    const dir = fresh();
    writeLedger(dir);
    const before = await state(dir);
    const t0 = Date.now();
    const r = await baton(['report', dir, '--out', '/proc/nope'], { cwd: dir, timeout: 30_000 });
    expect(r.timedOut).toBe(false);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--out \/proc\/nope: cannot write the report/);
    expect(await state(dir)).toEqual(before);
  }, 60_000);

  it('EPIPE: output into a closed pipe ends quietly (status | head)', async () => {
    const child = execa('node', [BATON_BIN, 'schema'], { reject: false, buffer: false, stdin: 'ignore' });
    child.stdout!.destroy(); // the reader is gone before baton writes
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const r = await child;
    expect(stderr).not.toMatch(/EPIPE|internal error|Error:/);
    expect(r.exitCode).toBe(0);
  }, 30_000);
});
