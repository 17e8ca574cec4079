/**
 * The architecture as a test (issue 14; docs/ARCHITECTURE.md is the map): the
 * import graph of src/ and oracles/ has no cycles, and the pure modules (the
 * judge, report content, prompt assembly, oracle comparison maths) reach no
 * I/O module. The graph and the two searches are in helpers/import-graph.ts;
 * what counts as pure and as I/O is here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeCycle, findCycles, impurities, importGraph, parseModule, type Module } from './helpers/import-graph.js';
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

function inPureList(file: string): boolean {
  return PURE.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));
}

/** A graph from source texts by file name; `./x.js` names `x.ts` in the same folder. */
function graphOf(files: Record<string, string>): Map<string, Module> {
  const resolve = (from: string, spec: string): string | undefined => {
    const name = path.posix.join(path.posix.dirname(from), spec).replace(/\.js$/, '.ts');
    return name in files ? name : undefined;
  };
  return new Map(Object.entries(files).map(([f, text]) => [f, parseModule(f, text, { globals: IO_GLOBALS, resolve })]));
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
        'const s = "import \'node:http\'";',
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
    const g = graphOf({
      'a.ts': "import { b } from './b.js';",
      'b.ts': "import type { C } from './c.js';",
      'c.ts': "import { a } from './a.js';",
      'd.ts': "import { a } from './a.js';",
    });
    expect(findCycles(g, () => true)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    expect(findCycles(g, (i) => i.kind === 'value')).toEqual([]);
    const lazy = graphOf({
      'registry.ts': "import { k } from './kind.js';",
      'kind.ts': "export const k = { load: () => import('./impl.js') };",
      'impl.ts': "import { r } from './registry.js';",
    });
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
    expect(impurities(g, pure, (m) => IO_EXTERNALS.has(m)).sort()).toEqual([
      'pure/env.ts -> env-helper.ts -> process (global, line 1)',
      'pure/judge.ts -> helper.ts -> reader.ts -> node:fs (line 2)',
      'pure/lazy.ts -> light.ts -> execa (line 1)',
      'pure/via-a.ts -> a.ts -> node:fs (line 2)',
      'pure/via-b.ts -> b.ts -> a.ts -> node:fs (line 2)',
    ]);
  });
});

describe('architecture', () => {
  const graph = importGraph(['src', 'oracles'], IO_GLOBALS);

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
    expect(impurities(graph, inPureList, (m) => IO_EXTERNALS.has(m))).toEqual([]);
  });

  // The CLI is the outermost room: the one place that prints and maps errors to exit codes.
  // A lower room that imports it (as init, demo and the workers once imported src/cli/catalog.ts) turns that around.
  it('nothing outside src/cli/ imports src/cli/', () => {
    const inward = [...graph.values()].flatMap((m) =>
      m.file.startsWith('src/cli/') ? [] : m.imports.filter((i) => i.target.startsWith('src/cli/')).map((i) => `${m.file}:${i.line} -> ${i.target}`),
    );
    expect(inward).toEqual([]);
  });
});
