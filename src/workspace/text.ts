/** Bounded text: cutting with a visible marker, keeping the head and the tail. */

/** Cuts `text` to at most `max` characters, keeping head and tail around a marker that says how much was cut. */
export function cutMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = (n: number): string => `\n[… ${n} characters cut …]\n`;
  const room = Math.max(0, max - marker(text.length).length);
  const head = Math.ceil(room * 0.6);
  const tail = room - head;
  return text.slice(0, head) + marker(text.length - room) + (tail > 0 ? text.slice(text.length - tail) : '');
}

/** Keeps the last `max` characters (the newest part of a log), with a marker in front. */
export function keepTail(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = (n: number): string => `[… ${n} earlier characters cut …]\n`;
  const room = Math.max(0, max - marker(text.length).length);
  return marker(text.length - room) + text.slice(text.length - room);
}

/** The body of a markdown section (`## Title` up to the next heading of the same or higher level). */
export function markdownSection(markdown: string, title: string): string | undefined {
  const lines = markdown.split('\n');
  const start = lines.findIndex(
    (l) =>
      /^#{1,6}\s/.test(l) &&
      l
        .replace(/^#+\s*/, '')
        .trim()
        .toLowerCase() === title.toLowerCase(),
  );
  if (start < 0) return undefined;
  const level = /^#+/.exec(lines[start])![0].length;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    const m = /^(#+)\s/.exec(lines[i]);
    if (m && m[1].length <= level) {
      end = i;
      break;
    }
  }
  return lines
    .slice(start + 1, end)
    .join('\n')
    .trim();
}

/** A byte count for people: `1.0 GB`, `512 MB`, `12 kB`, `80 B`. */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'kB'],
  ];
  for (const [size, unit] of units) if (bytes >= size) return `${(bytes / size).toFixed(1)} ${unit}`;
  return `${bytes} B`;
}
