/**
 * Issue 15, fast where a person waits: `baton status` took 10x a bare
 * `node -e 0`, because the CLI's entry module imported every command's
 * modules (Docker's client, the model SDK, mathjs, vega) before parsing its
 * arguments. Each command now imports what it runs when it runs. This test
 * walks the static import graph of the sources from the entry module and
 * from what status/log/check load, and fails when a heavy package comes
 * back into it. `npm run bench -- --only startup` measures the time.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/tmp.js';

/** Packages that cost a person waiting tenths of a second or more to import. */
const HEAVY = [
  'dockerode',
  '@anthropic-ai/sdk',
  'mathjs',
  'vega',
  'vega-lite',
  'vega-embed',
  'playwright-core',
  '@resvg/resvg-js',
  'execa',
  'simple-git',
  'csv-parse',
  'tar-stream',
  'listr2',
  'fast-xml-parser',
  'tap-parser',
];

/** Every package reached from `entry` through static, non-type imports, with the chain that reaches it. */
function staticPackages(entry: string): Map<string, string[]> {
  const seen = new Set<string>();
  const found = new Map<string, string[]>();
  const walk = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(import|export)\s+(?!type\s)([^;]*?)\s+from\s+'([^']+)';?$|^\s*import\s+'([^']+)';?$/gms)) {
      const spec = m[3] ?? m[4];
      if (!spec || /^\{?\s*type\s/.test(m[2] ?? '')) continue;
      const here = [...chain, path.relative(ROOT, file)];
      if (spec.startsWith('.')) {
        const ts = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
        if (existsSync(ts)) walk(ts, here);
      } else if (!spec.startsWith('node:')) {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!found.has(pkg)) found.set(pkg, here);
      }
    }
  };
  walk(path.join(ROOT, entry), []);
  return found;
}

describe('start-up imports', () => {
  const roots = [
    ['the CLI entry module (every command, before it parses its arguments)', 'src/cli/main.ts'],
    ['baton status and log (the experiment and its state)', 'src/run/status.ts'],
    ['baton status, log and check (the spec)', 'src/spec/check.ts'],
  ];
  it.each(roots)('%s reaches no heavy package statically', (_, entry) => {
    const found = staticPackages(entry);
    const heavy = HEAVY.filter((p) => found.has(p)).map((p) => `${p} <- ${found.get(p)!.reverse().join(' <- ')}`);
    expect(heavy).toEqual([]);
  });

  it('the walk sees static imports (it finds commander from the entry and zod from the spec)', () => {
    expect(staticPackages('src/cli/main.ts').has('commander')).toBe(true);
    expect(staticPackages('src/spec/check.ts').has('zod')).toBe(true);
  });
});
