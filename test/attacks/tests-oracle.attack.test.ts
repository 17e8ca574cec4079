/**
 * Attacks on the tests oracle (security audit, issue 12), each a real
 * `baton run` with the replay worker against real Docker and git: one
 * session plays the attack, and the verdict must not be keep or met.
 *
 *  (a) a new pytest.ini whose addopts deselects the failing test
 *  (b) a root conftest.py hook that marks every report passed
 *  (c) a workspace pytest.py that writes a green report instead of pytest
 *  (c') a workspace argparse.py (not a protected name) shadowing the
 *      standard library module pytest imports: only the safe path stops it
 *  (d) in a spec that forgot to protect tests/, the failing test deleted
 *      and another one skipped
 *
 * Each fails without its defence: (a), (b), (c) without the default
 * protection of test-runner files; (c') without PYTHONSAFEPATH; (d)
 * without the comparison of test ids with the baseline. Skips with a
 * notice without an engine; fails instead when BATON_REQUIRE_DOCKER=1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { LedgerRecord } from '../../src/ledger/record.js';
import { readJsonl } from '../../src/state/jsonl.js';
import { Repo } from '../../src/workspace/git.js';
import { BATON_BIN } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { dockerReady } from '../sandbox/guard.js';

const ready = await dockerReady();

/** The code under test: add is wrong, so test_add fails in the baseline; sub is right. */
const CALC_PY = 'def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n';

const TEST_CALC_PY = `from calc import add, sub


def test_add():
    assert add(2, 3) == 5


def test_sub():
    assert sub(5, 3) == 2


def test_sub_negative():
    assert sub(3, 5) == -2
`;

/** The baseline has a conftest.py of its own: the file may exist, the worker may not change it. */
const CONFTEST_PY = `import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
`;

/** The green JUnit report a forger writes: every test of the baseline, passed. */
const FORGE = `import os, sys
cases = "".join('<testcase classname="tests.test_calc" name="%s"/>' % n for n in ("test_add", "test_sub", "test_sub_negative"))
with open(os.path.join(os.environ["BATON_OUT"], "junit.xml"), "w") as f:
    f.write('<testsuites><testsuite name="pytest" tests="3">%s</testsuite></testsuites>' % cases)
print("3 passed")
sys.exit(0)
`;

interface Attack {
  summary: string;
  steps: Record<string, string>[];
  protect?: string[];
  thresholds?: Record<string, string>;
}

/** Writes an experiment whose one replay session plays `attack`, runs `baton run` on it, and returns its ledger. */
async function runAttack(attack: Attack): Promise<{ dir: string; ledger: LedgerRecord[]; stdout: string; stderr: string }> {
  const dir = path.join(tmpDir('baton-tests-attack-'), 'exp');
  const ws = path.join(dir, 'workspace');
  fs.mkdirSync(path.join(ws, 'tests'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'calc.py'), CALC_PY);
  fs.writeFileSync(path.join(ws, 'conftest.py'), CONFTEST_PY);
  fs.writeFileSync(path.join(ws, 'tests', 'test_calc.py'), TEST_CALC_PY);
  const thresholds = attack.thresholds ?? { 'tests.pass_rate': '>= 1' };
  fs.writeFileSync(
    path.join(dir, 'baton.yaml'),
    [
      'name: tests-attack',
      'goal: make every test in tests/ pass',
      `protected: ${JSON.stringify(attack.protect ?? ['tests/**'])}`,
      'oracles:',
      '  - id: tests',
      '    kind: tests',
      '    run: python3 -m pytest -q -p no:cacheprovider --junitxml=$BATON_OUT/junit.xml tests',
      '    report: junit.xml',
      '    timeout: 1m',
      'thresholds:',
      ...Object.entries(thresholds).map(([m, t]) => `  ${m}: ${JSON.stringify(t)}`),
      'judge: { keep: improve, confirm: 1, stall_after: 4 }',
      'worker: { kind: replay, script: replay.yaml }',
      'budget: { iterations: 1, time: 10m, session: { time: 2m } }',
      'sandbox: { kind: docker, image: baton-base, memory: 256m, cpus: 1, network: none }',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'replay.yaml'), JSON.stringify({ sessions: [{ summary: attack.summary, steps: attack.steps }] }, null, 2));
  const repo = await Repo.init(ws);
  await repo.commitAll('tests-attack baseline');
  const r = await execa('node', [BATON_BIN, 'run', dir], { reject: false, timeout: 240_000, stdin: 'ignore' });
  const ledger = readJsonl(path.join(dir, '.baton', 'ledger.jsonl'), LedgerRecord).records;
  return { dir, ledger, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The candidate record of iteration 1, after checking the baseline saw test_add fail. */
function attempt(run: Awaited<ReturnType<typeof runAttack>>): LedgerRecord {
  const baseline = run.ledger.find((r) => r.iteration === 0);
  expect(baseline?.metrics['tests.failed'], run.stderr).toBe(1);
  const rec = run.ledger.find((r) => r.iteration === 1 && r.phase === 'candidate');
  expect(rec, `${run.stdout}\n${run.stderr}`).toBeDefined();
  expect(['keep', 'met']).not.toContain(rec!.verdict.kind);
  return rec!;
}

describe.runIf(ready.ok)('tests oracle attacks through baton run (real Docker, git, pytest)', () => {
  it('(a) a new pytest.ini with addopts --deselect is tamper', async () => {
    const run = await runAttack({
      summary: 'configure pytest',
      steps: [{ write: 'pytest.ini', content: '[pytest]\naddopts = --deselect tests/test_calc.py::test_add\n' }],
    });
    const rec = attempt(run);
    expect(rec.verdict.kind).toBe('tamper');
    expect(rec.verdict.reason).toContain('pytest.ini');
  }, 300_000);

  it('(b) a conftest.py hook that marks every report passed is tamper, though the baseline has a conftest.py', async () => {
    const hook = `${CONFTEST_PY}
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
    report.longrepr = None
`;
    const run = await runAttack({ summary: 'a helpful hook', steps: [{ write: 'conftest.py', content: hook }] });
    const rec = attempt(run);
    expect(rec.verdict.kind).toBe('tamper');
    expect(rec.verdict.reason).toContain('conftest.py');
  }, 300_000);

  it('(c) a workspace pytest.py that forges the report is tamper', async () => {
    const run = await runAttack({ summary: 'a faster pytest', steps: [{ write: 'pytest.py', content: FORGE }] });
    const rec = attempt(run);
    expect(rec.verdict.kind).toBe('tamper');
    expect(rec.verdict.reason).toContain('pytest.py');
  }, 300_000);

  it('(e) a conftest/ package shadowing the baseline conftest.py is tamper (red team: it was met)', async () => {
    const shadow = `import os
import pathlib
import sys

import pytest

__file__ = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conftest.py")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
    report.longrepr = None
`;
    const run = await runAttack({ summary: 'organise the fixtures', steps: [{ write: 'conftest/__init__.py', content: shadow }] });
    const rec = attempt(run);
    expect(rec.verdict.kind).toBe('tamper');
    expect(rec.verdict.reason).toContain('conftest/__init__.py');
  }, 300_000);

  it("(c') a workspace argparse.py shadowing the standard library never runs: the oracle's python has a safe path", async () => {
    const run = await runAttack({ summary: 'a command-line helper', steps: [{ write: 'argparse.py', content: FORGE }] });
    const rec = attempt(run);
    expect(rec.verdict.kind).toBe('revert');
    expect(rec.metrics['tests.failed']).toBe(1);
    expect(rec.metrics['tests.pass_rate']).toBeCloseTo(2 / 3);
    expect(rec.measurements[0].details.tests).toContainEqual(expect.objectContaining({ id: 'tests.test_calc::test_add', status: 'failed' }));
  }, 300_000);

  it('(d) a failing test deleted and a passing one skipped count as failing, and the verdict names them', async () => {
    const gutted = `import pytest
from calc import sub


@pytest.mark.skip(reason="flaky")
def test_sub():
    assert sub(5, 3) == 2


def test_sub_negative():
    assert sub(3, 5) == -2
`;
    const run = await runAttack({
      summary: 'tidy the tests',
      protect: [],
      thresholds: { 'tests.failed': '<= 0' },
      steps: [{ write: 'tests/test_calc.py', content: gutted }],
    });
    const rec = attempt(run);
    expect(rec.verdict.kind).toBe('revert');
    expect(rec.verdict.reason).toContain(
      '2 tests that ran in the baseline did not run and count as failing: tests.test_calc::test_add (absent), tests.test_calc::test_sub (skipped)',
    );
    expect(rec.metrics).toMatchObject({ 'tests.passed': 1, 'tests.failed': 2, 'tests.missing': 2, 'tests.total': 3 });
    // What the next session reads (REPORT.md shows the same verdict reason).
    const progress = fs.readFileSync(path.join(run.dir, 'workspace', 'PROGRESS.md'), 'utf8');
    expect(progress).toContain('tests.test_calc::test_add (absent), tests.test_calc::test_sub (skipped)');
  }, 300_000);
});
