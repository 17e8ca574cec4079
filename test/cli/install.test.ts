/**
 * Issue 15: baton installed as a user installs it. The registry's `baton` is
 * another package (a newcomer's `npx baton` fetched it and failed), so baton
 * is published as baton-harness with the `baton` command. Packs the package
 * (npm pack builds it through `prepare`), installs the tarball in a fresh
 * folder as a user's project would, and runs init, check, measure and run
 * through `npx baton-harness` from a folder of that project; then runs the
 * tarball through `npx --package` from a folder that has no project at all.
 *
 * Slow (a pack, two installs from the npm cache or registry, a real run in
 * Docker): a few minutes. The pack is made from a copy of the checkout, so the
 * build it runs never rewrites the dist/ other tests are using.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerReady } from '../sandbox/guard.js';
import { ROOT, tmpDir } from '../helpers/tmp.js';

const exec = promisify(execFile);
const SLOW = 15 * 60_000;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function sh(cmd: string, args: string[], cwd: string, timeout = 10 * 60_000): Promise<Result> {
  try {
    const r = await exec(cmd, args, { cwd, timeout, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

const NPM_QUIET = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
const tmp = tmpDir('baton-install-');
let tarball = '';
let docker = false;

beforeAll(async () => {
  docker = (await dockerReady()).ok;
  // A copy of what npm packs and builds from; node_modules shared (read only) with the checkout.
  const src = path.join(tmp, 'src');
  mkdirSync(src);
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  for (const entry of [
    ...pkg.files.filter((f) => f !== 'dist'),
    'src',
    'oracles',
    'scripts',
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'README.md',
  ]) {
    if (existsSync(path.join(ROOT, entry))) cpSync(path.join(ROOT, entry), path.join(src, entry), { recursive: true });
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(src, 'node_modules'), 'dir');
  const packed = await sh('npm', ['pack', '--pack-destination', tmp, '--loglevel=error'], src);
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  tarball = path.join(tmp, readdirSync(tmp).find((f) => f.endsWith('.tgz'))!);
}, SLOW);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('installed from the packed tarball', () => {
  it('is named baton-harness (free on the registry) and holds the built CLI with its vendored modules', async () => {
    expect(path.basename(tarball)).toMatch(/^baton-harness-\d+\.\d+\.\d+\.tgz$/);
    const list = await sh('tar', ['-tzf', tarball], tmp);
    const files = list.stdout.split('\n');
    for (const f of [
      'package/bin/baton.js',
      'package/dist/src/cli/main.js',
      'package/dist/vendor/zod.js',
      'package/dist/vendor/yaml.js',
      'package/templates/table/baton.yaml',
      'package/docs/design.md',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.some((f) => f.startsWith('package/test/') || f.startsWith('package/src/'))).toBe(false);
  });

  it(
    'npx baton-harness init, check, measure and run work in a project that installed it',
    async () => {
      const app = path.join(tmp, 'app');
      mkdirSync(app);
      writeFileSync(path.join(app, 'package.json'), '{ "name": "my-project", "private": true }\n');
      const installed = await sh('npm', ['install', tarball, ...NPM_QUIET], app);
      expect(installed.code, installed.stderr).toBe(0);
      expect(existsSync(path.join(app, 'node_modules', '.bin', 'baton'))).toBe(true);

      // a folder of the project, not its root: where a user would stand
      const work = path.join(app, 'experiments');
      mkdirSync(work);
      const baton = (...args: string[]) => sh('npx', ['--no-install', 'baton-harness', ...args], work);
      const version = await baton('--version');
      expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);

      const init = await baton('init', 'exp');
      expect(init.code, init.stderr).toBe(0);
      expect(existsSync(path.join(work, 'exp', 'baton.yaml'))).toBe(true);
      const check = await baton('check', 'exp');
      // without an engine, check says baton run would refuse the template's Docker sandbox (exit 2, no "ok")
      if (!docker) {
        expect(check.stderr).toMatch(/sandbox: baton run would refuse on this machine/);
        return;
      }
      expect(check.stdout).toMatch(/^ok: exp:/m);
      expect(check.code, check.stderr).toBe(0);
      const measure = await baton('measure', 'exp');
      // the template's starting solve.py misses the threshold: measured, not met
      expect(measure.code, measure.stderr).toBe(5);
      expect(measure.stdout).toMatch(/accuracy\.solution\.y\.max_rel/);
      const run = await baton('run', 'exp');
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^met: /m);
      expect(existsSync(path.join(work, 'exp', 'workspace', 'reports', 'REPORT.md'))).toBe(true);
      // nothing written beside the experiment
      expect(readdirSync(work)).toEqual(['exp']);
    },
    SLOW,
  );

  it(
    'npx runs the package from a folder with no project (as `npx baton-harness` does after fetching it)',
    async () => {
      const anywhere = path.join(tmp, 'anywhere');
      mkdirSync(anywhere);
      const npx = (...args: string[]) => sh('npx', ['--yes', `--package=${tarball}`, '--', 'baton', ...args], anywhere);
      const init = await npx('init', 'exp', '--template', 'blank');
      expect(init.code, init.stderr).toBe(0);
      const check = await npx('check', 'exp');
      expect(check.stdout).toMatch(/^ok: exp:/m);
      if (docker) expect(check.code, check.stderr).toBe(0);
      expect(readdirSync(anywhere)).toEqual(['exp']);
    },
    SLOW,
  );
});
