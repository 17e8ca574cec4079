/**
 * The `normalize` expression: a mathjs expression over the reference row's
 * columns (e.g. `sqrt(TT*EE)`) that replaces |reference| as the denominator
 * of relative errors. Common expressions are compiled to plain closures
 * over the column arrays, which evaluate millions of rows quickly; anything
 * else is evaluated by mathjs itself, row by row.
 */
import { parse, type MathNode } from 'mathjs';
import { InputError } from '../../src/errors.js';
import { columnLabel, type Table } from './table.js';

/** The denominator of row `r`, before taking its absolute value. */
export type RowFunction = (row: number) => number;

type Compiled = RowFunction;

const UNARY: Record<string, (a: number) => number> = {
  sqrt: Math.sqrt,
  abs: Math.abs,
  exp: Math.exp,
  log10: Math.log10,
  log2: Math.log2,
  cbrt: Math.cbrt,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
};
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E, tau: 2 * Math.PI };

/** Compiles `expression` over the columns of `table`; `where` names the spec key for messages. */
export function compileRowExpression(expression: string, table: Table, where: string, specFile = 'baton.yaml'): RowFunction {
  let node: MathNode;
  try {
    node = parse(expression);
  } catch (e) {
    throw new InputError([{ file: specFile, where, message: `normalize is not a valid expression: ${(e as Error).message}`, found: expression }], {
      cause: e,
      context: { side: 'spec' },
    });
  }
  const names = table.header?.names ?? [];
  const columnOf = (name: string): number => {
    const i = names.indexOf(name);
    if (i >= 0) return i;
    const m = /^c(\d+)$/.exec(name); // c1, c2, ... address unnamed columns
    if (m && Number(m[1]) >= 1 && Number(m[1]) <= table.columns.length) return Number(m[1]) - 1;
    return -1;
  };
  const symbols = new Set<string>();
  node.traverse((n, path, parent) => {
    if (n.type === 'SymbolNode' && !(parent?.type === 'FunctionNode' && path === 'fn')) symbols.add((n as unknown as { name: string }).name);
  });
  for (const s of symbols) {
    if (columnOf(s) < 0 && !(s in CONSTANTS)) {
      const available = Array.from({ length: table.columns.length }, (_, i) => columnLabel(table, i)).join(', ');
      throw new InputError(
        [
          {
            file: specFile,
            where,
            message: `normalize uses "${s}", which is not a column of the reference ${table.file}`,
            expected: `column names of the reference (${names.join(', ') || `c1 to c${table.columns.length}`})`,
            found: s,
            hint: `columns are ${available}`,
          },
        ],
        { context: { side: 'spec' } },
      );
    }
  }
  const fast = toClosure(node, table, columnOf);
  if (fast) return fast;
  const code = node.compile();
  const used = [...symbols].filter((s) => columnOf(s) >= 0).map((s) => [s, table.columns[columnOf(s)]] as const);
  return (row) => {
    const scope: Record<string, number> = {};
    for (const [s, col] of used) scope[s] = col[row];
    const v = code.evaluate(scope) as unknown;
    return typeof v === 'number' ? v : NaN;
  };
}

/** A closure tree for the arithmetic subset, or null when the expression needs mathjs. */
function toClosure(node: MathNode, table: Table, columnOf: (s: string) => number): Compiled | null {
  const n = node as unknown as {
    type: string;
    value?: unknown;
    name?: string;
    op?: string;
    fn?: { name?: string } | string;
    args?: MathNode[];
    content?: MathNode;
  };
  switch (n.type) {
    case 'ConstantNode':
      if (typeof n.value !== 'number') return null;
      return constant(n.value);
    case 'SymbolNode': {
      const i = columnOf(n.name!);
      if (i >= 0) {
        const col = table.columns[i];
        return (r) => col[r];
      }
      return n.name! in CONSTANTS ? constant(CONSTANTS[n.name!]) : null;
    }
    case 'ParenthesisNode':
      return toClosure(n.content!, table, columnOf);
    case 'OperatorNode': {
      const args = n.args!.map((a) => toClosure(a, table, columnOf));
      if (args.some((a) => a === null)) return null;
      const [a, b] = args as Compiled[];
      if (args.length === 1) {
        if (n.fn === 'unaryMinus') return (r) => -a(r);
        if (n.fn === 'unaryPlus') return a;
        return null;
      }
      if (args.length !== 2) return null;
      switch (n.fn) {
        case 'add':
          return (r) => a(r) + b(r);
        case 'subtract':
          return (r) => a(r) - b(r);
        case 'multiply':
          return (r) => a(r) * b(r);
        case 'divide':
          return (r) => a(r) / b(r);
        case 'pow':
          return (r) => a(r) ** b(r);
        default:
          return null;
      }
    }
    case 'FunctionNode': {
      const name = typeof n.fn === 'string' ? n.fn : n.fn?.name;
      const args = n.args!.map((a) => toClosure(a, table, columnOf));
      if (name === undefined || args.some((a) => a === null)) return null;
      const [a, b] = args as Compiled[];
      if (args.length === 1 && name in UNARY) {
        const f = UNARY[name];
        return (r) => f(a(r));
      }
      if (name === 'log' && args.length === 1) return (r) => Math.log(a(r));
      if (name === 'log' && args.length === 2) return (r) => Math.log(a(r)) / Math.log(b(r));
      if (name === 'pow' && args.length === 2) return (r) => a(r) ** b(r);
      if ((name === 'max' || name === 'min') && args.length >= 1) {
        const fs = args as Compiled[];
        const f = name === 'max' ? Math.max : Math.min;
        return (r) => f(...fs.map((g) => g(r)));
      }
      return null;
    }
    default:
      return null;
  }
}

function constant(v: number): Compiled {
  return () => v;
}
