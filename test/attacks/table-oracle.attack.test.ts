/**
 * Attacks on the table oracle (security audit, issue 12).
 *
 *  (a) coverage: a candidate of 2 rows that brackets 1 of the 201 reference
 *      points, exact there, used to be judged on that point alone and met.
 *      Through `baton run` (replay worker, real Docker and git) it must be
 *      reverted with a reason about coverage. Fails without the coverage check
 *      (oracles/table/coverage.ts).
 *  (b) leak: after the run, no byte the worker can read (the workspace's
 *      files, reports/ included, and every object of its .git) holds more of
 *      the reference x grid than the coarse bins of an error chart: the
 *      per-point error series, with the candidate, rebuilt the hidden
 *      reference. Fails when the workspace report gets the full series
 *      (planCharts' default detail 'full').
 *  (c) the measure tool's answer, built from a real table measurement, holds
 *      no per-point data. A guard: no defence is needed today, the test keeps
 *      it so.
 *
 * (a) and (b) skip with a notice without an engine; fail instead when
 * BATON_REQUIRE_DOCKER=1. (c) runs on the host.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableOracle } from '../../oracles/table/index.js';
import { LedgerRecord } from '../../src/ledger/record.js';
import { COARSE_BINS } from '../../src/report/error-chart.js';
import { measureToolText } from '../../src/run/measure-tool.js';
import { Spec } from '../../src/spec/schema.js';
import { readJsonl } from '../../src/state/jsonl.js';
import { Repo } from '../../src/workspace/git.js';
import { BATON_BIN } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { fakeContext } from '../oracles/host-sandbox.js';
import { dockerReady } from '../sandbox/guard.js';

/** The hidden reference: 201 points on an irregular grid, values nobody would guess. */
const REF_X = Array.from({ length: 201 }, (_, i) => 0.5 + (3 * i) / 200 + (i > 0 && i < 200 ? 0.004 * Math.sin(i * 7.3) : 0));
const f = (x: number) => Math.exp(-x) * (1 + 0.1 * Math.sin(7 * x));
const REFERENCE_CSV = `x,y\n${REF_X.map((x) => `${x},${f(x)}`).join('\n')}\n`;

/** A candidate on its own full grid: `step` apart over [0, 4], `model` the formula in Python. */
const solver = (step: number, model: string) => `import math, os, sys
out = sys.argv[sys.argv.index("--out") + 1]
n = int(round(4 / ${step}))
with open(out, "w") as fh:
    fh.write("x,y\\n")
    for i in range(n + 1):
        x = i * ${step}
        fh.write("%r,%r\\n" % (x, ${model}))
`;

/** The attack: two rows 2e-9 either side of reference point 100, exact there (the worker got them from the leaked series). */
const x100 = REF_X[100];
const TWO_ROWS = `import sys
out = sys.argv[sys.argv.index("--out") + 1]
open(out, "w").write("x,y\\n${x100 - 2e-9},${f(x100 - 2e-9)}\\n${x100 + 2e-9},${f(x100 + 2e-9)}\\n")
`;

const SPEC = [
  'name: table-attack',
  'goal: make solve.py agree with the hidden reference to 1e-6',
  'oracles:',
  '  - id: accuracy',
  '    kind: table',
  '    run: python3 solve.py --out $BATON_OUT/curve.csv',
  '    timeout: 1m',
  '    tables:',
  '      - { name: curve, candidate: curve.csv, reference: oracle/ref.csv, x: x, columns: [y], interpolate: linear, x_range: [0.5, 3.5] }',
  'thresholds:',
  '  accuracy.curve.y.max_rel: "< 1e-6"',
  'judge: { keep: improve, confirm: 1, stall_after: 4 }',
  'worker: { kind: replay, script: replay.yaml }',
  'budget: { iterations: 2, time: 10m, session: { time: 2m } }',
  'sandbox: { kind: docker, image: baton-base, memory: 256m, cpus: 1, network: none }',
  '',
].join('\n');

/** Numbers written in `text` that are a reference x (to 6 significant digits, as chart data rounds them). */
function referenceXsIn(text: string, found: Set<number>): void {
  for (const m of text.matchAll(/-?\d+\.\d+(?:[eE][-+]?\d+)?/g)) {
    const v = Number(m[0]);
    for (let i = 0; i < REF_X.length; i++) if (Math.abs(v - REF_X[i]) <= 1e-5 * REF_X[i]) found.add(i);
  }
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

const ready = await dockerReady();

describe.runIf(ready.ok)('table oracle attacks through baton run (real Docker, git, table oracle)', () => {
  let dir = '';
  let ledger: LedgerRecord[] = [];
  let output = '';

  beforeAll(async () => {
    dir = path.join(tmpDir('baton-table-attack-'), 'exp');
    const ws = path.join(dir, 'workspace');
    fs.mkdirSync(ws, { recursive: true });
    fs.mkdirSync(path.join(dir, 'oracle'));
    fs.writeFileSync(path.join(dir, 'oracle', 'ref.csv'), REFERENCE_CSV);
    fs.writeFileSync(path.join(ws, 'solve.py'), solver(0.01, 'math.exp(-x)'));
    fs.writeFileSync(path.join(dir, 'baton.yaml'), SPEC);
    const sessions = [
      { summary: 'hard-code the two points that matter', steps: [{ write: 'solve.py', content: TWO_ROWS }] },
      { summary: 'the wiggle, on a coarse grid', steps: [{ write: 'solve.py', content: solver(0.05, 'math.exp(-x) * (1 + 0.1 * math.sin(7 * x))') }] },
    ];
    fs.writeFileSync(path.join(dir, 'replay.yaml'), JSON.stringify({ sessions }, null, 2));
    const repo = await Repo.init(ws);
    await repo.commitAll('table-attack baseline');
    const r = await execa('node', [BATON_BIN, 'run', dir], { reject: false, timeout: 400_000, stdin: 'ignore' });
    output = `${r.stdout}\n${r.stderr}`;
    ledger = readJsonl(path.join(dir, '.baton', 'ledger.jsonl'), LedgerRecord).records;
  }, 420_000);

  it('(a) a 2-row candidate exact at the 1 reference point it brackets is reverted, the reason naming coverage', () => {
    const rec = ledger.find((r) => r.iteration === 1 && r.phase === 'candidate');
    expect(rec, output).toBeDefined();
    // exact where it is compared: without the coverage check this met the 1e-6 threshold
    expect(rec!.metrics['accuracy.curve.y.n_points']).toBe(1);
    expect(rec!.metrics['accuracy.curve.y.max_rel']).toBeLessThan(1e-6);
    expect(['keep', 'met']).not.toContain(rec!.verdict.kind);
    expect(rec!.measurements[0].status).toBe('failed');
    expect(rec!.verdict.reason).toContain(
      'table curve: coverage too low: the candidate was compared on 1 of the 201 reference points in x_range [0.5, 3.5], 201 required',
    );
    // and the honest improvement after it is kept, so the report has baseline, best and latest series
    expect(ledger.find((r) => r.iteration === 2 && r.phase === 'candidate')?.verdict.kind, output).toBe('keep');
  });

  it('(b) nothing the worker can read holds the per-point error series: at most the coarse bins of the reference grid', async () => {
    const ws = path.join(dir, 'workspace');
    const files = walk(ws).filter((p) => !p.split(path.sep).includes('.git'));
    expect(files.map((p) => path.relative(ws, p))).toEqual(expect.arrayContaining(['reports/REPORT.md', 'reports/plots/error-accuracy-curve-y.vl.json']));
    const found = new Set<number>();
    for (const p of files) referenceXsIn(fs.readFileSync(p, 'latin1'), found);
    // every object of the workspace's git, every commit of reports/ included (the worker sandbox mounts .git read-only)
    const objects = await execa('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: ws, encoding: 'latin1', maxBuffer: 1 << 30 });
    referenceXsIn(String(objects.stdout), found);
    expect(found.size, `reference x values readable by the worker: ${[...found].join(', ')}`).toBeLessThanOrEqual(COARSE_BINS);

    // the researcher's copy, outside the workspace, does have the series
    const full = fs.readFileSync(path.join(dir, 'reports', 'plots', 'error-accuracy-curve-y.vl.json'), 'utf8');
    const inFull = new Set<number>();
    referenceXsIn(full, inFull);
    expect(inFull.size).toBeGreaterThan(150);
  });
});

describe('(c) the measure tool answers no per-point data', () => {
  it('its text for a real table measurement names at most one reference x (x_at_max_rel)', async () => {
    const spec = Spec.parse({
      name: 'table-attack',
      goal: 'g',
      oracles: [
        {
          id: 'accuracy',
          kind: 'table',
          run: `printf 'x,y\\n0,1\\n4,0.0183\\n' > "$BATON_OUT/curve.csv"`,
          tables: [{ name: 'curve', candidate: 'curve.csv', reference: 'oracle/ref.csv', x: 'x', columns: ['y'], interpolate: 'linear' }],
        },
      ],
      thresholds: { 'accuracy.curve.y.max_rel': '< 1e-6' },
      worker: { kind: 'replay', script: 'replay.yaml' },
    });
    const fx = fakeContext(spec.oracles[0]);
    fs.mkdirSync(path.join(fx.ctx.experimentDir, 'oracle'));
    fs.writeFileSync(path.join(fx.ctx.experimentDir, 'oracle', 'ref.csv'), REFERENCE_CSV);
    const m = await tableOracle.measure(fx.ctx);
    expect(m.status).toBe('ok');
    expect(m.artifacts.some((a) => a.kind === 'series')).toBe(true);
    const metrics = Object.fromEntries(Object.entries(m.metrics).map(([k, v]) => [k, v]));
    const text = measureToolText({ spec, ledger: [] }, { measurements: [m], metrics, warnings: [] } as never);
    const found = new Set<number>();
    referenceXsIn(text, found);
    expect(found.size, text).toBeLessThanOrEqual(1);
    expect(text).not.toMatch(/"points"|series\//);
  });
});
