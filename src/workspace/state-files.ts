/** The state files a fresh session reads (DESIGN.md §3): initial PLAN.md and NOTES.md, and NOTES.md edits. */
import type { Spec } from '../spec/schema.js';

/** PLAN.md before any session: the thresholds as the steps to reach. */
export function initialPlan(spec: Spec): string {
  const steps = Object.entries(spec.thresholds).map(([m, t]) => `- [ ] bring \`${m}\` to \`${t}\``);
  return ['# Plan', '', '<!-- Worker-maintained: the steps, each tied to the metric it should move. -->', '', ...steps, ''].join('\n');
}

/** NOTES.md before any session. */
export function initialNotes(): string {
  return [
    '# Notes',
    '',
    '<!-- Worker-maintained lab notes: what was tried, what was learned. -->',
    '',
    '## Failed approaches',
    '',
    '<!-- One bullet per approach that did not work, and why. The next sessions read this. -->',
    '',
  ].join('\n');
}

/** Appends a bullet to a section of NOTES.md, creating the section when missing. */
export function appendToSection(notes: string, section: string, text: string): string {
  const bullet = `- ${text.trim().replace(/\n+/g, ' ')}`;
  const lines = notes.split('\n');
  const start = lines.findIndex(
    (l) =>
      /^##\s/.test(l) &&
      l
        .replace(/^##\s*/, '')
        .trim()
        .toLowerCase() === section.toLowerCase(),
  );
  if (start < 0) return `${notes.replace(/\n*$/, '\n')}\n## ${section}\n\n${bullet}\n`;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++)
    if (/^#{1,2}\s/.test(lines[i])) {
      end = i;
      break;
    }
  let insertAt = end;
  while (insertAt > start + 1 && lines[insertAt - 1].trim() === '') insertAt--;
  lines.splice(insertAt, 0, bullet);
  return lines.join('\n');
}
