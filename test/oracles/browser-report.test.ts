/** The browser oracle's pure parts, on real Playwright JSON reports (test/fixtures/playwright). */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  hitGlobalTimeout,
  judgeRun,
  parsePlaywrightReport,
  readSuite,
  selectScreenshots,
  writeScreenshots,
  type BrowserTest,
} from '../../oracles/browser/index.js';
import { playwrightConfig, probeCommand, runCommand } from '../../oracles/browser/runner.js';
import { countTests } from '../../oracles/tests/index.js';
import { ROOT, tmpDir } from '../helpers/tmp.js';

const fixture = (name: string) => readFileSync(path.join(ROOT, 'test', 'fixtures', 'playwright', name), 'utf8');
const parsed = (name: string) => {
  const r = parsePlaywrightReport(fixture(name));
  if (!r.ok) throw new Error(r.reason);
  return r;
};
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('parsePlaywrightReport on a real report', () => {
  const r = parsed('mixed.json');

  it('keeps every test with a stable id, its status and the first line of its error', () => {
    expect(r.tests.map(({ screenshots: _, ...t }) => t)).toEqual([
      { id: 'counter.spec.js::shows a count of zero', status: 'passed' },
      { id: 'counter.spec.js::the Add button increments the count', status: 'passed' },
      { id: 'fail.spec.js::known bug', status: 'passed' },
      { id: 'fail.spec.js::throws', status: 'failed', message: 'Error: boom' },
      { id: 'fail.spec.js::group > wrong title', status: 'failed', message: 'Error: expect(page).toHaveTitle(expected) failed' },
      { id: 'fail.spec.js::group > skipped one', status: 'skipped' },
      { id: 'fail.spec.js::group > nested > times out', status: 'failed', message: 'Test timeout of 2000ms exceeded.' },
    ]);
    expect(r.errors).toEqual([]);
  });

  it('counts like the tests oracle: a test.fail() that fails is a pass, a timed-out test a failure', () => {
    expect(countTests(r.tests)).toEqual({ passed: 3, failed: 3, errors: 0, skipped: 1, total: 7, pass_rate: 3 / 7 });
  });

  it('keeps the screenshot of each run test: the final page or the failure', () => {
    expect(r.tests[0].screenshots).toEqual(['/tmp/priv/results/counter-shows-a-count-of-zero-chromium/test-finished-1.png']);
    expect(r.tests[4].screenshots).toEqual(['/tmp/priv/results/fail-group-wrong-title-chromium/test-failed-1.png']);
    expect(r.tests[5].screenshots).toEqual([]);
  });
});

describe('parsePlaywrightReport refuses what it cannot trust', () => {
  it.each([
    ['', 'the Playwright JSON report is empty'],
    ['{"suites": [', 'the Playwright JSON report is not JSON'],
    ['[]', 'not a Playwright JSON report: (root):'],
    ['{"suites": [], "errors": []}', 'not a Playwright JSON report: stats:'],
    [
      '{"suites": [{"title": "a.spec.js", "specs": [{"title": "t", "file": "a.spec.js", "tests": [{"expectedStatus": "passed", "status": "great", "results": []}]}]}], "stats": {"expected": 1, "unexpected": 0, "flaky": 0, "skipped": 0}}',
      'not a Playwright JSON report: suites.0.specs.0.tests.0.status:',
    ],
  ])('%j', (text, reason) => {
    const r = parsePlaywrightReport(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(reason);
  });
});

describe('judgeRun', () => {
  it('a run with failures that exited 1 is an ok measurement of those failures', () => {
    const v = judgeRun(1, parsed('mixed.json'), '');
    expect(v.status).toBe('ok');
    expect(v.status === 'ok' && v.counts).toMatchObject({ passed: 3, failed: 3, skipped: 1, total: 7 });
  });

  it("Playwright's global timeout is a timeout, with the tests it had", () => {
    const r = parsed('global-timeout.json');
    expect(hitGlobalTimeout(r.errors)).toBe(true);
    const v = judgeRun(1, r, '');
    expect(v).toMatchObject({ status: 'timeout' });
    expect(v.status !== 'ok' && v.reason).toContain('Timed out waiting 4s for the test suite to run');
    expect(v.tests).toHaveLength(2);
  });

  it("zero tests is a failure naming Playwright's error", () => {
    const v = judgeRun(1, parsed('empty.json'), '');
    expect(v).toEqual({ status: 'failed', reason: 'the Playwright run found zero tests: Error: No tests found', tests: [] });
  });

  const t = (status: BrowserTest['status']): BrowserTest => ({ id: `a::${status}`, status, screenshots: [] });
  it.each([
    [0, [t('skipped')], [], 'all 1 tests were skipped; none ran'],
    [1, [t('passed')], [], 'Playwright exited with code 1 although every reported test passed'],
    [0, [t('passed'), t('failed')], [], 'Playwright exited with code 0 although 1 tests did not pass'],
    [1, [t('passed')], ['Error: worker crashed'], 'the Playwright run reported an error outside the tests: Error: worker crashed'],
  ])('exit %i with %j and errors %j fails', (exit, tests, errors, reason) => {
    const v = judgeRun(exit, { tests, errors }, '');
    expect(v.status).toBe('failed');
    expect(v.status !== 'ok' && v.reason).toContain(reason);
  });
});

describe('screenshots', () => {
  const r = parsed('mixed.json');
  it('failing tests first, only files inside the results folder, at most `max`', () => {
    const w = selectScreenshots(r.tests, '/tmp/priv/results', 3);
    expect(w.map((x) => x.test.id)).toEqual([
      'fail.spec.js::group > wrong title',
      'fail.spec.js::group > nested > times out',
      'counter.spec.js::shows a count of zero',
    ]);
    expect(selectScreenshots(r.tests, '/tmp/other')).toEqual([]);
    expect(selectScreenshots([{ id: 'x', status: 'failed', screenshots: ['/tmp/priv/results/../report.json'] }], '/tmp/priv/results')).toEqual([]);
  });

  it('writes PNGs only, as artifacts relative to the artifact folder', () => {
    const dir = tmpDir();
    dirs.push(dir);
    const w = selectScreenshots(r.tests, '/tmp/priv/results', 2);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('rest')]);
    const artifacts = writeScreenshots(dir, w, { [w[0].sandboxPath]: png.toString('base64'), [w[1].sandboxPath]: Buffer.from('<html>').toString('base64') });
    expect(artifacts).toEqual([
      { name: 'fail.spec.js::group > wrong title (failed)', kind: 'screenshot', path: 'screenshots/01-fail-spec-js-group-wrong-title.png' },
    ]);
    expect(readFileSync(path.join(dir, artifacts[0].path))).toEqual(png);
  });
});

describe('the runner', () => {
  it("Chromium is Debian's, headless, without a sandbox it cannot have, against 127.0.0.1:<port>; one worker, no retries", () => {
    const config = playwrightConfig({ root: '/tmp/baton-e2e-x', port: 8123 });
    expect(config).toContain('"baseURL": "http://127.0.0.1:8123"');
    expect(config).toContain('"executablePath": "/usr/bin/chromium"');
    for (const arg of ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking'])
      expect(config).toContain(`"${arg}"`);
    expect(config).toMatch(/"retries": 0,\s+"workers": 1/);
    expect(config).toContain('"outputFile": "/tmp/baton-e2e-x/report.json"');
    expect(runCommand('/tmp/baton-e2e-x', 12_345.6)).toBe(
      'node /usr/local/lib/node_modules/@playwright/test/cli.js test --config /tmp/baton-e2e-x/playwright.config.mjs --tsconfig /tmp/baton-e2e-x/tsconfig.json --global-timeout 12346',
    );
    expect(probeCommand(8123, 42)).toContain('/dev/tcp/127.0.0.1/8123');
  });

  it('reads the tests folder, skipping node_modules; a missing folder is named', () => {
    const dir = tmpDir();
    dirs.push(dir);
    const s = readSuite(path.join(ROOT, 'templates', 'browser', 'oracle', 'e2e'), 'oracle/e2e');
    expect(s.ok && s.files.map((f) => f.path)).toEqual(['counter.spec.js']);
    expect(readSuite(path.join(dir, 'nope'), 'oracle/nope')).toEqual({ ok: false, reason: 'the tests folder oracle/nope does not exist' });
  });
});
