/**
 * The browser oracle against the real Docker engine and Debian Chromium in
 * baton-browser: a counter page served by `python3 -m http.server`, a
 * Playwright suite with passing, failing and skipped tests, servers that
 * never listen, and a candidate that goes after the test files. Skips with a
 * notice without an engine; fails instead when BATON_REQUIRE_DOCKER=1.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserOracle } from '../../oracles/browser/index.js';
import type { Measurement } from '../../src/oracles/types.js';
import { DockerSandboxProvider, LocalSandboxProvider, buildImages, type SandboxProvider } from '../../src/sandbox/index.js';
import { dockerReady } from '../sandbox/guard.js';
import { ROOT } from '../helpers/tmp.js';
import { fakeContext, removeFakeContexts } from './host-sandbox.js';

const ready = await dockerReady();
afterAll(removeFakeContexts);

const COUNTER_PAGE = readFileSync(path.join(ROOT, 'templates', 'browser', 'files', 'index.html'), 'utf8');
const SERVE = 'python3 -m http.server 8000 --bind 127.0.0.1';
const SECRET = 'SECRET-7f3a9c';

/** An experiment with the given tests (under oracle/e2e) and workspace files, measured through `provider`. */
function experiment(o: { tests: Record<string, string>; workspace?: Record<string, string>; oracle?: Record<string, unknown>; provider?: SandboxProvider }) {
  const f = fakeContext({ id: 'e2e', kind: 'browser', serve: SERVE, port: 8000, tests: 'oracle/e2e', ...o.oracle });
  const write = (dir: string, files: Record<string, string>) => {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    }
  };
  mkdirSync(path.join(f.ctx.experimentDir, 'oracle', 'e2e'), { recursive: true });
  write(path.join(f.ctx.experimentDir, 'oracle', 'e2e'), o.tests);
  write(f.ctx.snapshotDir, { 'index.html': COUNTER_PAGE, ...o.workspace });
  const provider = o.provider ?? new DockerSandboxProvider();
  f.ctx.startSandbox = (opts) =>
    provider.start({
      spec: { ...f.ctx.spec.sandbox, memory: '1g' },
      role: 'oracle',
      ...opts,
      labels: { experiment: 'browser-oracle-test', run: 'r1', iteration: 1 },
    });
  return f.ctx;
}

const COUNTER_SUITE = `import { test, expect } from '@playwright/test';

test('shows a count of zero', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('#count')).toHaveText('0');
});

test('the Add button increments the count', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Add' }).click();
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.locator('#count')).toHaveText('2');
});

test.describe('page', () => {
  test('is titled Counter', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveTitle('Counter');
  });
  test('has a Reset button', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('button', { name: 'Reset' })).toBeVisible({ timeout: 1000 });
  });
  test.skip('keeps the count after a reload', async () => {});
});

test('starts at ten', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('#count')).toHaveText('10', { timeout: 1000 });
});
`;

const SLOW = 300_000;

describe.skipIf(!ready.ok)('browser oracle in baton-browser', () => {
  beforeAll(async () => {
    await buildImages({ images: ['baton-browser'] });
  }, 900_000);

  it(
    'counts passing, failing and skipped tests in real Chromium, with a screenshot per run test',
    async () => {
      const ctx = experiment({ tests: { 'counter.spec.js': COUNTER_SUITE } });
      const m = await browserOracle.measure(ctx);
      expect(m.reason).toBeUndefined();
      expect(m.status).toBe('ok');
      expect(m.metrics).toEqual({ 'e2e.passed': 3, 'e2e.failed': 2, 'e2e.errors': 0, 'e2e.skipped': 1, 'e2e.total': 6, 'e2e.pass_rate': 0.5 });
      expect((m.details.tests as { id: string; status: string }[]).map((t) => [t.id, t.status])).toEqual([
        ['counter.spec.js::shows a count of zero', 'passed'],
        ['counter.spec.js::the Add button increments the count', 'passed'],
        ['counter.spec.js::starts at ten', 'failed'],
        ['counter.spec.js::page > is titled Counter', 'passed'],
        ['counter.spec.js::page > has a Reset button', 'failed'],
        ['counter.spec.js::page > keeps the count after a reload', 'skipped'],
      ]);
      expect(m.artifacts).toHaveLength(5);
      expect(m.artifacts[0]).toEqual({
        name: 'counter.spec.js::starts at ten (failed)',
        kind: 'screenshot',
        path: 'screenshots/01-counter-spec-js-starts-at-ten.png',
      });
      for (const a of m.artifacts) {
        expect(a.kind).toBe('screenshot');
        expect(readFileSync(path.join(ctx.artifactDir, a.path)).subarray(1, 4).toString()).toBe('PNG');
      }
    },
    SLOW,
  );

  it(
    'a candidate cannot read, change or stand in for the tests and their report',
    async () => {
      // The candidate looks during setup, and again from its server while the suite runs.
      const attack = `
out="$BATON_OUT/attempt-$1.txt"
{
  ls -la /tmp /baton 2>&1
  cat /tmp/baton-e2e-*/tests/* /tmp/baton-e2e-*/report.json /baton/oracle/e2e/* 2>&1
  find / -xdev \\( -name '*.spec.js' -o -name 'report.json' \\) -not -path '/usr/*' 2>&1
  grep -rs ${SECRET.slice(0, 6)} /tmp /baton /home /workspace /proc/*/cmdline 2>&1
  echo 'test("planted", () => {})' > /tmp/baton-e2e-*/tests/planted.spec.js 2>&1
  mkdir -p /tmp/node_modules/@playwright/test 2>&1
  mkdir -p /tmp/playwright-transform-cache-0 2>&1
  echo '{"suites": [], "errors": [], "stats": {"expected": 99, "unexpected": 0, "flaky": 0, "skipped": 0}}' > "$BATON_OUT/report.json"
} >> "$out" 2>&1
`;
      const ctx = experiment({
        tests: {
          'guarded.spec.js': `// ${SECRET}\nimport { test, expect } from '@playwright/test';\ntest('serves the counter', async ({ page }) => {\n  await page.goto('/');\n  await page.waitForTimeout(1500);\n  await expect(page).toHaveTitle('Counter');\n});\n`,
        },
        workspace: { 'attack.sh': attack },
        oracle: {
          setup: 'bash attack.sh setup',
          serve: `(for i in 1 2 3 4 5 6; do bash attack.sh serve; sleep 0.5; done) & exec ${SERVE}`,
        },
      });
      const m = await browserOracle.measure(ctx);
      expect(m.reason).toBeUndefined();
      expect(m.metrics).toMatchObject({ 'e2e.passed': 1, 'e2e.total': 1, 'e2e.failed': 0 });
      expect((m.details.tests as { id: string }[]).map((t) => t.id)).toEqual(['guarded.spec.js::serves the counter']);

      const seen = readdirSync(ctx.outDir)
        .filter((f) => f.startsWith('attempt-'))
        .map((f) => readFileSync(path.join(ctx.outDir, f), 'utf8'));
      expect(seen).toHaveLength(2);
      const text = seen.join('\n');
      expect(text).toMatch(/drwx------ +\d+ root +root .* baton-e2e-[0-9a-f]{16}/);
      expect(text).toMatch(/cat: '\/tmp\/baton-e2e-\*\/tests\/\*': No such file or directory|Permission denied/);
      expect(text).toMatch(/mkdir: cannot create directory .\/tmp\/node_modules\/@playwright.: Permission denied/);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('serves the counter');
    },
    SLOW,
  );

  it(
    'a server that never listens is a failed measurement naming the port and its output',
    async () => {
      const ctx = experiment({ tests: { 'counter.spec.js': COUNTER_SUITE }, oracle: { serve: 'echo warming up the cache; sleep 300', ready_timeout: '3s' } });
      const m = await browserOracle.measure(ctx);
      expect(m.status).toBe('failed');
      expect(m.reason).toBe(
        'browser oracle e2e: the server `echo warming up the cache; sleep 300` did not listen on 127.0.0.1:8000 within 3 s (ready_timeout); its output ends with:\nwarming up the cache',
      );
      expect(m.metrics).toEqual({});
    },
    SLOW,
  );

  it(
    'a server that exits before listening is a failed measurement with its exit code and output',
    async () => {
      const ctx = experiment({ tests: { 'counter.spec.js': COUNTER_SUITE }, oracle: { serve: 'echo "ModuleNotFoundError: flask" >&2; exit 7' } });
      const m = await browserOracle.measure(ctx);
      expect(m.status).toBe('failed');
      expect(m.reason).toContain('exited with code 7 before listening on port 8000; its output ends with:\nModuleNotFoundError: flask');
    },
    SLOW,
  );

  it(
    'an interrupted run ends the measurement at once, as an error',
    async () => {
      const ctx = experiment({ tests: { 'counter.spec.js': COUNTER_SUITE }, oracle: { serve: 'sleep 300', ready_timeout: '120s' } });
      const abort = new AbortController();
      ctx.signal = abort.signal;
      setTimeout(() => abort.abort(), 5_000);
      const m = await browserOracle.measure(ctx);
      expect(m).toMatchObject({ status: 'error', reason: 'browser oracle e2e: interrupted' });
      expect(m.durationMs).toBeLessThan(60_000);
    },
    SLOW,
  );

  it(
    'a tests folder without tests is a failed measurement, never a pass',
    async () => {
      const ctx = experiment({ tests: { 'README.md': 'nothing here yet' } });
      const m = await browserOracle.measure(ctx);
      expect(m.status).toBe('failed');
      expect(m.reason).toBe('browser oracle e2e: the Playwright run found zero tests: Error: No tests found');
      expect(m.metrics).toEqual({});
    },
    SLOW,
  );

  it(
    "a suite that outlasts the oracle's timeout is a timeout",
    async () => {
      const ctx = experiment({
        tests: {
          'slow.spec.js': `import { test } from '@playwright/test';\ntest('never ends', async ({ page }) => {\n  test.setTimeout(0);\n  await page.goto('/');\n  await new Promise(() => {});\n});\n`,
        },
        oracle: { timeout: '35s' },
      });
      const m: Measurement = await browserOracle.measure(ctx);
      expect(m.status).toBe('timeout');
      expect(m.metrics).toEqual({});
      expect(m.durationMs).toBeLessThan(60_000);
    },
    SLOW,
  );
});

describe('browser oracle in a sandbox that cannot separate users', () => {
  it('refuses to measure rather than expose the tests', async () => {
    const ctx = experiment({ tests: { 'counter.spec.js': COUNTER_SUITE }, provider: new LocalSandboxProvider('none') });
    const m = await browserOracle.measure(ctx);
    expect(m.status).toBe('error');
    expect(m.reason).toContain('could not install the tests in the sandbox: the local sandbox cannot run a command as user "0:0"');
  });
});
