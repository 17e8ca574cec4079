/**
 * The architecture as a test (issue 14; docs/ARCHITECTURE.md is the map): the
 * import graph of src/ and oracles/ has no cycles, and the pure modules (the
 * judge, report content, prompt assembly, oracle comparison maths) reach no
 * I/O module. Imports are read with the TypeScript parser, so comments,
 * strings and template text that look like imports are not counted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinModules } from 'node:module';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/tmp.js';

/**
 * The pure modules: folders (ending in `/`) or files. Each may import only
 * modules that themselves reach no I/O, through any chain of value imports.
 * A new module in a pure folder is pure too; a new report writer belongs
 * outside this list (next to generate.ts), not in it.
 */
const PURE = [
  // the judge: verdicts, keep policies, stall detection
  'src/judge/',
  // report content: the model, the text, the numbers, the chart specs (the writers, not here:
  // generate.ts, regenerate.ts, render.ts, png-pool.ts, out-dir.ts)
  'src/report/markdown.ts',
  'src/report/html.ts',
  'src/report/model.ts',
  'src/report/summary.ts',
  'src/report/format.ts',
  'src/report/units.ts',
  'src/report/metric-unit.ts',
  'src/report/series.ts',
  'src/report/decimate.ts',
  'src/report/csv.ts',
  'src/report/notes.ts',
  'src/report/charts.ts',
  'src/report/cost-chart.ts',
  'src/report/error-chart.ts',
  'src/report/tests-chart.ts',
  'src/report/timeline-chart.ts',
  'src/report/theme.ts',
  'src/report/icons.ts',
  'src/report/text-width.ts',
  'src/report/oracle-sections.ts',
  'src/number-format.ts',
  'oracles/table/report.ts',
  'oracles/benchmark/report.ts',
  'oracles/benchmark/chart.ts',
  'oracles/tests/report.ts',
  'oracles/browser/report.ts',
  // prompt assembly: what a session and the model judge are shown, from text the caller read
  'src/workspace/prompt.ts',
  'src/workspace/prompt-file.ts',
  'src/workspace/progress.ts',
  'src/workspace/state-files.ts',
  'src/workspace/text.ts',
  'src/workers/judge-diff.ts',
  // oracle comparison maths: tables, benchmark statistics, test results
  'oracles/table/compare.ts',
  'oracles/table/align.ts',
  'oracles/table/stats.ts',
  'oracles/table/number.ts',
  'oracles/table/normalize.ts',
  'oracles/table/coverage.ts',
  'oracles/table/validate.ts',
  'oracles/benchmark/stats.ts',
  'oracles/benchmark/mann-whitney.ts',
  'oracles/benchmark/compare.ts',
  'oracles/benchmark/output-compare.ts',
  'oracles/benchmark/prng.ts',
  'oracles/tests/results.ts',
  'oracles/tests/junit.ts',
  'oracles/tests/tap.ts',
  'oracles/browser/verdict.ts',
  'oracles/command/parse-metrics.ts',
  // other decisions whose opening comment says pure, held to it
  'src/ledger/query.ts',
  'src/spec/validate.ts',
  'src/spec/credentials.ts',
  'src/spec/protected.ts',
  'src/workers/pricing.ts',
  'src/run/active-time.ts',
  'src/sandbox/isolation.ts',
  'src/sandbox/docker-options.ts',
  'src/sandbox/local-args.ts',
  'src/sandbox/sweep.ts',
  'src/sandbox/env.ts',
  'src/sandbox/exec-outcome.ts',
  'oracles/command/check.ts',
];

/**
 * Packages and node modules that touch the world: files, processes, the
 * network, threads, the host. `node:os` is here because its answers (CPUs,
 * temp dir, user) depend on the machine, which a pure decision must not.
 */
const IO_EXTERNALS = new Set([
  'node:fs',
  'node:fs/promises',
  'node:child_process',
  'node:net',
  'node:dgram',
  'node:dns',
  'node:tls',
  'node:http',
  'node:https',
  'node:http2',
  'node:worker_threads',
  'node:cluster',
  'node:readline',
  'node:os',
  'node:process',
  'dockerode',
  'execa',
  'simple-git',
  'playwright-core',
  '@anthropic-ai/sdk',
  'listr2',
  '@resvg/resvg-js', // reads the machine's fonts
]);

/** Globals that reach the world without an import; a pure module names none of them. */
const IO_GLOBALS = new Set(['process', 'fetch', 'require']);

interface Import {
  /** The resolved module: a repo-relative path for our files, the package or `node:` name otherwise. */
  target: string;
  /**
   * `type`: erased at compile time (`import type`, `export type`, every named binding `type`, `import('x').T`);
   * `lazy`: a dynamic `import()`, loaded when the code runs; `value`: loaded with the module.
   */
  kind: 'value' | 'type' | 'lazy';
  line: number;
}

interface Module {
  file: string;
  imports: Import[];
  /** Lines that use an I/O global, e.g. `process.env` at 12. */
  globals: { name: string; line: number }[];
}

const NODE_BUILTINS = new Set(builtinModules);

/** `fs` and `node:fs` are one module; `fs/promises` keeps its subpath. */
function externalName(spec: string): string {
  if (spec.startsWith('node:')) return spec;
  if (NODE_BUILTINS.has(spec)) return `node:${spec}`;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Our file that a relative specifier names (`./x.js` is `./x.ts` on disk), as a path from the root, or undefined when none exists. */
function resolveOnDisk(from: string, spec: string): string | undefined {
  const abs = path.resolve(path.dirname(path.join(ROOT, from)), spec);
  const candidates = [abs.replace(/\.js$/, '.ts'), abs, `${abs}.ts`, path.join(abs, 'index.ts')];
  const hit = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
  return hit && path.relative(ROOT, hit).split(path.sep).join('/');
}

function lineOf(source: ts.SourceFile, node: ts.Node): number {
  return source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
}

/**
 * Every import of one file: static, re-exports, dynamic `import()`, and
 * `import('x')` in types; `resolve` maps a relative specifier to our file.
 */
function parseModule(file: string, text: string, resolve: (from: string, spec: string) => string | undefined = resolveOnDisk): Module {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const raw: { spec: string; kind: Import['kind']; line: number }[] = [];
  const globals: Module['globals'] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      raw.push({ spec: node.moduleSpecifier.text, kind: typeOnly ? 'type' : 'value', line: lineOf(source, node) });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      const typeOnly = node.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly));
      raw.push({ spec: node.moduleSpecifier.text, kind: typeOnly ? 'type' : 'value', line: lineOf(source, node) });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      raw.push({ spec: node.moduleReference.expression.text, kind: node.isTypeOnly ? 'type' : 'value', line: lineOf(source, node) });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      // A computed specifier cannot be checked, so it is refused rather than skipped.
      raw.push({ spec: arg && ts.isStringLiteralLike(arg) ? arg.text : `<computed import() at ${file}:${lineOf(source, node)}>`, kind: 'lazy', line: lineOf(source, node) });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      raw.push({ spec: node.argument.literal.text, kind: 'type', line: lineOf(source, node) });
    } else if (ts.isIdentifier(node) && IO_GLOBALS.has(node.text) && isFreeReference(node)) {
      globals.push({ name: node.text, line: lineOf(source, node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const imports = raw.map(({ spec, kind, line }): Import => {
    if (!spec.startsWith('.') && !spec.startsWith('<')) return { target: externalName(spec), kind, line };
    if (spec.startsWith('<')) return { target: spec, kind, line };
    const target = resolve(file, spec);
    if (!target) throw new Error(`${file}:${line}: import "${spec}" names no file`);
    return { target, kind, line };
  });
  return { file, imports, globals };
}

/** `process` as a value of its own, not `x.process`, `{ process: 1 }` or a declaration named process. */
function isFreeReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isPropertySignature(p) || ts.isMethodDeclaration(p)) && p.name === id) return false;
  if ((ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isFunctionDeclaration(p) || ts.isBindingElement(p)) && p.name === id) return false;
  if (ts.isQualifiedName(p) || ts.isTypeReferenceNode(p)) return false; // NodeJS.Process and friends are types
  return true;
}

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.ts') && !d.name.endsWith('.d.ts'))
    .map((d) => path.relative(ROOT, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort();
}

/** The import graph of src/ and oracles/. */
function importGraph(): Map<string, Module> {
  const files = [...sourceFiles('src'), ...sourceFiles('oracles')];
  return new Map(files.map((f) => [f, parseModule(f, fs.readFileSync(path.join(ROOT, f), 'utf8'))]));
}

/** One cycle per strongly connected component of more than one module (or a module importing itself), as a path. */
function findCycles(graph: Map<string, Module>, follow: (i: Import) => boolean): string[][] {
  const next = (f: string): string[] => [...new Set((graph.get(f)?.imports ?? []).filter((i) => follow(i) && graph.has(i.target)).map((i) => i.target))];
  // Tarjan's algorithm, iterative so a deep graph cannot overflow the stack.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; edges: string[]; at: number }[] = [];
    const enter = (node: string): void => {
      index.set(node, counter);
      low.set(node, counter++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, edges: next(node), at: 0 });
    };
    enter(root);
    while (work.length) {
      const top = work[work.length - 1];
      if (top.at < top.edges.length) {
        const to = top.edges[top.at++];
        if (!index.has(to)) enter(to);
        else if (onStack.has(to)) low.set(top.node, Math.min(low.get(top.node)!, index.get(to)!));
        continue;
      }
      work.pop();
      if (work.length) low.set(work[work.length - 1].node, Math.min(low.get(work[work.length - 1].node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let n: string;
        do {
          n = stack.pop()!;
          onStack.delete(n);
          component.push(n);
        } while (n !== top.node);
        if (component.length > 1 || next(top.node).includes(top.node)) components.push(component.sort());
      }
    }
  }
  // A shortest way from the component's first module back to itself, through the component.
  return components.map((component) => {
    const inside = new Set(component);
    const start = component[0];
    const from = new Map<string, string>();
    const queue = [start];
    while (queue.length) {
      const n = queue.shift()!;
      for (const to of next(n).filter((t) => inside.has(t))) {
        if (to === start) {
          const cycle = [start];
          for (let c: string | undefined = n; c !== undefined && c !== start; c = from.get(c)) cycle.splice(1, 0, c);
          return [...cycle, start];
        }
        if (!from.has(to)) {
          from.set(to, n);
          queue.push(to);
        }
      }
    }
    return component;
  });
}

/** A cycle as text, each module with the line of its import of the next, and `type` where only types are imported: `a.ts:3 -> b.ts:7 -type-> a.ts`. */
function describeCycle(graph: Map<string, Module>, cycle: string[]): string {
  return cycle
    .map((file, i) => {
      const to = cycle[i + 1];
      if (to === undefined) return file;
      const imports = graph.get(file)!.imports.filter((imp) => imp.target === to);
      return `${file}:${imports[0].line} ${imports.some((imp) => imp.kind === 'value') ? '->' : `-${imports[0].kind}->`}`;
    })
    .join(' ');
}

function inPureList(file: string): boolean {
  return PURE.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));
}

/**
 * For each pure module, a chain that reaches I/O, e.g. `src/judge/judge.ts -> src/x.ts -> node:fs`.
 *
 * Value imports are followed. A dynamic `import()` of a package or `node:`
 * module counts as I/O wherever it is; a dynamic `import()` of our own module
 * is followed only from a pure module itself. That is the lazy `load()` of an
 * oracle kind's or sandbox kind's descriptor: the descriptor is data a pure
 * module may read (names, metrics, chart specs), and the I/O it could load
 * runs only when the measuring or sandboxing code calls it. A pure module has
 * no business loading code lazily, so there it counts.
 */
function impurities(graph: Map<string, Module>, isPure: (file: string) => boolean = inPureList): string[] {
  // Chains found, by module. A module's clean answer is not kept: inside a
  // cycle it depends on where the search entered, so each pure module gets its own search.
  const memo = new Map<string, string[]>();
  // The first chain from `file` to I/O, depth first, visiting each module once per search.
  const chainFrom = (file: string, seen: Set<string>): string[] | null => {
    if (memo.has(file)) return memo.get(file)!;
    if (seen.has(file)) return null;
    seen.add(file);
    const mod = graph.get(file)!;
    const g = mod.globals[0];
    let found: string[] | null = g ? [file, `${g.name} (global, line ${g.line})`] : null;
    for (const imp of mod.imports) {
      if (found) break;
      if (imp.kind === 'type') continue;
      const own = graph.has(imp.target);
      if (!own && (IO_EXTERNALS.has(imp.target) || imp.target.startsWith('<computed'))) found = [file, `${imp.target} (line ${imp.line})`];
      else if (own && (imp.kind === 'value' || isPure(file))) {
        const rest = chainFrom(imp.target, seen);
        if (rest) found = [file, ...rest];
      }
    }
    if (found) memo.set(file, found);
    return found;
  };
  return [...graph.keys()].filter(isPure).flatMap((f) => {
    const chain = chainFrom(f, new Set());
    return chain ? [chain.join(' -> ')] : [];
  });
}

/** A graph from source texts by file name; `./x.js` names `x.ts` in the same folder. */
function graphOf(files: Record<string, string>): Map<string, Module> {
  const resolve = (from: string, spec: string): string | undefined => {
    const name = path.posix.join(path.posix.dirname(from), spec).replace(/\.js$/, '.ts');
    return name in files ? name : undefined;
  };
  return new Map(Object.entries(files).map(([f, text]) => [f, parseModule(f, text, resolve)]));
}

describe('the checks themselves, on small graphs', () => {
  it('reads every form of import, and only real ones', () => {
    const [m] = graphOf({
      'a.ts': [
        "import * as fs from 'fs';",
        "import type { X } from './b.js';",
        "import { type Y, type Z } from './b.js';",
        "import { type Y2, W } from './b.js';",
        "export { V } from './b.js';",
        "export type { U } from './b.js';",
        "const lazy = () => import('./b.js');",
        "let t: import('node:child_process').ChildProcess;",
        "// import { no } from 'node:net';",
        "const s = \"import 'node:http'\";",
        'const env = process.env; const o = { process: 1 }; o.process;',
      ].join('\n'),
      'b.ts': '',
    }).values();
    expect(m.imports.map((i) => [i.target, i.kind])).toEqual([
      ['node:fs', 'value'],
      ['b.ts', 'type'],
      ['b.ts', 'type'],
      ['b.ts', 'value'],
      ['b.ts', 'value'],
      ['b.ts', 'type'],
      ['b.ts', 'lazy'],
      ['node:child_process', 'type'],
    ]);
    expect(m.globals).toEqual([{ name: 'process', line: 11 }]);
    expect(() => graphOf({ 'a.ts': "import './missing.js';" })).toThrow(/a\.ts:1: import "\.\/missing\.js" names no file/);
  });

  it('finds a cycle through a type-only import and names its path', () => {
    const g = graphOf({ 'a.ts': "import { b } from './b.js';", 'b.ts': "import type { C } from './c.js';", 'c.ts': "import { a } from './a.js';", 'd.ts': "import { a } from './a.js';" });
    expect(findCycles(g, () => true)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    expect(findCycles(g, (i) => i.kind === 'value')).toEqual([]);
    const lazy = graphOf({ 'registry.ts': "import { k } from './kind.js';", 'kind.ts': "export const k = { load: () => import('./impl.js') };", 'impl.ts': "import { r } from './registry.js';" });
    expect(findCycles(lazy, () => true)).toHaveLength(1);
    expect(findCycles(lazy, (i) => i.kind !== 'lazy')).toEqual([]);
    expect(findCycles(graphOf({ 'a.ts': "import './a.js';" }), () => true)).toEqual([['a.ts', 'a.ts']]);
  });

  it('follows a pure module through its helpers to I/O, and names the chain', () => {
    const pure = (f: string): boolean => f.startsWith('pure/');
    const g = graphOf({
      'pure/judge.ts': "import { h } from '../helper.js';\nimport type { Stats } from 'node:fs';",
      'helper.ts': "import { r } from './reader.js';",
      'reader.ts': "\nimport { readFileSync } from 'node:fs';",
      'pure/env.ts': "import { e } from '../env-helper.js';",
      'env-helper.ts': 'export const e = process.env.HOME;',
      'pure/lazy.ts': "export const load = () => import('../light.js');",
      'pure/descriptor-user.ts': "import { kind } from '../descriptor.js';",
      'descriptor.ts': "export const kind = { load: () => import('./reader.js') };",
      'light.ts': "export const x = () => import('execa');",
      'pure/ok.ts': "import { z } from 'zod';\nimport * as path from 'node:path';",
      // b.ts reaches node:fs only through a.ts, which imports it back: found from either side
      'pure/via-a.ts': "import { a } from '../a.js';",
      'pure/via-b.ts': "import { b } from '../b.js';",
      'a.ts': "import { b } from './b.js';\nimport * as fs from 'node:fs';",
      'b.ts': "import { a } from './a.js';",
    });
    expect(impurities(g, pure).sort()).toEqual([
      'pure/env.ts -> env-helper.ts -> process (global, line 1)',
      'pure/judge.ts -> helper.ts -> reader.ts -> node:fs (line 2)',
      'pure/lazy.ts -> light.ts -> execa (line 1)',
      'pure/via-a.ts -> a.ts -> node:fs (line 2)',
      'pure/via-b.ts -> b.ts -> a.ts -> node:fs (line 2)',
    ]);
  });
});

describe('architecture', () => {
  const graph = importGraph();

  it('finds the modules and their imports', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('src/cli/main.ts')!.imports.map((i) => i.target)).toContain('commander');
  });

  it('every pure entry names a module or folder that exists', () => {
    for (const p of PURE) expect(fs.existsSync(path.join(ROOT, p)), p).toBe(true);
  });

  // Type-only imports count: a cycle through a type still means neither module
  // can be read, moved or tested without the other (the six CommandContext
  // cycles of issue 14 were all `import type`). A dynamic import() does not:
  // it is a registry's seam, a descriptor naming the code it loads on first
  // use, and that code may depend on what the registry feeds (the spec's
  // schema is built from the sandbox kinds, and the providers read its types).
  it('has no import cycles, type-only imports included, lazy import() excluded', () => {
    const cycles = findCycles(graph, (i) => i.kind !== 'lazy');
    expect(cycles.map((c) => describeCycle(graph, c))).toEqual([]);
  });

  // Only value imports count here: an erased type import loads nothing, so it cannot do I/O.
  it('the pure modules reach no I/O module, directly or through other modules', () => {
    expect(impurities(graph)).toEqual([]);
  });
});
