/** compareTables on small tables built in memory: alignment, statistics, normalisation, series. */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { TableSpec } from '../../oracles/table/schema.js';
import { SeriesArtifact } from '../../src/report/series.js';
import { compareTables } from '../../oracles/table/compare.js';
import type { Table } from '../../oracles/table/table.js';

function table(file: string, names: string[] | null, rows: number[][]): Table {
  const ncols = rows[0].length;
  return {
    file,
    format: 'dat',
    header: names && { names, labels: names, line: 1 },
    columns: Array.from({ length: ncols }, (_, j) => Float64Array.from(rows.map((r) => r[j]))),
    rows: rows.length,
    lineBreaks: [{ row: 0, line: 2 }],
  };
}

const spec = (over: Record<string, unknown>) => TableSpec.parse({ name: 't', candidate: 'c.dat', reference: 'r.dat', x: 'x', columns: ['y'], ...over });

function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('compareTables', () => {
  it('computes max/mean/rms relative, max absolute and x at the max, row by row', () => {
    const ref = table(
      'r.dat',
      ['x', 'y'],
      [
        [1, 10],
        [2, 20],
        [3, 40],
      ],
    );
    const cand = table(
      'c.dat',
      ['x', 'y'],
      [
        [1, 11],
        [2, 19],
        [3, 40],
      ],
    );
    const c = compareTables(spec({}), cand, ref);
    const rel = [0.1, 0.05, 0];
    expect(c.metrics).toEqual({
      't.y.max_rel': 0.1,
      't.y.mean_rel': (0.1 + 0.05 + 0) / 3,
      't.y.rms_rel': Math.sqrt(rel.reduce((s, r) => s + r * r, 0) / 3),
      't.y.max_abs': 1,
      't.y.x_at_max_rel': 1,
      't.y.n_points': 3,
      't.y.n_dropped': 0,
      't.y.n_ref_zero': 0,
    });
  });

  it('excludes zero references from relative errors but not from max_abs', () => {
    const ref = table(
      'r.dat',
      ['x', 'y'],
      [
        [1, 0],
        [2, 20],
      ],
    );
    const cand = table(
      'c.dat',
      ['x', 'y'],
      [
        [1, 3],
        [2, 22],
      ],
    );
    const m = compareTables(spec({}), cand, ref).metrics;
    expect(m['t.y.n_ref_zero']).toBe(1);
    expect(m['t.y.max_abs']).toBe(3);
    expect(m['t.y.max_rel']).toBeCloseTo(0.1, 15);
    expect(m['t.y.n_points']).toBe(2);
  });

  it('interpolates linearly onto the reference grid; points outside the candidate are dropped, never extrapolated', () => {
    const ref = table(
      'r.dat',
      ['x', 'y'],
      [
        [0, 1],
        [1.5, 4],
        [2.5, 6],
        [5, 11],
        [9, 19],
      ],
    );
    const cand = table(
      'c.dat',
      ['x', 'y'],
      [
        [1, 3],
        [2, 5],
        [3, 7],
        [5, 11],
      ],
    ); // y = 2x + 1 exactly
    const c = compareTables(spec({ interpolate: 'linear' }), cand, ref);
    expect(c.alignment).toEqual({ interpolate: 'linear', reference_rows: 5, candidate_rows: 4, in_range: 5, used: 3, dropped_below: 1, dropped_above: 1 });
    expect(c.metrics['t.y.max_abs']).toBe(0);
    expect(c.metrics['t.y.n_dropped']).toBe(2);
    expect(c.series[0].points.map((p) => p.x)).toEqual([1.5, 2.5, 5]);
  });

  it('interpolates log-log: a power law is reproduced', () => {
    const f = (x: number) => 3 * x ** -1.5;
    const cand = table(
      'c.dat',
      ['k', 'P'],
      [0.1, 1, 10, 100].map((x) => [x, f(x)]),
    );
    const ref = table(
      'r.dat',
      ['k', 'P'],
      [0.3, 2, 50].map((x) => [x, f(x)]),
    );
    const m = compareTables(spec({ x: 'k', columns: ['P'], interpolate: 'loglog' }), cand, ref).metrics;
    expect(m['t.P.max_rel']).toBeLessThan(1e-14);
    expect(m['t.P.n_points']).toBe(3);
  });

  it('x_range keeps only reference rows with lo <= x <= hi', () => {
    const ref = table(
      'r.dat',
      ['x', 'y'],
      [
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 4],
      ],
    );
    const cand = table(
      'c.dat',
      ['x', 'y'],
      [
        [1, 2],
        [2, 2],
        [3, 3],
        [4, 8],
      ],
    );
    const c = compareTables(spec({ x_range: [2, 3] }), cand, ref);
    expect(c.metrics['t.y.max_rel']).toBe(0);
    expect(c.metrics['t.y.n_points']).toBe(2);
    expect(c.alignment.in_range).toBe(2);
  });

  it('names metrics of index-addressed columns after the reference header, or the index', () => {
    const ref = table('r.dat', ['x', 'y'], [[1, 1]]);
    const cand = table('c.dat', ['x', 'y'], [[1, 1]]);
    expect(Object.keys(compareTables(spec({ x: 1, columns: [2] }), cand, ref).metrics)).toContain('t.y.max_rel');
    const bare = table('r.dat', null, [[1, 1]]);
    expect(Object.keys(compareTables(spec({ x: 1, columns: [2] }), table('c.dat', null, [[1, 1]]), bare).metrics)).toContain('t.2.max_rel');
  });

  it('normalize replaces |reference|; a string applies to every column, a record per column', () => {
    const ref = table(
      'r.dat',
      ['l', 'TT', 'EE', 'TE'],
      [
        [2, 4, 1, 0],
        [3, 9, 4, -1],
      ],
    );
    const cand = table(
      'c.dat',
      ['l', 'TT', 'EE', 'TE'],
      [
        [2, 4, 1, 0.2],
        [3, 9, 4, -1.6],
      ],
    );
    const c = compareTables(spec({ x: 'l', columns: ['TE'], normalize: 'sqrt(TT*EE)' }), cand, ref);
    expect(c.metrics['t.TE.max_rel']).toBeCloseTo(0.1, 15); // 0.2/2 and 0.6/6
    expect(c.metrics['t.TE.n_ref_zero']).toBe(0); // the reference TE is 0 at l=2, the norm is not
    expect(c.series[0].normalize).toBe('sqrt(TT*EE)');
    // an expression outside the compiled subset goes through mathjs and agrees
    const viaMathjs = compareTables(spec({ x: 'l', columns: ['TE'], normalize: { TE: 'TT > 0 ? sqrt(TT*EE) : 1' } }), cand, ref);
    expect(viaMathjs.metrics['t.TE.max_rel']).toBe(c.metrics['t.TE.max_rel']);
  });

  it('refuses a normalize over unknown columns, and one that is not finite', () => {
    const ref = table(
      'r.dat',
      ['x', 'y'],
      [
        [1, 1],
        [2, -1],
      ],
    );
    const e = thrown(() => compareTables(spec({ normalize: 'sqrt(z)' }), ref, ref));
    expect(e.context.side).toBe('spec');
    expect(e.problems[0]).toMatchObject({
      where: 'tables[t].normalize',
      message: 'normalize uses "z", which is not a column of the reference r.dat',
      hint: 'columns are 1:x, 2:y',
    });
    const nan = thrown(() => compareTables(spec({ normalize: 'sqrt(y)' }), ref, ref));
    expect(nan.problems[0].message).toBe('normalize gave NaN for column y at reference line 3 (row 2) (x = 2)');
  });

  it('interpolate none: a differing x shows the first differing row', () => {
    const ref = table(
      'r.dat',
      ['x', 'y'],
      [
        [1, 1],
        [2, 2],
        [3, 3],
      ],
    );
    const cand = table(
      'c.dat',
      ['x', 'y'],
      [
        [1, 1],
        [2.5, 2],
        [3, 3],
      ],
    );
    const e = thrown(() => compareTables(spec({}), cand, ref));
    expect(e.context.side).toBe('candidate');
    expect(e.problems).toEqual([
      {
        file: 'c.dat',
        where: 'line 3 (row 2)',
        message: 'x values differ from the reference at compared row 2',
        expected: 'x = 2 (reference line 3 (row 2))',
        found: 'x = 2.5 at line 3 (row 2)',
        hint: 'with interpolate: none the candidate must have exactly the reference x values; use linear or loglog to interpolate',
      },
    ]);
    const short = thrown(() => compareTables(spec({}), table('c.dat', ['x', 'y'], [[1, 1]]), ref));
    expect(short.problems[0].found).toBe("no row: the candidate's rows end at row 1");
    const long = thrown(() =>
      compareTables(
        spec({}),
        table(
          'c.dat',
          ['x', 'y'],
          [
            [1, 1],
            [2, 2],
            [3, 3],
            [4, 4],
          ],
        ),
        ref,
      ),
    );
    expect(long.problems[0].message).toBe('the candidate has more rows than the reference');
  });

  it('refuses a candidate x that does not increase, and loglog of values <= 0', () => {
    const ref = table(
      'r.dat',
      ['x', 'y'],
      [
        [1, 1],
        [2, 2],
      ],
    );
    const e = thrown(() =>
      compareTables(
        spec({ interpolate: 'linear' }),
        table(
          'c.dat',
          ['x', 'y'],
          [
            [1, 1],
            [3, 2],
            [3, 4],
          ],
        ),
        ref,
      ),
    );
    expect(e.problems[0]).toMatchObject({ where: 'line 4 (row 3)', message: 'x must increase strictly from row to row to interpolate', found: 'x = 3' });
    const neg = thrown(() =>
      compareTables(
        spec({ interpolate: 'loglog' }),
        table(
          'c.dat',
          ['x', 'y'],
          [
            [0.5, 1],
            [1.5, -2],
            [3, 4],
          ],
        ),
        ref,
      ),
    );
    expect(neg.context.side).toBe('candidate');
    expect(neg.problems[0]).toMatchObject({ where: 'line 3 (row 2), column 2 (y)', message: 'loglog interpolation needs values > 0', found: '-2' });
  });

  it('an unknown candidate column is the candidate’s fault; an unknown reference column the spec’s', () => {
    const ref = table('r.dat', ['x', 'y'], [[1, 1]]);
    const cand = table('c.dat', ['x', 'z'], [[1, 1]]);
    const e = thrown(() => compareTables(spec({}), cand, ref));
    expect(e.context.side).toBe('candidate');
    expect(e.problems[0]).toMatchObject({ file: 'c.dat', message: 'column "y" does not exist', hint: 'columns are 1:x, 2:z' });
    expect(thrown(() => compareTables(spec({}), ref, cand)).context.side).toBe('reference');
  });

  it('decimates a long series to at most 2000 points, keeping the maximum, in x order', () => {
    const n = 100_003;
    const rows = Array.from({ length: n }, (_, i) => [i, 1 + (i % 97)]);
    const cand = rows.map(([x, y]) => [x, y * (1 + 1e-6 * Math.sin(x))]);
    cand[77_777][1] = rows[77_777][1] * 1.5;
    const c = compareTables(spec({}), table('c.dat', ['x', 'y'], cand), table('r.dat', ['x', 'y'], rows));
    const s = c.series[0];
    expect(s.decimated).toBe(true);
    expect(s.n_points).toBe(n);
    expect(s.points.length).toBeGreaterThan(1000);
    expect(s.points.length).toBeLessThanOrEqual(2000);
    expect(s.points.some((p) => p.x === 77_777 && p.rel === c.metrics['t.y.max_rel'])).toBe(true);
    expect(s.points.every((p, i) => i === 0 || p.x > s.points[i - 1].x)).toBe(true);
    expect(SeriesArtifact.safeParse(s).success).toBe(true);
  });
});
