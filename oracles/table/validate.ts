/**
 * The table oracle's spec rules the schema cannot express: unique table
 * names, an ordered x_range, units only for compared columns. Pure.
 */
import type { Problem } from '../../src/errors.js';
import type { ValidateContext } from '../../src/oracles/descriptor.js';
import type { TableOracleSpec } from '../../src/spec/schema.js';
import { closest } from '../../src/spec/suggest.js';

/** Problems of one table oracle's spec. */
export function validateTables(o: TableOracleSpec, ctx: ValidateContext): Problem[] {
  const { file, at, index: i } = ctx;
  const problems: Problem[] = [];
  const names = new Set<string>();
  o.tables.forEach((t, j) => {
    if (names.has(t.name)) {
      problems.push({ file, where: at(['oracles', i, 'tables', j, 'name']), message: `duplicate table name "${t.name}" in oracle "${o.id}"` });
    }
    names.add(t.name);
    if (t.x_range && !(t.x_range[0] < t.x_range[1])) {
      problems.push({
        file,
        where: at(['oracles', i, 'tables', j, 'x_range']),
        message: 'x_range must be [lo, hi] with lo < hi',
        found: JSON.stringify(t.x_range),
      });
    }
    // A unit for a column that is not compared would label nothing, silently. Columns given by index are named by the file's header, known only when it is read.
    const named = t.columns.filter((c): c is string => typeof c === 'string');
    if (named.length === t.columns.length) {
      for (const key of Object.keys(t.units ?? {})) {
        if (named.includes(key)) continue;
        const guess = closest(key, named);
        problems.push({
          file,
          where: at(['oracles', i, 'tables', j, 'units', key]),
          message: `a unit for "${key}", which is not a compared column`,
          expected: `one of the columns: ${named.join(', ')}`,
          found: JSON.stringify(key),
          ...(guess ? { hint: `did you mean "${guess}"?` } : {}),
        });
      }
    }
  });
  return problems;
}

/**
 * A threshold on a column the table does not compare (`columns: [z]` with a
 * threshold on `...solution.y.max_abs`): the fix is most likely the columns
 * list, not the threshold (trial row 44), so the hint names the list.
 */
export function uncomparedColumnHint(o: TableOracleSpec, parts: string[], at: (path: (string | number)[]) => string, index: number): string | undefined {
  const [table, column] = parts;
  const j = o.tables.findIndex((t) => t.name === table);
  const t = o.tables[j];
  if (!t || column === undefined || t.columns.map(String).includes(column)) return undefined;
  return `${at(['oracles', index, 'tables', j, 'columns'])} does not list "${column}" (it lists [${t.columns.join(', ')}]): add it there to compare it, or threshold a column it compares`;
}
