/**
 * The worker-thread path of readTable runs only from compiled JavaScript, so
 * this test compiles oracles/table with tsc and reads large files through it
 * in a child process: same table as on the main thread, same InputError.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTable } from '../../oracles/table/read.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('readTable in a worker thread', () => {
  it('returns the same columns, and rebuilds InputErrors', async () => {
    const out = path.join(ROOT, 'node_modules/.cache/baton-test-table-worker');
    mkdirSync(out, { recursive: true });
    execFileSync(process.execPath, [
      path.join(ROOT, 'node_modules/typescript/bin/tsc'),
      '--outDir',
      out,
      '--rootDir',
      ROOT,
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--strict',
      '--skipLibCheck',
      '--types',
      'node',
      path.join(ROOT, 'oracles/table/index.ts'),
      path.join(ROOT, 'oracles/table/read-worker.ts'),
    ]);
    const dir = mkdtempSync(path.join(tmpdir(), 'baton-table-worker-'));
    const rows = Array.from({ length: 300_000 }, (_, i) => `${(i * 1e-3).toExponential(12)} ${Math.sin(i).toExponential(15)} ${i}`);
    const good = path.join(dir, 'good.dat');
    writeFileSync(good, `# 1:x 2:y 3:n\n${rows.join('\n')}\n`);
    const bad = path.join(dir, 'bad.dat');
    writeFileSync(bad, `# 1:x 2:y 3:n\n${rows.join('\n')}\n1 2 nan\n`);
    const script = `
      import { readTable, WORKER_MIN_BYTES } from ${JSON.stringify(path.join(out, 'oracles/table/read.js'))};
      import { statSync } from 'node:fs';
      const t = await readTable(${JSON.stringify(good)}, 'auto', { worker: true });
      let sum = 0; for (const c of t.columns) for (const v of c) sum += v;
      let err; try { await readTable(${JSON.stringify(bad)}, 'auto', { displayName: 'bad.dat', worker: true }); } catch (e) { err = { name: e.constructor.name, code: e.code, problems: e.problems }; }
      console.log(JSON.stringify({ big: statSync(${JSON.stringify(good)}).size >= WORKER_MIN_BYTES, rows: t.rows, names: t.header.names, sum, last: t.columns[1][t.rows - 1], err }));
    `;
    const scriptFile = path.join(dir, 'read.mjs');
    writeFileSync(scriptFile, script);
    const r = JSON.parse(execFileSync(process.execPath, [scriptFile], { encoding: 'utf8' }));
    const here = await readTable(good, 'auto', { worker: false });
    let sum = 0;
    for (const c of here.columns) for (const v of c) sum += v;
    expect(r.big).toBe(true);
    expect(r.rows).toBe(300_000);
    expect(r.names).toEqual(['x', 'y', 'n']);
    expect(r.sum).toBe(sum);
    expect(r.last).toBe(here.columns[1][here.rows - 1]);
    expect(r.err).toEqual({
      name: 'InputError',
      code: 'BATON_INPUT_INVALID',
      problems: [
        {
          file: 'bad.dat',
          where: 'line 300002, column 3 (n)',
          message: 'non-finite value in column 3 (n) of row 300001: NaN and infinities are refused',
          expected: 'a finite number',
          found: '"nan"',
        },
      ],
    });
  }, 240_000); // tsc on a loaded 2-core machine
});
