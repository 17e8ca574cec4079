/**
 * The table readers: every format on small real files, and every malformed
 * input with its exact message (file, line or row, column, expected, found).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError, type Problem } from '../../src/errors.js';
import { readTable } from '../../oracles/table/read.js';
import { lineOfRow, resolveColumn } from '../../oracles/table/table.js';

const FIX = fileURLToPath(new URL('../fixtures/table/', import.meta.url));
const CLASS = process.env.BATON_CLASS_DATA ?? fileURLToPath(new URL('../../../shared/reference-data/class', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'baton-table-read-'));

function write(name: string, text: string | Buffer): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

async function problemsOf(promise: Promise<unknown>): Promise<Problem[]> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InputError);
  return (e as InputError).problems;
}

const fixture = (name: string) => readTable(join(FIX, name), 'auto', { displayName: name });

describe('readers', () => {
  it('reads a CLASS .dat with `1:l 2:TT` headers: short names, labels, lines', async () => {
    const t = await readTable(join(CLASS, 'planck-ref_cl_lensed.dat'));
    expect(t.format).toBe('dat');
    expect(t.rows).toBe(2499);
    expect(t.header?.names).toEqual(['l', 'TT', 'EE', 'TE', 'BB', 'phiphi', 'TPhi', 'Ephi']);
    expect(t.header?.line).toBe(11);
    expect(t.columns[0][0]).toBe(2);
    expect(t.columns[1][0]).toBe(1.367522088278e-10);
    expect(t.columns[7][t.rows - 1]).toBe(-2.232079552725e-18);
    expect(lineOfRow(t, 0)).toBe(12);
    expect(lineOfRow(t, 2498)).toBe(2510);
  });

  it('reads CLASS P(k) headers with units: `1:k (h/Mpc)` is addressed as k', async () => {
    const t = await readTable(join(CLASS, 'planck-ref_pk.dat'));
    expect(t.header).toEqual({ names: ['k', 'P'], labels: ['k (h/Mpc)', 'P (Mpc/h)^3'], line: 4 });
    expect(resolveColumn(t, 'k', 'x column')).toBe(0);
    expect(resolveColumn(t, 'P (Mpc/h)^3', 'column')).toBe(1);
    expect(resolveColumn(t, 2, 'column')).toBe(1);
    expect(t.columns[0][0]).toBe(1.049743788834e-5);
    expect(t.columns[1][555]).toBe(1.110899969758);
  });

  it('reads CAMB-style plain-name headers, numpy.savetxt output, blank lines and trailing comments', async () => {
    const t = await readTable(write('camb.dat', '#    L    TT    EE\n\n    2   1.5E+03  2.0e-1\n  3 1500.25 .5 # note\n\n4 -1e-30 +7\n'));
    expect(t.header?.names).toEqual(['L', 'TT', 'EE']);
    expect([...t.columns[1]]).toEqual([1500, 1500.25, -1e-30]);
    expect([...t.columns[2]]).toEqual([0.2, 0.5, 7]);
    expect([lineOfRow(t, 0), lineOfRow(t, 1), lineOfRow(t, 2)]).toEqual([3, 4, 6]);
  });

  it('reads a header-less .dat, addressed by index; a name gives a missing-header error', async () => {
    const t = await readTable(write('bare.dat', '1 2\n3 4\n'), 'auto', { displayName: 'bare.dat' });
    expect(t.header).toBeNull();
    expect(resolveColumn(t, 2, 'column')).toBe(1);
    expect(() => resolveColumn(t, 'TT', 'column')).toThrow(InputError);
    try {
      resolveColumn(t, 'TT', 'column');
    } catch (e) {
      expect((e as InputError).problems).toEqual([
        {
          file: 'bare.dat',
          where: 'header',
          message: 'column "TT" cannot be found: the file has no header naming its columns',
          expected: 'a header line such as "# 1:l 2:TT 3:EE" before the data, or columns addressed by 1-based index',
          found: '2 unnamed columns',
          hint: 'address columns by index 1 to 2',
        },
      ]);
    }
  });

  it('reads CSV with CRLF and a BOM, TSV, and numpy.savetxt `# x,y` headers', async () => {
    const csv = await readTable(write('a.csv', '\ufeffx, y\r\n1, 2.5\r\n2,3e2\r\n'));
    expect(csv.header?.names).toEqual(['x', 'y']);
    expect([...csv.columns[1]]).toEqual([2.5, 300]);
    const tsv = await readTable(write('a.tsv', 'x\ty\n1\t-2\n'));
    expect([...tsv.columns[1]]).toEqual([-2]);
    const np = await readTable(write('np.csv', '# x,y\n1.000000000000000000e+00,2.000000000000000000e+00\n'));
    expect(np.header?.names).toEqual(['x', 'y']);
    expect([...np.columns[0], ...np.columns[1]]).toEqual([1, 2]);
  });

  it('reads quoted CSV through csv-parse', async () => {
    const t = await fixture('quoted.csv');
    expect(t.header).toEqual({ names: ['x', 'y'], labels: ['x', 'y value'], line: 1 });
    expect([...t.columns[0]]).toEqual([1, 2]);
    expect([...t.columns[1]]).toEqual([2.5, 3.5]);
  });

  it('reads .npy: C order, Fortran order, structured arrays with field names', async () => {
    for (const name of ['plain.npy', 'fortran.npy']) {
      const t = await fixture(name);
      expect(t.header).toBeNull();
      expect(t.columns.map((c) => [...c])).toEqual([
        [1, 2, 3],
        [10, 20, 30],
      ]);
    }
    const s = await fixture('structured.npy');
    expect(s.header?.names).toEqual(['k', 'P', 'n']);
    expect(s.columns.map((c) => [...c])).toEqual([
      [1, 2, 3],
      [0.5, 0.25, 0.125],
      [7, 8, 9],
    ]);
  });

  it('parses every number exactly as Number() does, across chunk boundaries and long files', async () => {
    const rnd = mulberry32(7);
    const lines: string[] = ['# 1:a 2:b 3:c 4:d'];
    const expected: number[][] = [[], [], [], []];
    for (let r = 0; r < 60_000; r++) {
      const row: string[] = [];
      for (let j = 0; j < 4; j++) {
        const v = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 80 - 40);
        const kind = Math.floor(rnd() * 6);
        const s =
          kind === 0
            ? v.toExponential(12)
            : kind === 1
              ? v.toExponential(18)
              : kind === 2
                ? String(v)
                : kind === 3
                  ? v.toFixed(Math.floor(rnd() * 20))
                  : kind === 4
                    ? v.toPrecision(1 + Math.floor(rnd() * 21)).replace('e', 'E')
                    : String(Math.round(v * 1e6));
        row.push(s);
        expected[j].push(Number(s));
      }
      lines.push(row.join(r % 3 === 0 ? '\t ' : '   '));
    }
    const t = await readTable(write('many.dat', lines.join('\n')));
    expect(t.rows).toBe(60_000);
    for (let j = 0; j < 4; j++) {
      for (let r = 0; r < t.rows; r++) {
        if (!Object.is(t.columns[j][r], expected[j][r])) {
          throw new Error(`row ${r} col ${j}: ${lines[r + 1].split(/\s+/)[j]} -> ${t.columns[j][r]}, expected ${expected[j][r]}`);
        }
      }
    }
  });

  it('grows the columns when later lines are shorter than the first', async () => {
    const lines = ['# 1:x 2:y', '1.000000000000000000000000000000 2.000000000000000000000000000000'];
    for (let r = 2; r <= 200_000; r++) lines.push(`${r} ${r % 7}`);
    const t = await readTable(write('grow.dat', `${lines.join('\n')}\n`));
    expect(t.rows).toBe(200_000);
    expect(t.columns[0][199_999]).toBe(200_000);
    expect(t.columns[1][199_999]).toBe(200_000 % 7);
    expect(t.columns[0].length).toBe(200_000);
  });

  it('switches to csv-parse when a quote shows up late in a large CSV', async () => {
    const lines = ['x,y'];
    for (let r = 1; r <= 30_000; r++) lines.push(`${r},${r / 4}`);
    lines.push('"30001","2.5"');
    const t = await readTable(write('late-quote.csv', `${lines.join('\n')}\n`));
    expect(t.rows).toBe(30_001);
    expect(t.columns[0][30_000]).toBe(30_001);
    expect(t.columns[1][29_999]).toBe(7_500);
    expect(t.columns[1][30_000]).toBe(2.5);
  });

  it('accepts a line longer than the read chunk', async () => {
    const wide = Array.from({ length: 120_000 }, (_, i) => String(i + 0.5));
    const t = await readTable(write('wide.dat', `${wide.join(' ')}\n${wide.join(' ')}\n`));
    expect(t.columns.length).toBe(120_000);
    expect(t.columns[119_999][1]).toBe(119_999.5);
  });
});

describe('malformed inputs: exact messages', () => {
  it('wrong column count', async () => {
    expect(await problemsOf(fixture('wrong-count.dat'))).toEqual([
      {
        file: 'wrong-count.dat',
        where: 'line 3',
        message: 'wrong column count: row 2 has 2 values, expected 3',
        expected: '3 values per row, as on line 2',
        found: '2: 4 5',
      },
    ]);
    expect(await problemsOf(fixture('header-count.dat'))).toEqual([
      {
        file: 'header-count.dat',
        where: 'line 1',
        message: 'wrong column count: the header names 2 columns but the rows have 3',
        expected: '3 names numbered 1:... to 3:...',
        found: '1:l 2:TT',
      },
    ]);
  });

  it('text in a numeric column (dat, tsv, quoted csv)', async () => {
    expect(await problemsOf(fixture('text.dat'))).toEqual([
      {
        file: 'text.dat',
        where: 'line 3, column 2 (y)',
        message: 'text in a numeric column: column 2 (y) of row 2 is not a number',
        expected: 'a decimal number such as 1.5e-3',
        found: '"five"',
      },
    ]);
    expect(await problemsOf(fixture('text.tsv'))).toEqual([
      {
        file: 'text.tsv',
        where: 'line 3, column 2 (y)',
        message: 'text in a numeric column: column 2 (y) of row 2 is not a number',
        expected: 'a decimal number such as 1.5e-3',
        found: '"abc"',
      },
    ]);
    expect(await problemsOf(fixture('quoted-bad.csv'))).toEqual([
      {
        file: 'quoted-bad.csv',
        where: 'line 3, column 2 (y)',
        message: 'text in a numeric column: column 2 (y) of row 2 is not a number',
        expected: 'a decimal number such as 1.5e-3',
        found: '"3,5"',
      },
    ]);
  });

  it('NaN and infinities are refused, naming file, row and column', async () => {
    expect(await problemsOf(fixture('nan.dat'))).toEqual([
      {
        file: 'nan.dat',
        where: 'line 3, column 2 (y)',
        message: 'non-finite value in column 2 (y) of row 2: NaN and infinities are refused',
        expected: 'a finite number',
        found: '"nan"',
      },
    ]);
    expect(await problemsOf(fixture('inf.csv'))).toEqual([
      {
        file: 'inf.csv',
        where: 'line 3, column 2 (y)',
        message: 'non-finite value in column 2 (y) of row 2: NaN and infinities are refused',
        expected: 'a finite number',
        found: '"-inf"',
      },
    ]);
    expect(await problemsOf(fixture('nan.npy'))).toEqual([
      {
        file: 'nan.npy',
        where: 'row 2, column 2',
        message: 'non-finite value in column 2 of row 2: NaN and infinities are refused',
        expected: 'a finite number',
        found: 'NaN',
      },
    ]);
    const overflow = await problemsOf(readTable(write('big.dat', '1 1e400\n'), 'dat', { displayName: 'big.dat' }));
    expect(overflow[0].message).toBe('non-finite value in column 2 of row 1: NaN and infinities are refused');
    expect(overflow[0].found).toBe('"1e400"');
  });

  it('empty file, header only, empty field', async () => {
    expect(await problemsOf(fixture('empty.dat'))).toEqual([
      {
        file: 'empty.dat',
        where: 'whole file',
        message: 'empty file: no header and no data rows',
        expected: 'at least one row of numbers',
        found: 'an empty file',
      },
    ]);
    expect(await problemsOf(fixture('header-only.dat'))).toEqual([
      {
        file: 'header-only.dat',
        where: 'line 2',
        message: 'no data rows',
        expected: 'at least one row of numbers',
        found: '2 lines of header or comments only',
      },
    ]);
    expect(await problemsOf(fixture('empty-field.csv'))).toEqual([
      {
        file: 'empty-field.csv',
        where: 'line 3, column 2 (y)',
        message: 'empty value in column 2 (y) of row 2',
        expected: 'a decimal number such as 1.5e-3',
        found: 'nothing',
      },
    ]);
  });

  it('missing header (CSV, .npy)', async () => {
    expect(await problemsOf(fixture('no-header.csv'))).toEqual([
      {
        file: 'no-header.csv',
        where: 'line 1',
        message: 'missing header: the first line holds numbers, not column names',
        expected: 'a header row naming the columns, e.g. x,y',
        found: '1,2',
      },
    ]);
    expect(await problemsOf(fixture('not-npy.npy'))).toEqual([
      {
        file: 'not-npy.npy',
        where: 'byte 0',
        message: 'missing header: not a NumPy .npy file',
        expected: 'the magic string \\x93NUMPY',
        found: '"hello\\u0000"',
      },
    ]);
  });

  it('unknown column lists the available ones', async () => {
    const t = await readTable(join(CLASS, 'planck-ref_pk.dat'), 'auto', { displayName: 'ref_pk.dat' });
    let err: InputError | undefined;
    try {
      resolveColumn(t, 'PP', 'column');
    } catch (e) {
      err = e as InputError;
    }
    expect(err?.problems).toEqual([
      {
        file: 'ref_pk.dat',
        where: 'line 4',
        message: 'column "PP" does not exist',
        expected: 'one of "k", "P" or a 1-based index up to 2',
        found: '"PP"',
        hint: 'columns are 1:k, 2:P',
      },
    ]);
    expect(err?.message).toBe(
      '1 problem found:\n  ref_pk.dat: line 4: column "PP" does not exist\n    expected: one of "k", "P" or a 1-based index up to 2\n    found:    "PP"\n    hint:     columns are 1:k, 2:P',
    );
    expect(() => resolveColumn(t, 3, 'column')).toThrow('column 3 does not exist: the table has 2 columns');
  });

  it('a missing file', async () => {
    const e = await readTable(join(tmp, 'nope.dat')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe('BATON_FILE_NOT_FOUND');
    expect((e as InputError).problems[0].message).toBe('file not found');
  });
});

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
