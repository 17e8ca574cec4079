#!/usr/bin/env node
/**
 * Benchmark 3 of issue 9: the size of the assembled prompt (assemblePrompt of
 * dist/src/workspace/prompt.js) at iterations 10, 100, 1,000 and 10,000 of a
 * synthetic history. Only the ledger grows; PROMPT.md (as baton writes it),
 * PLAN.md, NOTES.md (with a "Failed approaches" section) and the git log are
 * realistic and of the same size at every point, so the figure isolates what
 * the history adds. Target: the 10,000 one is no longer than the cap
 * (spec.prompt.max_chars) and at most 1.2x the 10 one.
 *
 *   node benchmarks/prompt.mjs [--json out.json]
 */
import { dist, finish, machine, main } from './lib.mjs';

const POINTS = [10, 100, 1_000, 10_000];
const GROWTH = 1.2;

main(async () => {
  const { assemblePrompt } = await dist('src/workspace/prompt.js');
  const { validateSpecText } = await dist('src/spec/validate.js');
  const { promptFile } = await dist('src/workspace/prompt-file.js');
  const { stringify } = await import('yaml');

  // The spec of test/helpers/ledger.ts: a command oracle and a tests oracle, two thresholds.
  const raw = {
    name: 'pk',
    goal: 'Reproduce the matter power spectrum P(k) of the reference code to 1% over 1e-4 < k < 1 h/Mpc.',
    oracles: [
      { id: 'acc', kind: 'command', run: 'python3 /baton/oracle/score.py' },
      { id: 'tests', kind: 'tests', run: 'pytest --junitxml=j.xml', report: 'j.xml' },
    ],
    thresholds: { 'acc.err': '< 0.01', 'tests.pass_rate': '>= 1' },
  };
  const { spec, problems } = validateSpecText(stringify(raw), 'baton.yaml');
  if (!spec) throw new Error(JSON.stringify(problems));
  const cap = spec.prompt.max_chars;

  const usage = { inputTokens: 120_000, outputTokens: 9_000, cacheReadTokens: 80_000, cacheWriteTokens: 4_000, usd: 0.61 };
  const rec = (i, kind, metrics, summary) => ({
    v: 1,
    run: 'r1',
    iteration: i,
    phase: i === 0 ? 'baseline' : 'candidate',
    commit: `${(0xabc000 + i).toString(16)}0000000000000000000000000000000000`.slice(0, 40),
    at: new Date(Date.UTC(2026, 0, 1) + i * 600_000).toISOString(),
    elapsedHours: i / 6,
    measurements: [],
    metrics,
    verdict: {
      kind,
      reason:
        kind === 'keep'
          ? `acc.err improved to ${metrics['acc.err'].toPrecision(4)}`
          : kind === 'baseline'
            ? 'the untouched workspace'
            : `acc.err ${metrics['acc.err'].toPrecision(4)} is no better than the best kept`,
    },
    session: i === 0 ? undefined : { summary, stopReason: 'done', usage, durationMs: 540_000 },
    warnings: [],
    durationMs: 600_000,
  });
  const history = (n) => {
    const h = [rec(0, 'baseline', { 'acc.err': 1, 'tests.pass_rate': 1 })];
    let best = 1;
    for (let i = 1; i <= n; i++) {
      const kept = i % 7 === 0;
      const err = kept ? (best *= 0.97) : best * (1 + (i % 5) / 10);
      h.push(
        rec(
          i,
          kept ? 'keep' : 'revert',
          { 'acc.err': err, 'tests.pass_rate': i % 11 === 0 ? 0.9 : 1 },
          `attempt ${i}: tried adjusting the transfer function near the BAO scale and re-ran the comparison over all k`,
        ),
      );
    }
    return h;
  };
  const promptMd = promptFile(spec);
  const planMd = `# Plan\n\n${Array.from({ length: 30 }, (_, i) => `- [${i < 12 ? 'x' : ' '}] step ${i + 1}: refine the integration of the Boltzmann hierarchy for species ${i}`).join('\n')}\n`;
  const notesMd = `# Notes\n\nObservations about the solver.\n\n## Failed approaches\n\n${Array.from({ length: 60 }, (_, i) => `- approach ${i}: changed the k-sampling to ${i * 10} points per decade; failed because the error moved to small scales`).join('\n')}\n`;
  const gitLog = Array.from({ length: 10 }, (_, i) => `${(0x1234567 + i).toString(16)} baton: iteration ${9999 - i} revert: attempt ${9999 - i}`).join('\n');

  const points = [];
  for (const n of POINTS) {
    const h = history(n);
    const input = { spec, iteration: n + 1, promptMd, planMd, notesMd, gitLog, history: h };
    assemblePrompt(input); // warm
    let prompt = '';
    const times = [];
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      prompt = assemblePrompt(input);
      times.push(performance.now() - t0);
    }
    const msTaken = times.sort((a, b) => a - b)[2]; // median of 5
    points.push({ iteration: n, chars: prompt.length, ms: msTaken, cut: /characters cut/.test(prompt) });
  }
  const first = points[0];
  const last = points[points.length - 1];
  const ratio = last.chars / first.chars;
  const result = {
    v: 1,
    benchmark: 'prompt',
    at: new Date().toISOString(),
    machine: machine(),
    cap,
    points,
    ratio,
    target: { maxChars: cap, growth: GROWTH },
    fixedInputs: { promptMd: promptMd.length, planMd: planMd.length, notesMd: notesMd.length, gitLog: gitLog.length },
  };
  result.met = last.chars <= cap && ratio <= GROWTH;
  console.log(`prompt size (cap ${cap} chars; fixed PROMPT.md ${promptMd.length}, PLAN.md ${planMd.length}, NOTES.md ${notesMd.length} chars)`);
  for (const p of points)
    console.log(
      `  iteration ${String(p.iteration).padStart(6)}: ${String(p.chars).padStart(6)} chars  (assembled in ${p.ms.toFixed(1)} ms, median of 5${p.cut ? ', sections cut to fit' : ''})`,
    );
  console.log(
    `  target: ${last.iteration} <= cap ${cap} (${last.chars}) and <= ${GROWTH}x the ${first.iteration} one (x${ratio.toFixed(3)}): ${result.met ? 'MET' : 'MISSED'}`,
  );
  finish(result);
});
