/**
 * The import graph of src/ and oracles/ for test/architecture.test.ts, read
 * with the TypeScript parser (so comments and strings that look like imports
 * are not counted), and the two questions asked of it: cycles, and chains
 * from a pure module to I/O.
 */
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import ts from 'typescript';
import { ROOT } from './tmp.js';

export interface Import {
  /** The resolved module: a repo-relative path for our files, the package or `node:` name otherwise. */
  target: string;
  /**
   * `type`: erased at compile time (`import type`, `export type`, every named binding `type`, `import('x').T`);
   * `lazy`: a dynamic `import()`, loaded when the code runs; `value`: loaded with the module.
   */
  kind: 'value' | 'type' | 'lazy';
  line: number;
}

export interface Module {
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

export interface ParseOptions {
  /** Globals whose use is recorded in `Module.globals`. */
  globals: ReadonlySet<string>;
  /** Maps a relative specifier to our file (default: the file on disk, `./x.js` being `./x.ts`). */
  resolve?: (from: string, spec: string) => string | undefined;
}

/**
 * Every import of one file: static, re-exports, dynamic `import()`, and
 * `import('x')` in types; `resolve` maps a relative specifier to our file.
 */
export function parseModule(file: string, text: string, opts: ParseOptions): Module {
  const resolve = opts.resolve ?? resolveOnDisk;
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
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      raw.push({ spec: node.moduleReference.expression.text, kind: node.isTypeOnly ? 'type' : 'value', line: lineOf(source, node) });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      // A computed specifier cannot be checked, so it is refused rather than skipped.
      raw.push({
        spec: arg && ts.isStringLiteralLike(arg) ? arg.text : `<computed import() at ${file}:${lineOf(source, node)}>`,
        kind: 'lazy',
        line: lineOf(source, node),
      });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      raw.push({ spec: node.argument.literal.text, kind: 'type', line: lineOf(source, node) });
    } else if (ts.isIdentifier(node) && opts.globals.has(node.text) && isFreeReference(node)) {
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

/** A name used as a value of its own: not `x.process`, `{ process: 1 }`, a declaration named process, or a type. */
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

/** The import graph of the TypeScript files under `dirs` (from the repository root). */
export function importGraph(dirs: string[], globals: ReadonlySet<string>): Map<string, Module> {
  const files = dirs.flatMap(sourceFiles);
  return new Map(files.map((f) => [f, parseModule(f, fs.readFileSync(path.join(ROOT, f), 'utf8'), { globals })]));
}

/** One cycle per strongly connected component of more than one module (or a module importing itself), as a path. */
export function findCycles(graph: Map<string, Module>, follow: (i: Import) => boolean): string[][] {
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
export function describeCycle(graph: Map<string, Module>, cycle: string[]): string {
  return cycle
    .map((file, i) => {
      const to = cycle[i + 1];
      if (to === undefined) return file;
      const imports = graph.get(file)!.imports.filter((imp) => imp.target === to);
      return `${file}:${imports[0].line} ${imports.some((imp) => imp.kind === 'value') ? '->' : `-${imports[0].kind}->`}`;
    })
    .join(' ');
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
export function impurities(graph: Map<string, Module>, isPure: (file: string) => boolean, isIo: (external: string) => boolean): string[] {
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
      if (!own && (isIo(imp.target) || imp.target.startsWith('<computed'))) found = [file, `${imp.target} (line ${imp.line})`];
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
