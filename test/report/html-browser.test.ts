// report.html opened in real headless Chromium: every chart renders, no
// console error, no network request. Skipped with a notice when no Chromium
// is installed, and a failure then under BATON_REQUIRE_CHROMIUM=1 (CI).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { generateReport } from '../../src/report/index.js';
import { loadFixture } from './helpers.js';

const CHROMIUM = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) {
  if (process.env.BATON_REQUIRE_CHROMIUM === '1')
    throw new Error(`BATON_REQUIRE_CHROMIUM=1 but there is no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  console.warn(`\n[baton] NOTICE: no Chromium at ${CHROMIUM}: report.html browser test skipped. Set BATON_REQUIRE_CHROMIUM=1 to make this a failure.\n`);
}

describe.skipIf(!HAS_CHROMIUM)('report.html in Chromium', () => {
  it('renders every chart offline, without errors', async () => {
    const fx = loadFixture('short');
    const dir = await mkdtemp(path.join(tmpdir(), 'baton-report-html-'));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      await generateReport({ ...fx, state: 'running', outDir: dir, html: true });
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('request', (r) => {
        if (!/^(file|data|blob):/.test(r.url())) problems.push(`network: ${r.url()}`);
      });
      await page.goto(pathToFileURL(path.join(dir, 'report.html')).href);
      const n = await page.locator('.chart').count();
      expect(n).toBe(9);
      for (let i = 0; i < n; i++) await page.waitForSelector(`#chart-${i} svg.marks`, { timeout: 20_000 });
      expect(await page.locator('#chart-0 svg.marks text', { hasText: 'accuracy.cl.TT.max_rel' }).count()).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
