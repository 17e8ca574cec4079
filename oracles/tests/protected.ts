/**
 * The workspace files a tests oracle protects. The oracle runs the suite
 * with a runner that reads configuration and hooks from the workspace: a new
 * pytest.ini with `addopts = --deselect`, a conftest.py hook that marks every
 * report passed, a pytest.py that shadows pytest, a vitest.config that
 * excludes the failing file, a package.json whose "test" script writes a
 * green report. Each of those turns the oracle's verdict into the
 * candidate's, without touching a test. So when a spec has a tests oracle,
 * those files are protected too: the worker may not add, change or delete
 * one (files the baseline already has stay, as they were). Whole files are
 * protected, pyproject.toml and package.json included, because a glob
 * cannot protect one section of a file.
 */

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
