import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countTests, flippedTests, parseJUnit, parseTap, testsOracle, type TestResult } from '../../oracles/tests/index.js';
import { countMissingAsFailing, missingTests } from '../../oracles/tests/results.js';
import { judge } from '../../src/judge/judge.js';
import type { LedgerRecord, MeasurementRecord } from '../../src/ledger/record.js';
import { protectedTouched } from '../../src/run/integrity.js';
import { TEST_RUNNER_FILES } from '../../oracles/tests/protected.js';
import { defaultProtected } from '../../src/spec/protected.js';
import { Spec } from '../../src/spec/schema.js';
import { baton } from '../helpers/cli.js';
import { ROOT, tmpDir } from '../helpers/tmp.js';
import { fakeContext, removeFakeContexts } from './host-sandbox.js';

afterAll(removeFakeContexts);

const FIXTURES = path.join(ROOT, 'test', 'fixtures');
const fixture = (rel: string) => readFileSync(path.join(FIXTURES, rel), 'utf8');
const tests = (r: ReturnType<typeof parseJUnit>): TestResult[] => {
  if (!r.ok) throw new Error(r.reason);
  return r.tests;
};

describe('parseJUnit on real pytest 9 output', () => {
  const t = tests(parseJUnit(fixture('junit/pytest.xml')));

  it('counts passed, failed, errors (fixture setup) and skipped (skip and xfail)', () => {
    expect(countTests(t)).toEqual({ passed: 6, failed: 2, errors: 1, skipped: 2, total: 11, pass_rate: 6 / 11 });
  });

  it('keeps a stable id and status per test, with the first message line', () => {
    expect(t.find((x) => x.id === 'test_sample::test_add_wrong')).toEqual({ id: 'test_sample::test_add_wrong', status: 'failed', message: 'assert 4 == 5' });
    expect(t.find((x) => x.id === 'test_sample::test_with_broken_fixture')).toMatchObject({
      status: 'error',
      message: 'failed on setup with "RuntimeError: fixture setup failed"',
    });
    expect(t.find((x) => x.id === 'test_sample::test_skipped')).toMatchObject({ status: 'skipped', message: 'not implemented yet' });
    expect(t.find((x) => x.id === 'test_sample.TestGroup::test_expected_failure')?.status).toBe('skipped');
    expect(t.filter((x) => x.id.startsWith('test_sample::test_square_nonneg[')).map((x) => x.status)).toEqual(['passed', 'passed', 'passed']);
  });

  it('an empty pytest run parses to zero tests', () => {
    expect(tests(parseJUnit(fixture('junit/pytest-empty.xml')))).toEqual([]);
  });
});

describe('parseJUnit on real vitest 4 output', () => {
  it('counts per test, a failing beforeAll as a failed suite case', () => {
    const t = tests(parseJUnit(fixture('junit/vitest.xml')));
    expect(countTests(t)).toEqual({ passed: 3, failed: 3, errors: 0, skipped: 3, total: 9, pass_rate: 3 / 9 });
    expect(t.find((x) => x.id === 'math.test.mjs::math > divides wrongly')).toEqual({
      id: 'math.test.mjs::math > divides wrongly',
      status: 'failed',
      message: 'expected 0.5 to be 0.6 // Object.is equality',
    });
    expect(t.find((x) => x.id === 'hooks.test.mjs::with a failing hook')?.message).toBe('database unavailable');
  });
});

describe('parseJUnit refuses what it cannot trust', () => {
  it.each([
    ['', 'the JUnit report is empty'],
    [
      '<testsuites><testsuite name="x"><testcase name="a"></testsuite>',
      "the JUnit report is not well-formed XML: Expected closing tag 'testcase' (opened in line 1, col 33) instead of closing tag 'testsuite'. (line 1, column 52)",
    ],
    ['<html><body>500</body></html>', 'not a JUnit report: expected a <testsuites> or <testsuite> root element, found html'],
    ['{"tests": 3}', 'the JUnit report is not well-formed XML'],
  ])('%j', (xml, reason) => {
    const r = parseJUnit(xml);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(reason);
  });

  it('a bare <testsuite> root and repeated names are accepted', () => {
    const t = tests(parseJUnit('<testsuite name="s"><testcase name="a"/><testcase name="a"><error message="x"/></testcase></testsuite>'));
    expect(t).toEqual([
      { id: 'a', status: 'passed' },
      { id: 'a#2', status: 'error', message: 'x' },
    ]);
  });
});

describe('parseTap on real node --test output', () => {
  it('counts leaves only, hook failures as errors, todo as skipped', () => {
    const t = tests(parseTap(fixture('tap/node-test.tap')));
    expect(countTests(t)).toEqual({ passed: 2, failed: 2, errors: 1, skipped: 2, total: 7, pass_rate: 2 / 7 });
    expect(t.map((x) => [x.id, x.status])).toEqual([
      ['adds', 'passed'],
      ['fails an assertion', 'failed'],
      ['is skipped', 'skipped'],
      ['is a todo', 'skipped'],
      ['group > passes inside a group', 'passed'],
      ['group > throws inside a group', 'failed'],
      ['with a failing hook > never runs', 'error'],
    ]);
  });

  it('reads TAP 14 buffered subtests as groups of leaves', () => {
    const t = tests(parseTap('TAP version 14\nok 1 - top\nok 2 - group {\n    ok 1 - inner a\n    not ok 2 - inner b\n    1..2\n}\nnot ok 3 - lone\n1..3\n'));
    expect(t.map((x) => [x.id, x.status])).toEqual([
      ['top', 'passed'],
      ['group > inner a', 'passed'],
      ['group > inner b', 'failed'],
      ['lone', 'failed'],
    ]);
  });

  it('a skip-all plan is zero tests', () => {
    expect(tests(parseTap('TAP version 13\n1..0 # skip all\n'))).toEqual([]);
  });

  it('refuses a bail-out, a missing plan, and a plan not met', () => {
    expect(parseTap('TAP version 13\nok 1 - a\nBail out! database down\n')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('the suite bailed out: database down'),
    });
    expect(parseTap('TAP version 13\nok 1 - a\nok 2 - b\n')).toMatchObject({ ok: false, reason: expect.stringContaining('no plan line') });
    expect(parseTap('TAP version 13\n1..5\nok 1 - a\nok 2 - b\n')).toMatchObject({
      ok: false,
      reason: 'the TAP plan 1..5 promises 5 test points but 2 were reported',
    });
    expect(parseTap('')).toEqual({ ok: false, reason: 'the TAP report is empty' });
  });
});

describe('flippedTests', () => {
  it('lists status changes, new and removed tests', () => {
    const before: TestResult[] = [
      { id: 'a', status: 'failed' },
      { id: 'b', status: 'passed' },
      { id: 'c', status: 'passed' },
    ];
    const after: TestResult[] = [
      { id: 'a', status: 'passed' },
      { id: 'b', status: 'passed' },
      { id: 'd', status: 'error' },
    ];
    expect(flippedTests(before, after)).toEqual([
      { id: 'a', from: 'failed', to: 'passed' },
      { id: 'd', from: undefined, to: 'error' },
      { id: 'c', from: 'passed', to: undefined },
    ]);
  });
});

describe('testsOracle', () => {
  it('runs real pytest in the workspace and reports TEST_STATS and per-test status', async () => {
    const { ctx } = fakeContext({
      id: 'unit',
      kind: 'tests',
      run: 'python3 -m pytest -q -p no:cacheprovider --junitxml=$BATON_OUT/junit.xml',
      report: 'junit.xml',
    });
    // a stale report from an earlier run must not be read
    copyFileSync(path.join(FIXTURES, 'junit', 'pytest-green.xml'), path.join(ctx.outDir, 'junit.xml'));
    writeFileSync(path.join(ctx.snapshotDir, 'test_x.py'), 'def test_one():\n    assert 1 + 1 == 2\n\ndef test_two():\n    assert "a" * 2 == "aaa"\n');
    const m = await testsOracle.measure(ctx);
    expect(m.status).toBe('ok');
    expect(m.metrics).toEqual({
      'unit.passed': 1,
      'unit.failed': 1,
      'unit.errors': 0,
      'unit.skipped': 0,
      'unit.total': 2,
      'unit.pass_rate': 0.5,
      'unit.missing': 0,
    });
    expect(m.details.tests).toEqual([
      { id: 'test_x::test_one', status: 'passed' },
      { id: 'test_x::test_two', status: 'failed', message: "AssertionError: assert 'aa' == 'aaa'" },
    ]);
    expect(m.details.exitCode).toBe(1);
  });

  it('reads TAP', async () => {
    const { ctx } = fakeContext({
      id: 'node',
      kind: 'tests',
      format: 'tap',
      run: `cp ${path.join(FIXTURES, 'tap', 'node-test.tap')} $BATON_OUT/r.tap; exit 1`,
      report: 'r.tap',
    });
    const m = await testsOracle.measure(ctx);
    expect(m.status).toBe('ok');
    expect(m.metrics['node.errors']).toBe(1);
    expect(m.metrics['node.total']).toBe(7);
  });

  it('a suite that writes no report is failed, not passed', async () => {
    const { ctx } = fakeContext({ id: 'u', kind: 'tests', run: 'echo all good', report: 'junit.xml' });
    const m = await testsOracle.measure(ctx);
    expect(m.status).toBe('failed');
    expect(m.metrics).toEqual({});
    expect(m.reason).toBe('tests oracle u: the suite wrote no report at $BATON_OUT/junit.xml (exit code 0)');
  });

  it('a suite that ran zero tests is failed', async () => {
    const { ctx } = fakeContext({
      id: 'u',
      kind: 'tests',
      run: `cp ${path.join(FIXTURES, 'junit', 'pytest-empty.xml')} $BATON_OUT/j.xml; exit 5`,
      report: 'j.xml',
    });
    const m = await testsOracle.measure(ctx);
    expect(m).toMatchObject({ status: 'failed', reason: 'tests oracle u: the suite ran zero tests (report $BATON_OUT/j.xml)', metrics: {} });
  });

  it('a suite whose every test was skipped is failed', async () => {
    const { ctx } = fakeContext({
      id: 'u',
      kind: 'tests',
      run: `echo '<testsuite><testcase name="a"><skipped/></testcase></testsuite>' > $BATON_OUT/j.xml`,
      report: 'j.xml',
    });
    expect(await testsOracle.measure(ctx)).toMatchObject({ status: 'failed', reason: 'tests oracle u: all 1 tests were skipped; none ran' });
  });

  it('a malformed report is failed with the parser reason', async () => {
    const { ctx } = fakeContext({ id: 'u', kind: 'tests', run: `printf '<testsuite><testcase name="a">' > $BATON_OUT/j.xml`, report: 'j.xml' });
    const m = await testsOracle.measure(ctx);
    expect(m.status).toBe('failed');
    expect(m.reason).toMatch(/^tests oracle u: \$BATON_OUT\/j.xml: the JUnit report is not well-formed XML: /);
  });

  it('all passed but a non-zero exit is failed: the report may be incomplete', async () => {
    const { ctx } = fakeContext({
      id: 'u',
      kind: 'tests',
      run: `cp ${path.join(FIXTURES, 'junit', 'pytest-green.xml')} $BATON_OUT/j.xml; echo crashed >&2; exit 2`,
      report: 'j.xml',
    });
    const m = await testsOracle.measure(ctx);
    expect(m.status).toBe('failed');
    expect(m.reason).toBe('tests oracle u: the suite exited with code 2 although every reported test passed; the report may be incomplete; stderr: crashed');
  });

  it('a report that is a symbolic link is refused: the host must not read a file the candidate chose', async () => {
    const green = path.join(FIXTURES, 'junit', 'pytest-green.xml');
    const { ctx } = fakeContext({ id: 'u', kind: 'tests', run: `ln -s ${green} $BATON_OUT/j.xml`, report: 'j.xml' });
    expect(await testsOracle.measure(ctx)).toMatchObject({
      status: 'failed',
      reason: 'tests oracle u: $BATON_OUT/j.xml is a symbolic link; the report must be a plain file',
    });
    const { ctx: ctx2 } = fakeContext({ id: 'u', kind: 'tests', run: `ln -s ${path.dirname(green)} $BATON_OUT/reports`, report: 'reports/pytest-green.xml' });
    expect(await testsOracle.measure(ctx2)).toMatchObject({
      status: 'failed',
      reason: 'tests oracle u: $BATON_OUT/reports/pytest-green.xml resolves outside $BATON_OUT',
    });
  });

  it('a report path outside $BATON_OUT is refused', async () => {
    const { ctx } = fakeContext({ id: 'u', kind: 'tests', run: 'true', report: '../escape.xml' });
    expect(await testsOracle.measure(ctx)).toMatchObject({
      status: 'error',
      reason: 'tests oracle u: report "../escape.xml" must be a file inside $BATON_OUT',
    });
  });

  it('a hanging suite is a timeout', async () => {
    const { ctx } = fakeContext({ id: 'u', kind: 'tests', run: 'sleep 5', report: 'j.xml', timeout: '300ms' });
    expect((await testsOracle.measure(ctx)).status).toBe('timeout');
  });
});

describe('tests that ran in the baseline and did not run now', () => {
  const baseline: TestResult[] = [
    { id: 'a', status: 'passed' },
    { id: 'b', status: 'failed' },
    { id: 'c', status: 'error' },
    { id: 'd', status: 'skipped' },
    { id: 'e', status: 'passed' },
  ];

  it('missingTests names the absent and the newly skipped, never one the baseline skipped', () => {
    const now: TestResult[] = [
      { id: 'a', status: 'passed' },
      { id: 'e', status: 'skipped' },
      { id: 'new', status: 'passed' },
    ];
    expect(missingTests(baseline, now)).toEqual([
      { id: 'b', baseline: 'failed', now: 'absent' },
      { id: 'c', baseline: 'error', now: 'absent' },
      { id: 'e', baseline: 'passed', now: 'skipped' },
    ]);
  });

  it('counted as failing, not running a test never improves a count: pass_rate, failed and errors stay honest', () => {
    const honest: TestResult[] = [
      { id: 'a', status: 'passed' },
      { id: 'b', status: 'failed' },
      { id: 'c', status: 'error' },
      { id: 'e', status: 'passed' },
    ];
    const gamed: TestResult[] = [
      { id: 'a', status: 'passed' },
      { id: 'e', status: 'skipped' },
    ];
    const judged = countMissingAsFailing(gamed, missingTests(baseline, gamed));
    expect(countTests(judged)).toMatchObject({ passed: 1, failed: 2, errors: 1, skipped: 0, total: 4, pass_rate: 0.25 });
    expect(countTests(judged).pass_rate).toBeLessThan(countTests(honest).pass_rate);
    expect(judged.find((t) => t.id === 'b')).toEqual({
      id: 'b',
      status: 'failed',
      message: 'did not run (absent from the report), but it ran in the baseline (failed)',
    });
    expect(judged.find((t) => t.id === 'e')).toEqual({ id: 'e', status: 'failed', message: 'skipped, but it ran in the baseline (passed)' });
  });

  it('the oracle compares with the baseline: a deselected failing test is a failing, named test, not a pass', async () => {
    const { ctx } = fakeContext({
      id: 'unit',
      kind: 'tests',
      run: 'python3 -m pytest -q -p no:cacheprovider --deselect test_x.py::test_two --junitxml=$BATON_OUT/junit.xml test_x.py',
      report: 'junit.xml',
    });
    writeFileSync(path.join(ctx.snapshotDir, 'test_x.py'), 'def test_one():\n    assert True\n\ndef test_two():\n    assert False\n');
    const without = await testsOracle.measure(ctx);
    expect(without.metrics['unit.pass_rate']).toBe(1);
    ctx.baselineDetails = {
      tests: [
        { id: 'test_x::test_one', status: 'passed' },
        { id: 'test_x::test_two', status: 'failed' },
      ],
    };
    const m = await testsOracle.measure(ctx);
    expect(m.status).toBe('ok');
    expect(m.metrics).toMatchObject({ 'unit.passed': 1, 'unit.failed': 1, 'unit.total': 2, 'unit.pass_rate': 0.5, 'unit.missing': 1 });
    expect(m.reason).toBe('tests oracle unit: 1 test that ran in the baseline did not run and counts as failing: test_x::test_two (absent)');
    expect(m.details.missing).toEqual([{ id: 'test_x::test_two', baseline: 'failed', now: 'absent' }]);
  });

  it('the judge reverts a candidate with missing tests, naming them, even when every threshold holds', () => {
    const spec = Spec.parse({
      name: 'x',
      goal: 'g',
      oracles: [{ id: 'unit', kind: 'tests', run: 'true', report: 'j.xml' }],
      thresholds: { 'unit.passed': '>= 1' },
    });
    const measurement: MeasurementRecord = {
      oracle: 'unit',
      status: 'ok',
      metrics: { 'unit.passed': 1 },
      artifacts: [],
      durationMs: 1,
      reason: 'tests oracle unit: 1 test that ran in the baseline did not run and counts as failing: t2 (skipped)',
      details: { missing: [{ id: 't2', baseline: 'passed', now: 'skipped' }] },
    };
    const history = [
      { iteration: 0, phase: 'baseline', metrics: { 'unit.passed': 1 }, verdict: { kind: 'baseline', reason: '' } },
    ] as unknown as LedgerRecord[];
    const v = judge({
      spec,
      history,
      measurements: [measurement],
      metrics: { 'unit.passed': 1 },
      confirmations: 1,
      diff: { changedPaths: ['a.py'], protectedTouched: [], oracleFilesChanged: [] },
    });
    expect(v).toEqual({
      kind: 'revert',
      reason: 'tests oracle unit: 1 test that ran in the baseline did not run and counts as failing: t2 (skipped). Run every test the baseline ran',
    });
  });
});

describe('Python runs with a safe path', () => {
  it('a workspace pytest.py does not shadow pytest under python3 -m pytest', async () => {
    const { ctx } = fakeContext({
      id: 'unit',
      kind: 'tests',
      run: 'python3 -m pytest -q -p no:cacheprovider --junitxml=$BATON_OUT/junit.xml test_x.py',
      report: 'junit.xml',
    });
    writeFileSync(path.join(ctx.snapshotDir, 'test_x.py'), 'def test_one():\n    assert False\n');
    // The forger writes a green report and exits 0 before pytest ever runs.
    writeFileSync(
      path.join(ctx.snapshotDir, 'pytest.py'),
      'import os, sys\nopen(os.path.join(os.environ["BATON_OUT"], "junit.xml"), "w").write(\'<testsuite><testcase classname="test_x" name="test_one"/></testsuite>\')\nsys.exit(0)\n',
    );
    const m = await testsOracle.measure(ctx);
    expect(m.details.tests).toEqual([{ id: 'test_x::test_one', status: 'failed', message: 'assert False' }]);
    expect(m.metrics['unit.pass_rate']).toBe(0);
  });
});

describe('test-runner files are protected by default when a tests oracle exists', () => {
  const withTests = Spec.parse({
    name: 'x',
    goal: 'g',
    protected: ['tests/**'],
    oracles: [{ id: 'unit', kind: 'tests', run: 'true', report: 'j.xml' }],
    thresholds: { 'unit.pass_rate': '>= 1' },
  });
  const withoutTests = Spec.parse({ name: 'x', goal: 'g', oracles: [{ id: 'c', kind: 'command', run: 'true' }], thresholds: { 'c.x': '>= 1' } });

  it.each([
    'pytest.ini',
    'sub/pytest.ini',
    '.pytest.ini',
    'pyproject.toml',
    'setup.cfg',
    'tox.ini',
    'conftest.py',
    'src/pkg/conftest.py',
    'pytest.py',
    'pytest/__init__.py',
    '_pytest/runner.py',
    'sitecustomize.py',
    'lib/usercustomize.py',
    'evil.pth',
    'a/b/evil.pth',
    'vitest.config.ts',
    'vitest.config.mjs',
    'vite.config.js',
    'jest.config.cjs',
    '.mocharc.yml',
    '.mocharc.json',
    'babel.config.js',
    '.babelrc',
    'package.json',
    'web/package.json',
    'node_modules/vitest/index.js',
  ])('%s is tamper', (p) => {
    expect(protectedTouched(withTests, [p, 'solution.py'])).toEqual([p]);
  });

  it('baton check and PROMPT.md of a tests experiment name them', async () => {
    const cwd = tmpDir();
    expect((await baton(['init', 'exp', '-t', 'tests'], { cwd })).exitCode).toBe(0);
    const check = await baton(['check', 'exp'], { cwd });
    expect(check.exitCode, String(check.stderr)).toBe(0);
    expect(String(check.stdout).split('\n')[1]).toBe(
      `protected by default (tests oracle: test-runner configuration and shadowing files): ${TEST_RUNNER_FILES.join(' ')}`,
    );
    expect(readFileSync(path.join(cwd, 'exp', 'workspace', 'PROMPT.md'), 'utf8')).toContain('`**/conftest.py`, `**/conftest/**`');
  });

  it("the spec's own globs stay, code stays free, and a spec without a tests oracle gets no defaults", () => {
    expect(protectedTouched(withTests, ['tests/test_a.py', 'sortlib.py', 'src/conftest_helpers.py', 'docs/pytest.md'])).toEqual(['tests/test_a.py']);
    expect(defaultProtected(withTests)).toEqual(TEST_RUNNER_FILES);
    expect(defaultProtected(withoutTests)).toEqual([]);
    expect(protectedTouched(withoutTests, ['conftest.py'])).toEqual([]);
  });
});
