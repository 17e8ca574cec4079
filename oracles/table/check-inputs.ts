/**
 * `baton check` for a table oracle: each reference table read by the readers
 * the oracle uses, and its x and compared columns looked up, so a run never
 * starts on a reference it would fail on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Problem } from '../../src/errors.js';
import type { InputsContext } from '../../src/oracles/descriptor.js';
import type { TableOracleSpec } from '../../src/spec/schema.js';
import { asProblems, formatKey } from '../../src/spec/input-problems.js';

/** Problems of one table oracle's reference tables. */
export async function checkTableInputs(o: TableOracleSpec, ctx: InputsContext): Promise<Problem[]> {
  const { index: i, root, specFile, lineOf } = ctx;
  const problems: Problem[] = [];
  // Loaded on first use: the readers (and mathjs behind them) are only needed when a table oracle is checked.
  const { readTable } = await import('./read.js');
  const { resolveColumn } = await import('./table.js');
  for (const [j, t] of o.tables.entries()) {
    const key = ['oracles', i, 'tables', j];
    const abs = path.resolve(root, t.reference);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) continue; // checkFiles names it
    let table;
    try {
      table = await readTable(abs, t.format, { displayName: path.relative(process.cwd(), abs) || t.reference });
    } catch (e) {
      problems.push(
        ...asProblems(e, path.relative(process.cwd(), abs), `the reference of ${specFile} ${formatKey([...key, 'reference'])}${lineOf([...key, 'reference'])}`),
      );
      continue;
    }
    const refs: [string | number, (string | number)[], string][] = [
      [t.x, [...key, 'x'], 'x column'],
      ...t.columns.map((c, k): [string | number, (string | number)[], string] => [c, [...key, 'columns', k], 'column']),
    ];
    for (const [ref, at, what] of refs) {
      try {
        resolveColumn(table, ref, what);
      } catch (e) {
        for (const p of asProblems(e, t.reference, '')) {
          problems.push({ ...p, file: specFile, where: `${formatKey(at)}${lineOf(at)}`, message: `${p.message} (in ${t.reference})` });
        }
      }
    }
  }
  return problems;
}
