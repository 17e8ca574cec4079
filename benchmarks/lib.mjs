// Shared helpers of the benchmark scripts (benchmarks/run.mjs and the ones it runs).
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `--name value` from argv, or the fallback. */
export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Linear-interpolated quantile, as benchmarks/sandbox.mjs computes it. */
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}

export const stats = (xs) => ({ n: xs.length, p50: quantile(xs, 0.5), p95: quantile(xs, 0.95), min: Math.min(...xs), max: Math.max(...xs) });

/** The load of the machine, to print beside wall-time ratios. */
export function machine() {
  return { cpus: availableParallelism(), loadavg: loadavg().map((l) => Number(l.toFixed(2))) };
}

/** Imports a module of the built dist/ (run `npx tsc -p tsconfig.json` first; benchmarks/run.mjs does). */
export async function dist(rel) {
  const file = path.join(ROOT, 'dist', rel);
  if (!existsSync(file)) throw new SetupError(`${path.relative(ROOT, file)} is missing: run \`npx tsc -p tsconfig.json\` first`);
  return import(pathToFileURL(file).href);
}

export class SetupError extends Error {}

/** Exits 2 when docker or the image is missing. */
export function requireDocker(image = 'baton-base') {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 30_000 });
  } catch {
    throw new SetupError('no Docker engine: `docker info` fails (start dockerd)');
  }
  try {
    execFileSync('docker', ['image', 'inspect', image], { stdio: 'ignore' });
  } catch {
    throw new SetupError(`image ${image} is missing: run \`baton sandbox build\` first`);
  }
}

/** Writes the JSON result when --json FILE was given; exits 0 (met) or 1 (missed). */
export function finish(result) {
  const out = arg('json');
  if (out) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.exit(result.met ? 0 : 1);
}

/** Runs main(); a SetupError (or any crash) exits 2. */
export function main(fn) {
  fn().catch((e) => {
    console.error(e instanceof SetupError ? `setup error: ${e.message}` : e);
    process.exit(2);
  });
}

export const ms = (x) => `${Math.round(x)} ms`;
