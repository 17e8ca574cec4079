import { describe, expect, it } from 'vitest';
import { assemblePrompt } from '../../src/workspace/prompt.js';
import { progressFile } from '../../src/workspace/progress.js';
import { makeSpec, rec } from '../helpers/ledger.js';
import type { LedgerRecord } from '../../src/ledger/record.js';

function history(n: number): LedgerRecord[] {
  const h = [rec(0, 'baseline', { 'acc.err': 1, 'tests.pass_rate': 1 })];
  for (let i = 1; i <= n; i++) {
    const kept = i % 7 === 0;
    h.push(
      rec(
        i,
        kept ? 'keep' : 'revert',
        { 'acc.err': 1 / (1 + i), 'tests.pass_rate': 1 },
        {
          session: {
            summary: `attempt ${i}: ${'tried a long idea '.repeat(10)}`,
            stopReason: 'done',
            usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, usd: 0.01 },
            durationMs: 1000,
          },
        },
      ),
    );
  }
  return h;
}

const longNotes = `# Notes\n\n## Failed approaches\n\n${Array.from({ length: 2000 }, (_, i) => `- approach ${i} failed because of reason ${i}`).join('\n')}\n`;

describe('prompt assembly', () => {
  it('at iteration 1000 of a synthetic history is no longer than the cap, and keeps every section', () => {
    const spec = makeSpec();
    const prompt = assemblePrompt({
      spec,
      iteration: 1001,
      promptMd: '# pk\n\n' + 'goal text '.repeat(500),
      planMd: 'plan '.repeat(5000),
      notesMd: longNotes,
      gitLog: 'abc1234 baton: iteration 1000 revert\n'.repeat(10),
      history: history(1000),
    });
    expect(prompt.length).toBeLessThanOrEqual(spec.prompt.max_chars);
    for (const title of [
      'The contract (PROMPT.md)',
      'Latest measurement',
      'What the judge said',
      'PLAN.md',
      'Recent iterations',
      'Failed approaches (from NOTES.md)',
      'git log --oneline -n 10',
      'Your task now',
    ]) {
      expect(prompt).toContain(`## ${title}`);
    }
    expect(prompt).toContain('Iterations 0–995 (folded)');
    expect(prompt).toContain('### Iteration 1000: revert');
    expect(prompt).toContain('approach 1999 failed'); // the newest failed approach survives the cut
    expect(prompt).toMatch(/characters cut/);
  });

  it('holds the cap however small it is set', () => {
    const spec = makeSpec({ prompt: { max_chars: 3000 } });
    const prompt = assemblePrompt({
      spec,
      iteration: 51,
      promptMd: 'x'.repeat(10000),
      planMd: 'y'.repeat(10000),
      notesMd: longNotes,
      gitLog: '',
      history: history(50),
    });
    expect(prompt.length).toBeLessThanOrEqual(3000);
  });

  it('shows the metric table with latest, threshold, best and baseline', () => {
    const spec = makeSpec();
    const prompt = assemblePrompt({ spec, iteration: 3, promptMd: '# pk', planMd: '', notesMd: '', gitLog: '', history: history(2) });
    expect(prompt).toContain('| `acc.err` (primary) | 0.3333 | `< 0.01` | 1 | 1 | no |');
    expect(prompt).toContain('Last verdict (iteration 2, revert): because 2');
  });
});

describe('PROGRESS.md', () => {
  it('folds old entries so its size is bounded', () => {
    const spec = makeSpec();
    const small = progressFile(spec, history(30));
    const large = progressFile(spec, history(3000));
    expect(large.length).toBeLessThan(small.length * 1.2);
    expect(large).toContain('Iterations 0–2980 (folded): 1 baseline, 425 keep, 2555 revert; acc.err from 1 to 3.355e-4.');
  });
});
