#!/usr/bin/env node
/**
 * Start-up (issue 15): zod loads 97 files (65 of them locales) and yaml 72,
 * and every command that reads baton.yaml pays for both: about 0.3 s on a
 * loaded machine, most of `baton status`. This step, run after tsc by
 * `npm run build` (so by `prepare` and `npm pack`), bundles each into one
 * file, dist/vendor/zod.js and dist/vendor/yaml.js, and points the compiled
 * modules' `from 'zod'` / `from 'yaml'` at them.
 *
 * A plain `tsc` afterwards rewrites dist/ with the bare imports again: that
 * is only slower, never wrong, because every compiled module is rewritten in
 * the same pass (one zod instance in a process either way). The sources and
 * the tests keep importing the packages themselves.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const VENDOR = path.join(DIST, 'vendor');
// yaml's "node" entry is CommonJS; its ESM build (the "default" condition) is the same code.
// commander's ESM entry wraps its CommonJS; picomatch is CommonJS (baton uses its default export).
const PACKAGES = {
  zod: 'node_modules/zod/index.js',
  yaml: 'node_modules/yaml/browser/index.js',
  commander: 'node_modules/commander/esm.mjs',
  picomatch: 'node_modules/picomatch/index.js',
};

if (!existsSync(path.join(DIST, 'src'))) {
  console.error('scripts/vendor.mjs: dist/src is missing; run tsc -p tsconfig.json first');
  process.exit(2);
}
const { build } = await import('rolldown');
mkdirSync(VENDOR, { recursive: true });
// zod's namespace exports all of its 60-odd locales; baton's messages are its own and zod speaks English only
// (zod configures `en` itself), so `z.locales` keeps `en` alone.
const onlyEnglish = {
  name: 'zod-english-only',
  load(id) {
    if (/[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/.test(id)) return "export { default as en } from './en.js';\n";
    return null;
  },
};
for (const [name, entry] of Object.entries(PACKAGES)) {
  await build({
    input: path.join(ROOT, entry),
    platform: 'node',
    logLevel: 'silent',
    plugins: [onlyEnglish],
    output: { file: path.join(VENDOR, `${name}.js`), format: 'esm', minify: true },
  });
}

/** Every .js file under dir. */
function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? (p === VENDOR ? [] : jsFiles(p)) : e.name.endsWith('.js') ? [p] : [];
  });
}

const SPEC = new RegExp(`(\\bfrom\\s*|\\bimport\\s*\\(\\s*|\\bimport\\s+)(['"])(${Object.keys(PACKAGES).join('|')})\\2`, 'g');
let changed = 0;
for (const file of jsFiles(DIST)) {
  const text = readFileSync(file, 'utf8');
  if (!Object.keys(PACKAGES).some((p) => text.includes(`'${p}'`) || text.includes(`"${p}"`))) continue;
  let rel = path.relative(path.dirname(file), VENDOR).split(path.sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  const next = text.replace(SPEC, (_m, head, q, name) => `${head}${q}${rel}/${name}.js${q}`);
  if (next !== text) {
    writeFileSync(file, next);
    changed += 1;
  }
}
console.log(`vendored ${Object.keys(PACKAGES).join(', ')} into dist/vendor/ (${changed} compiled modules point at them)`);
