/**
 * The table oracle end to end with a host "sandbox" (test/oracles/host-sandbox.ts):
 * the command runs, the sandbox stops, the harness reads and compares on the host.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSeries } from '../../src/report/series.js';
import { tableOracle } from '../../oracles/table/index.js';
import { fakeContext } from './host-sandbox.js';

const CLASS = process.env.BATON_CLASS_DATA ?? fileURLToPath(new URL('../../../shared/reference-data/class', import.meta.url));

function pkOracle(over: Record<string, unknown> = {}, table: Record<string, unknown> = {}) {
  return {
    id: 'accuracy',
    kind: 'table',
    run: 'cp lowprec_pk.dat "$BATON_OUT/pk.dat"',
    tables: [{ name: 'pk', candidate: 'pk.dat', reference: 'oracle/ref_pk.dat', x: 'k', columns: ['P'], interpolate: 'loglog', ...table }],
    ...over,
  };
}

function setup(over: Record<string, unknown> = {}, table: Record<string, unknown> = {}) {
  const f = fakeContext(pkOracle(over, table));
  mkdirSync(path.join(f.ctx.experimentDir, 'oracle'));
  copyFileSync(path.join(CLASS, 'planck-ref_pk.dat'), path.join(f.ctx.experimentDir, 'oracle/ref_pk.dat'));
  copyFileSync(path.join(CLASS, 'planck-lowprec_pk.dat'), path.join(f.ctx.snapshotDir, 'lowprec_pk.dat'));
  return f;
}

describe('tableOracle', () => {
  it('runs the command in the sandbox, compares on the host, and writes the series artifact', async () => {
    // lowprec's k grid stops short of the reference's last k: that one point is allowed to go uncompared
    const { ctx, starts, log } = setup({}, { min_points: 555 });
    const m = await tableOracle.measure(ctx);
    expect(m.status).toBe('ok');
    expect(m.reason).toBeUndefined();
    expect(log).toEqual(['cp lowprec_pk.dat "$BATON_OUT/pk.dat"']);
    expect(m.metrics['accuracy.pk.P.n_points']).toBe(555);
    expect(m.metrics['accuracy.pk.P.n_dropped']).toBe(1);
    expect(Math.abs(m.metrics['accuracy.pk.P.max_rel'] / 5.22844766716304e-3 - 1)).toBeLessThan(1e-10);
    expect(Object.keys(m.metrics).sort()).toEqual(
      ['max_abs', 'max_rel', 'mean_rel', 'n_dropped', 'n_points', 'n_ref_zero', 'rms_rel', 'x_at_max_rel'].map((s) => `accuracy.pk.P.${s}`),
    );
    // The sandbox sees the workspace read-only and $BATON_OUT, never the reference data.
    expect(starts[0].mounts.map((x) => [x.containerPath, x.readOnly])).toEqual([
      ['/workspace', true],
      ['/baton/out', false],
    ]);
    expect(starts[0].env.BATON_OUT).toBe('/baton/out');
    expect(m.artifacts).toEqual([{ name: 'pk.P', kind: 'series', path: 'series/pk.P.json' }]);
    const parsed = parseSeries(readFileSync(path.join(ctx.artifactDir, 'series/pk.P.json'), 'utf8'));
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.series.points.length).toBe(555);
      expect(Math.max(...parsed.series.points.map((p) => p.rel ?? 0))).toBe(m.metrics['accuracy.pk.P.max_rel']);
    }
    expect(m.details.tables).toMatchObject({ pk: { status: 'ok', alignment: { used: 555, dropped_above: 1 } } });
  });

  it('fails when the command exits non-zero', async () => {
    const { ctx } = setup({ run: 'echo broken >&2; exit 3' });
    const m = await tableOracle.measure(ctx);
    expect(m.status).toBe('failed');
    expect(m.reason).toBe('the command exited with code 3: `echo broken >&2; exit 3`\nstderr: broken');
    expect(m.metrics).toEqual({});
  });

  it('fails when the candidate file is missing, and never reads a table left by an earlier run', async () => {
    const { ctx } = setup({ run: 'true' });
    copyFileSync(path.join(CLASS, 'planck-lowprec_pk.dat'), path.join(ctx.outDir, 'pk.dat'));
    const m = await tableOracle.measure(ctx);
    expect(m.status).toBe('failed');
    expect(m.reason).toBe('the command wrote no $BATON_OUT/pk.dat (table pk)');
  });

  it('fails naming file, line and column when the candidate writes NaN', async () => {
    const { ctx } = setup({ run: 'printf "# 1:k 2:P\\n0.1 1\\n0.2 nan\\n" > "$BATON_OUT/pk.dat"' });
    const m = await tableOracle.measure(ctx);
    expect(m.status).toBe('failed');
    expect(m.reason).toBe(
      'candidate table pk: 1 problem found:\n  $BATON_OUT/pk.dat: line 3, column 2 (P): non-finite value in column 2 (P) of row 2: NaN and infinities are refused\n    expected: a finite number\n    found:    "nan"',
    );
  });

  it('fails when the candidate lacks a compared column; errors when the reference does', async () => {
    const { ctx } = setup({ run: 'printf "# 1:k 2:Q\\n0.1 1\\n0.2 2\\n" > "$BATON_OUT/pk.dat"' });
    const m = await tableOracle.measure(ctx);
    expect(m.status).toBe('failed');
    expect(m.reason).toContain('column "P" does not exist');
    const bad = setup({}, { columns: ['Pk'] });
    const e = await tableOracle.measure(bad.ctx);
    expect(e.status).toBe('error');
    expect(e.reason).toContain('column "Pk" does not exist');
    expect(e.reason).toContain('columns are 1:k, 2:P');
  });

  it('is an error, not a failure, when the reference file is missing', async () => {
    const { ctx } = setup({}, { reference: 'oracle/nope.dat' });
    const m = await tableOracle.measure(ctx);
    expect(m.status).toBe('error');
    expect(m.reason).toBe('reference table of tables[0] (pk): 1 problem found:\n  oracle/nope.dat: whole file: file not found');
  });

  it('times out at the oracle timeout', async () => {
    const { ctx } = setup({ run: 'sleep 20', timeout: '1s' });
    const m = await tableOracle.measure(ctx);
    expect(m.status).toBe('timeout');
    expect(m.reason).toBe('the command timed out after 1 s: `sleep 20`');
    expect(m.durationMs).toBeLessThan(10_000);
  });

  it('refuses a candidate file that links out of $BATON_OUT (e.g. to the reference)', async () => {
    const { ctx } = setup({ run: 'true' });
    // The command knows the host path of the reference and links to it.
    const target = path.join(ctx.experimentDir, 'oracle/ref_pk.dat');
    ctx.oracle = { ...ctx.oracle, run: `ln -s ${target} "$BATON_OUT/pk.dat"` } as typeof ctx.oracle;
    const m = await tableOracle.measure(ctx);
    expect(m.status).toBe('failed');
    expect(m.reason).toBe('$BATON_OUT/pk.dat is a link leading out of $BATON_OUT; the candidate must write the table itself');
    expect(existsSync(path.join(ctx.outDir, 'pk.dat'))).toBe(true);
  });

  it('is an error when the sandbox cannot start', async () => {
    const { ctx } = setup();
    ctx.startSandbox = async () => {
      throw new Error('no engine');
    };
    const m = await tableOracle.measure(ctx);
    expect(m).toMatchObject({ oracle: 'accuracy', status: 'error', reason: 'could not start the oracle sandbox: no engine', metrics: {} });
  });

  it('fails when the candidate covers none of the reference points', async () => {
    const { ctx } = setup({ run: 'printf "# 1:k 2:P\\n100 1\\n200 2\\n" > "$BATON_OUT/pk.dat"' });
    const m = await tableOracle.measure(ctx);
    expect(m.status).toBe('failed');
    expect(m.reason).toBe(
      "table pk: coverage too low: the candidate was compared on 0 of the 556 reference points, 556 required (every one); 556 lie outside the candidate's x span (556 below, 0 above), which is never extrapolated",
    );
    expect(m.metrics['accuracy.pk.P.n_points']).toBe(0);
  });

  it('by default fails a candidate whose x grid misses even one reference point (no extrapolation, no free pass)', async () => {
    const { ctx } = setup();
    const m = await tableOracle.measure(ctx);
    expect(m.status).toBe('failed');
    expect(m.reason).toContain('table pk: coverage too low: the candidate was compared on 555 of the 556 reference points, 556 required (every one)');
    expect(m.details.tables).toMatchObject({ pk: { status: 'failed', alignment: { used: 555, dropped_above: 1 } } });
    // the error statistics are still reported, for the researcher
    expect(m.metrics['accuracy.pk.P.n_dropped']).toBe(1);
  });

  it('issue 12: a 2-row candidate that brackets 1 of 201 reference points is not met, and the reason names coverage', async () => {
    // the reference: 201 points of y = x^2 on irregular x in [1, 2]
    const xs = Array.from({ length: 201 }, (_, i) => 1 + i / 200 + (i > 0 && i < 200 ? Math.sin(i * 7.3) * 1e-3 : 0));
    const f = fakeContext({
      id: 'accuracy',
      kind: 'table',
      // exact at the two candidate rows, and only reference point 100 lies between them
      run: `printf "x,y\\n${xs[100] - 1e-6},${(xs[100] - 1e-6) ** 2}\\n${xs[100] + 1e-6},${(xs[100] + 1e-6) ** 2}\\n" > "$BATON_OUT/t.csv"`,
      tables: [{ name: 'curve', candidate: 't.csv', reference: 'oracle/ref.csv', x: 'x', columns: ['y'], interpolate: 'linear' }],
    });
    mkdirSync(path.join(f.ctx.experimentDir, 'oracle'));
    writeFileSync(path.join(f.ctx.experimentDir, 'oracle/ref.csv'), `x,y\n${xs.map((x) => `${x},${x * x}`).join('\n')}\n`);
    const m = await tableOracle.measure(f.ctx);
    // without the coverage check this was `ok` with max_rel ~1e-12, meeting any threshold
    expect(m.metrics['accuracy.curve.y.n_points']).toBe(1);
    expect(m.metrics['accuracy.curve.y.max_rel']).toBeLessThan(1e-9);
    expect(m.status).toBe('failed');
    expect(m.reason).toMatch(/^table curve: coverage too low: the candidate was compared on 1 of the 201 reference points, 201 required/);
  });

  it('min_points lets a spec accept a candidate that misses a few points, and no fewer', async () => {
    const ok = setup({}, { min_points: 550 });
    expect((await tableOracle.measure(ok.ctx)).status).toBe('ok');
    const short = setup({ run: 'head -n 300 lowprec_pk.dat > "$BATON_OUT/pk.dat"' }, { min_points: 550 });
    const m = await tableOracle.measure(short.ctx);
    expect(m.status).toBe('failed');
    expect(m.reason).toMatch(/^table pk: coverage too low: the candidate was compared on \d+ of the 556 reference points, 550 required \(min_points\)/);
  });

  it('is an error, not a failure, when min_points exceeds the reference points in x_range', async () => {
    const { ctx } = setup({}, { min_points: 600, x_range: [1e-4, 1] });
    const m = await tableOracle.measure(ctx);
    expect(m.status).toBe('error');
    expect(m.reason).toBe('table pk: min_points is 600 but the reference has only 541 points in x_range [0.0001, 1]; lower min_points or widen x_range');
  });
});
