/**
 * Issue 15, the report a newcomer reads in the morning: "Next steps" says
 * what to do after met, budget and stalled, and its commands take the best
 * commit into a repository of one's own (run with real git here); the
 * integrity line keeps an oracle failure's cause; report.html draws its icons
 * without an emoji font and shows no literal markdown markers.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildModel } from '../../src/report/model.js';
import { integrityWarnings, nextSteps } from '../../src/report/summary.js';
import { loadFixture } from './helpers.js';

const short = loadFixture('short');
const tmp = mkdtempSync(path.join(tmpdir(), 'baton-next-steps-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();

describe('Next steps', () => {
  it('after budget: raise the budget and run again; after stalled: stall_after; after met: nothing more runs', () => {
    const text = (state: 'met' | 'budget' | 'stalled') =>
      nextSteps(buildModel(short.spec, short.records, state))
        .map((s) => `${s.text}\n${(s.commands ?? []).join('\n')}`)
        .join('\n');
    expect(text('budget')).toMatch(/raise `budget\.iterations`/);
    expect(text('budget')).toContain('baton run EXP');
    expect(text('stalled')).toMatch(/raise `judge\.stall_after`/);
    expect(text('stalled')).toContain('baton run EXP');
    expect(text('met')).toMatch(/goal is met/);
    for (const state of ['met', 'budget', 'stalled'] as const) expect(text(state)).toMatch(/best commit \(iteration \d+/);
  });

  it('REPORT.md shows the steps with their commands, and the next brief only while the run goes on', () => {
    const stopped = renderMarkdown({ model: buildModel(short.spec, short.records, 'budget'), charts: [] });
    const section = stopped.slice(stopped.indexOf('## Next steps'));
    expect(section).toContain('raise `budget.iterations`');
    expect(section).toContain('```sh');
    expect(section).not.toContain('What the next session is told');
    const running = renderMarkdown({ model: buildModel(short.spec, short.records, 'running'), charts: [], nextPrompt: short.nextPrompt });
    expect(running).toContain('What the next session is told');
  });

  it("its commands put the best commit's code, without baton's run files, on a branch of another repository (real git)", () => {
    const exp = path.join(tmp, 'exp');
    const ws = path.join(exp, 'workspace');
    mkdirSync(ws, { recursive: true });
    git(ws, 'init', '-q');
    writeFileSync(path.join(ws, 'solve.py'), 'def f():\n    return 1\n');
    git(ws, 'add', '-A');
    git(ws, 'commit', '-qm', 'start');
    const base = git(ws, 'rev-parse', 'HEAD');
    writeFileSync(path.join(ws, 'PROGRESS.md'), '# progress\n');
    writeFileSync(path.join(ws, 'NOTES.md'), '# notes\n');
    mkdirSync(path.join(ws, 'reports'));
    writeFileSync(path.join(ws, 'reports', 'REPORT.md'), '# report\n');
    writeFileSync(path.join(ws, 'solve.py'), 'def f():\n    return 2\n');
    writeFileSync(path.join(ws, 'fast.bin'), Buffer.from([0, 1, 2, 255]));
    git(ws, 'add', '-A');
    git(ws, 'commit', '-qm', 'baton: iteration 1 keep');
    const best = git(ws, 'rev-parse', 'HEAD');

    // the short fixture with its baseline at `base` and every kept iteration at `best`
    const records = short.records.map((r) => ({ ...r, commit: r.iteration === 0 ? base : r.verdict.kind === 'keep' ? best : r.commit }));
    const steps = nextSteps(buildModel(short.spec, records, 'met'));
    const patchStep = steps.find((s) => s.commands?.some((c) => c.includes('git apply')));
    expect(patchStep).toBeDefined();

    // the user's own repository: the same starting code, another history
    const mine = path.join(tmp, 'mine');
    mkdirSync(mine);
    git(mine, 'init', '-q');
    writeFileSync(path.join(mine, 'solve.py'), 'def f():\n    return 1\n');
    git(mine, 'add', '-A');
    git(mine, 'commit', '-qm', 'mine');
    for (const c of patchStep!.commands!) execFileSync('sh', ['-c', c.replaceAll('EXP', exp)], { cwd: mine, stdio: 'pipe' });
    expect(git(mine, 'branch', '--show-current')).toBe(`baton/${short.spec.name}`);
    expect(readFileSync(path.join(mine, 'solve.py'), 'utf8')).toContain('return 2');
    expect([...readFileSync(path.join(mine, 'fast.bin'))]).toEqual([0, 1, 2, 255]);
    const staged = git(mine, 'diff', '--cached', '--name-only').split('\n').sort();
    expect(staged).toEqual(['fast.bin', 'solve.py']);

    // the fetch variant, in a clone of the workspace
    const clone = path.join(tmp, 'clone');
    git(tmp, 'clone', '-q', ws, clone);
    git(clone, 'reset', '-q', '--hard', base);
    const fetchStep = steps.find((s) => s.commands?.some((c) => c.includes('git fetch')));
    for (const c of fetchStep!.commands!) execFileSync('sh', ['-c', c.replaceAll('EXP', exp)], { cwd: clone, stdio: 'pipe' });
    expect(git(clone, 'rev-parse', 'HEAD')).toBe(best);
  });
});

describe('Integrity', () => {
  it("an oracle failure's cause is kept when it comes late in the reason", () => {
    const reason = `benchmark speed: timed run 1 of the candidate: stdout differs from the best kept commit's: line 1: ${'x'.repeat(90)}\ncause: the candidate sorted by payload`;
    const records = short.records.map((r) =>
      r.iteration === 2 ? { ...r, measurements: r.measurements.map((m, i) => (i === 0 ? { ...m, status: 'error' as const, reason } : m)) } : r,
    );
    const lines = integrityWarnings(buildModel(short.spec, records, 'running'));
    expect(lines.some((l) => l.includes('the candidate sorted by payload'))).toBe(true);
  });
});

describe('report.html without an emoji font', () => {
  // Emoji and symbol blocks no text font on a bare Linux machine draws (DejaVu Sans has none of these in colour, most not at all).
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: U+FE0F (the emoji variation selector) is listed on its own on purpose
  const EMOJI = /[\u{1F000}-\u{1FAFF}\u{2600}-\u{27BF}\u{2B00}-\u{2BFF}\u{23E9}-\u{23FA}\u{FE0F}]/u;
  const scripts = { vega: '', vegaLite: '', vegaEmbed: '' };
  const body = (html: string) => html.slice(html.lastIndexOf('<body>'), html.lastIndexOf('<script type="application/json"'));

  for (const state of ['met', 'running', 'stalled', 'budget', 'interrupted', 'error'] as const) {
    it(`${state}: icons are inline SVG, no emoji, no literal ** in the page`, () => {
      const notes = `${short.notes}\n## Failed approaches\n- **float32** tables: \`EE\` stuck at 1e-2\n`;
      const html = renderHtml({ model: buildModel(short.spec, short.records, state), charts: [], scripts, notes, nextPrompt: '**Do** reduce `EE`' });
      const b = body(html);
      const text = b.replace(/<svg[\s\S]*?<\/svg>/g, '').replace(/<[^>]+>/g, '');
      expect(text).not.toMatch(EMOJI);
      expect(text).not.toContain('**');
      expect(b).toMatch(/<svg class="icon"[^>]*aria-label="(met|running|stalled|budget exhausted|interrupted|stopped by an error)"/);
      expect(b).toContain('<strong>float32</strong>');
    });
  }

  it("the worker's markdown becomes markup only after escaping: its HTML stays text", () => {
    const notes = '## Failed approaches\n- **<img src=x onerror=alert(1)>** and `<script>alert(2)</script>`\n- <!-- hide the rest\n';
    const html = renderHtml({
      model: buildModel(short.spec, short.records, 'running'),
      charts: [],
      scripts,
      notes,
      nextPrompt: '**</div><script>alert(3)</script>**',
    });
    const b = body(html);
    expect(b).not.toMatch(/<img|<script|<!--/i);
    expect(b).toContain('<strong>&lt;img src=x onerror=alert(1)&gt;</strong>');
    expect(b).toContain('<code>&lt;script&gt;alert(2)&lt;/script&gt;</code>');
    expect(b).toContain('<strong>&lt;/div&gt;&lt;script&gt;alert(3)&lt;/script&gt;</strong>');
  });
});
