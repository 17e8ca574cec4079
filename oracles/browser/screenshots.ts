/** The screenshots of a browser measurement: which to copy out, and their artifacts. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Artifact } from '../../src/oracles/types.js';
import type { BrowserTest } from './report.js';

/** At most this many screenshots, and bytes of them, leave the sandbox per measurement. */
export const MAX_SCREENSHOTS = 40;
export const MAX_SCREENSHOT_BYTES = 16 * 1024 * 1024;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One screenshot to copy: its path in the sandbox and the test it belongs to. */
export interface WantedScreenshot {
  sandboxPath: string;
  test: BrowserTest;
}

/** The screenshots worth copying, failing tests first, within `max` and inside `resultsDir` (pure). */
export function selectScreenshots(tests: readonly BrowserTest[], resultsDir: string, max = MAX_SCREENSHOTS): WantedScreenshot[] {
  const inside = (p: string) => p.startsWith(`${resultsDir}/`) && !p.split('/').includes('..');
  const all = tests.flatMap((test) => test.screenshots.filter(inside).map((sandboxPath) => ({ sandboxPath, test })));
  const rank = (w: WantedScreenshot) => (w.test.status === 'passed' || w.test.status === 'skipped' ? 1 : 0);
  return all
    .map((w, i) => ({ w, i }))
    .sort((a, b) => rank(a.w) - rank(b.w) || a.i - b.i)
    .slice(0, max)
    .map(({ w }) => w);
}

/** A file name for a test id: lower case letters, digits and dashes, at most 60 characters. */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s.slice(0, 60).replace(/-+$/, '') || 'test';
}

/**
 * Writes the copied PNGs under `artifactDir/screenshots/` and lists them as
 * artifacts named after their test; anything that is not a PNG is dropped.
 */
export function writeScreenshots(artifactDir: string, wanted: readonly WantedScreenshot[], files: Record<string, string>): Artifact[] {
  const artifacts: Artifact[] = [];
  let n = 0;
  for (const w of wanted) {
    const data = files[w.sandboxPath];
    if (data === undefined) continue;
    const bytes = Buffer.from(data, 'base64');
    if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) continue;
    n++;
    const rel = path.join('screenshots', `${String(n).padStart(2, '0')}-${slug(w.test.id)}.png`);
    mkdirSync(path.join(artifactDir, 'screenshots'), { recursive: true });
    writeFileSync(path.join(artifactDir, rel), bytes);
    const when = w.test.status === 'passed' ? 'final' : w.test.status;
    artifacts.push({ name: `${w.test.id} (${when})`, kind: 'screenshot', path: rel });
  }
  return artifacts;
}
