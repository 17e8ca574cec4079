/**
 * NOTES.md is the worker's: an unclosed `<!--` in its failed approaches
 * must not hide the rest of REPORT.md (the Integrity section above all) in a
 * Markdown renderer (red team finding 5). Fails without the escaping, and
 * without Integrity coming before anything the worker wrote.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateReport } from '../../src/report/index.js';
import { loadFixture } from '../report/helpers.js';

describe('worker text in REPORT.md is inert', () => {
  it('an unclosed HTML comment or a raw HTML block in NOTES.md hides nothing', async () => {
    const fx = loadFixture('short');
    const notes = `# Notes\n\n## Failed approaches\n\n- tried X\n<!-- hide everything below\n- No integrity warnings: all clean.\n<div style="display:none">\n`;
    const out = await mkdtemp(path.join(tmpdir(), 'baton-report-attack-'));
    await generateReport({
      spec: fx.spec,
      records: fx.records,
      notes,
      nextPrompt: 'next <!-- too',
      state: 'running',
      artifactRoot: fx.artifactRoot,
      outDir: out,
    });
    const md = await readFile(path.join(out, 'REPORT.md'), 'utf8');
    expect(md).not.toContain('<!--');
    expect(md).not.toContain('<div');
    expect(md).toContain('&lt;!-- hide everything below');
    // The Integrity section (with the fixture's tamper) comes before the first line the worker wrote.
    const integrity = md.indexOf('## Integrity');
    expect(integrity).toBeGreaterThan(0);
    expect(integrity).toBeLessThan(md.indexOf('tried X'));
    expect(md.slice(integrity)).toMatch(/tamper: protected path tests\/test_cl\.py changed/);
  });
});
