/**
 * The workspace paths a worker may not change: the spec's `protected` globs
 * plus defaults that follow from its oracles. Pure.
 *
 * A tests oracle runs the suite with a runner that reads configuration and
 * hooks from the workspace: a new pytest.ini with `addopts = --deselect`, a
 * conftest.py hook that marks every report passed, a pytest.py that shadows
 * pytest, a vitest.config that excludes the failing file, a package.json
 * whose "test" script writes a green report. Each of those turns the
 * oracle's verdict into the candidate's, without touching a test. So when a
 * spec has a tests oracle, those files are protected too: the worker may not
 * add, change or delete one (files the baseline already has stay, as they
 * were). Whole files are protected, pyproject.toml and package.json
 * included, because a glob cannot protect one section of a file.
 */
import type { Spec } from './schema.js';

/** Test-runner configuration and import-shadowing files, as picomatch globs matched with `dot: true`. */
export const TEST_RUNNER_FILES: readonly string[] = [
  // pytest: configuration it discovers, hooks it imports, the module itself
  '**/pytest.ini',
  '**/.pytest.ini',
  '**/pytest.toml',
  '**/.pytest.toml',
  '**/pyproject.toml',
  '**/setup.cfg',
  '**/tox.ini',
  '**/conftest.py',
  // Python imports a package folder, an extension module or a cached bytecode file in place of X.py:
  // `conftest/__init__.py` shadows a protected conftest.py (red team, verified end to end).
  '**/conftest/**',
  '**/conftest.*',
  '**/__pycache__/**',
  '**/*.pyc',
  '**/pytest.py',
  '**/pytest/**',
  '**/_pytest/**',
  // Python start-up: imported or executed by `site` before any test
  '**/sitecustomize.py',
  '**/usercustomize.py',
  '**/*.pth',
  // JavaScript runners: their configuration, the transforms they apply, the scripts that start them
  '**/vitest.config.*',
  '**/vitest.workspace.*',
  '**/vitest.setup.*',
  '**/vite.config.*',
  '**/jest.config.*',
  '**/jest.setup.*',
  '**/.mocharc*',
  '**/babel.config.*',
  '**/.babelrc*',
  '**/package.json',
  '**/node_modules/**',
];

/** Globs protected because of the spec's oracles (not written in `protected`). */
export function defaultProtected(spec: Pick<Spec, 'oracles'>): string[] {
  return spec.oracles.some((o) => o.kind === 'tests') ? [...TEST_RUNNER_FILES] : [];
}

/**
 * What else Python imports in place of a protected module `X.py`: the
 * package `X/`, an extension module `X.so` / `X.<tag>.so`, and its cached
 * bytecode. Protecting `grader.py` alone lets `grader/__init__.py` shadow it.
 */
export function moduleShadows(glob: string): string[] {
  if (!glob.endsWith('.py')) return [];
  const stem = glob.slice(0, -3);
  const slash = stem.lastIndexOf('/');
  const dir = slash >= 0 ? stem.slice(0, slash + 1) : '';
  const name = stem.slice(slash + 1);
  return [`${stem}/**`, `${stem}.so`, `${stem}.*.so`, `${stem}.pyd`, `${dir}__pycache__/${name}.*`];
}

/** Every protected glob of the spec: its own (with the Python modules that would shadow them), then the defaults its oracles add. */
export function protectedGlobs(spec: Pick<Spec, 'oracles' | 'protected'>): string[] {
  return [...new Set([...spec.protected, ...spec.protected.flatMap(moduleShadows), ...defaultProtected(spec)])];
}
