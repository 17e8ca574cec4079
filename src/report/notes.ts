/**
 * The "failed approaches" of NOTES.md: the worker keeps lab notes in
 * markdown; the report quotes the section(s) whose heading says what did not
 * work, bounded in size.
 */

const FAILED_HEADING = /fail|dead[ -]?end|did(?: not|n't) work|does(?: not|n't) work|abandon|rejected|what not to/i;

/** The text of NOTES.md's failed-approaches sections (headings kept), or undefined when there are none. */
export function failedApproaches(notes: string | undefined): string | undefined {
  if (!notes) return undefined;
  const lines = notes.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let level = 0;
  let inFence = false;
  for (const line of lines) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const h = inFence ? null : /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      const l = h[1].length;
      if (level && l <= level) level = 0;
      if (!level && FAILED_HEADING.test(h[2])) {
        level = l;
        if (out.length) out.push('');
        out.push(`**${h[2].trim()}**`);
        continue;
      }
    }
    if (level) out.push(h ? `**${h[2].trim()}**` : line);
  }
  // HTML comments are template guidance for the worker, not notes
  const text = out
    .join('\n')
    .replace(/<!--[\s\S]*?-->\n?/g, '')
    .trim();
  return text ? text : undefined;
}
