/**
 * Issue 14: imports between src/ and the top-level oracles/ go one way. A
 * kind imports the contract and shared helpers from src/; src/ reaches a kind
 * only through src/oracles/registry.ts (descriptors, and the oracles behind
 * their lazy load()) and src/oracles/specs.ts (the kinds' spec schemas). A
 * kind never imports the registry: it would see every other kind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/tmp.js';

/** Every .ts file under a folder of the repository, relative to the root. */
function tsFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

/** The files a module imports (static, type-only and lazy), relative to the root. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.[^']+)'/g)].map((m) => m[1]);
  return specs.map((s) => path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), s)).replace(/\.js$/, '.ts'));
}

describe('imports between src/ and oracles/', () => {
  const ALLOWED = ['src/oracles/registry.ts', 'src/oracles/specs.ts'];

  it('src/ reaches oracles/ only through the registry and the spec schemas list', () => {
    const offenders = tsFiles('src').flatMap((f) =>
      ALLOWED.includes(f)
        ? []
        : importsOf(f)
            .filter((i) => i.startsWith('oracles/'))
            .map((i) => `${f} -> ${i}`),
    );
    expect(offenders).toEqual([]);
  });

  it('no kind imports the registry or the schema list', () => {
    const offenders = tsFiles('oracles').flatMap((f) =>
      importsOf(f)
        .filter((i) => ALLOWED.includes(i))
        .map((i) => `${f} -> ${i}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the scan sees imports (the registry imports every descriptor)', () => {
    expect(importsOf('src/oracles/registry.ts')).toContain('oracles/table/descriptor.ts');
    expect(importsOf('oracles/table/descriptor.ts')).toContain('oracles/table/check-inputs.ts');
  });
});
