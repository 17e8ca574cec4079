/** PROMPT.md: the contract a worker reads first, written by baton from baton.yaml (and protected). */
import { protectedGlobs } from '../spec/protected.js';
import type { Spec } from '../spec/schema.js';

/** The text of PROMPT.md for a spec. Pure. */
export function promptFile(spec: Spec): string {
  const thresholds = Object.entries(spec.thresholds).map(([m, t]) => `| \`${m}\` | \`${t}\` |`);
  const protectedPaths = ['PROMPT.md', ...protectedGlobs(spec)];
  return [
    `# ${spec.name}`,
    '',
    '<!-- Written by baton from baton.yaml; edits here are reverted as tampering. -->',
    '',
    '## Goal',
    '',
    spec.goal.trim(),
    '',
    '## How the work is judged',
    '',
    'Oracles measure a clean snapshot of your committed work after each session. The goal is met when every threshold holds:',
    '',
    '| metric | threshold |',
    '|---|---|',
    ...thresholds,
    '',
    '## Rules',
    '',
    `- Do not change these paths: ${protectedPaths.map((p) => `\`${p}\``).join(', ')}. A change there is reverted as tampering.`,
    '- Make one bounded unit of progress per session, then stop.',
    '- Keep PLAN.md current (the steps, each tied to the metric it should move).',
    '- Write what you tried and why it failed under "## Failed approaches" in NOTES.md, so no later session repeats it.',
    '- Never hard-code reference values or special-case the oracle: the judge reverts that, and a model judge may check it.',
    '',
  ].join('\n');
}
