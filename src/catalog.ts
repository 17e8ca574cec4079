/**
 * The names the CLI's help text lists (templates, bundled experiments, worker
 * kinds), read without importing the modules that use them: `baton status`
 * must not pay for the worker SDK or git just to describe `baton run`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from './package-root.js';

/** The worker kinds `baton run --worker` accepts (src/workers/index.ts checks against the same list). */
export const WORKER_KINDS = ['anthropic', 'command', 'replay'] as const;

export const TEMPLATES_DIR = path.join(PACKAGE_ROOT, 'templates');
export const EXPERIMENTS_DIR = path.join(PACKAGE_ROOT, 'experiments');

/** Names of the built-in templates. */
export function templateNames(): string[] {
  return fs
    .readdirSync(TEMPLATES_DIR)
    .filter((n) => fs.statSync(path.join(TEMPLATES_DIR, n)).isDirectory())
    .sort();
}

/** The bundled experiments (folders of experiments/ with a baton.yaml). */
export function bundledExperiments(): string[] {
  if (!fs.existsSync(EXPERIMENTS_DIR)) return [];
  return fs
    .readdirSync(EXPERIMENTS_DIR)
    .filter((n) => fs.existsSync(path.join(EXPERIMENTS_DIR, n, 'baton.yaml')))
    .sort();
}
