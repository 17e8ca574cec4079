/**
 * Text widths for chart layout. Headless vega has no canvas and guesses every
 * glyph at 0.8 em, which makes titles and legends spread far past the text
 * actually drawn by resvg. These advance widths (em units, printable ASCII
 * 32..126) were measured from DejaVu Sans and DejaVu Sans Bold, the fonts
 * the charts are drawn with.
 */
import * as vega from 'vega';

const REGULAR = [
  0.318, 0.401, 0.46, 0.838, 0.636, 0.95, 0.78, 0.275, 0.39, 0.39, 0.5, 0.838, 0.318, 0.361, 0.318, 0.337, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636,
  0.636, 0.636, 0.636, 0.337, 0.337, 0.838, 0.838, 0.838, 0.531, 1, 0.712, 0.686, 0.698, 0.77, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863,
  0.748, 0.787, 0.603, 0.787, 0.695, 0.635, 0.593, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685, 0.39, 0.337, 0.39, 0.838, 0.5, 0.5, 0.613, 0.635, 0.55, 0.635,
  0.615, 0.344, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974, 0.634, 0.612, 0.635, 0.635, 0.394, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525,
  0.636, 0.337, 0.636, 0.838,
];
const BOLD = [
  0.348, 0.456, 0.521, 0.838, 0.696, 1.002, 0.872, 0.306, 0.457, 0.457, 0.523, 0.838, 0.38, 0.415, 0.38, 0.365, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696,
  0.696, 0.696, 0.696, 0.4, 0.4, 0.838, 0.838, 0.838, 0.58, 1, 0.774, 0.762, 0.734, 0.83, 0.683, 0.683, 0.821, 0.837, 0.372, 0.372, 0.775, 0.637, 0.995, 0.837,
  0.85, 0.733, 0.85, 0.77, 0.675, 0.705, 0.812, 0.774, 1.103, 0.771, 0.724, 0.725, 0.457, 0.365, 0.457, 0.838, 0.5, 0.5, 0.675, 0.716, 0.593, 0.716, 0.678,
  0.405, 0.716, 0.712, 0.343, 0.343, 0.665, 0.343, 1.042, 0.712, 0.687, 0.716, 0.716, 0.493, 0.595, 0.478, 0.712, 0.652, 0.924, 0.645, 0.652, 0.582, 0.712,
  0.365, 0.712, 0.838,
];
/** Non-ASCII glyphs the charts use (·, ×, —, ≤, ...) are close to this. */
const OTHER = 0.84;

/** Width in pixels of `text` in DejaVu Sans at `size` px. */
export function dejaVuWidth(text: string, size: number, bold = false): number {
  const table = bold ? BOLD : REGULAR;
  let em = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    em += c >= 32 && c < 127 ? table[c - 32] : OTHER;
  }
  return em * size;
}

interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
  text?: unknown;
  limit?: number;
}

function textOf(item: TextItem, text: unknown): string {
  const t = text ?? item.text;
  if (t == null) return '';
  return Array.isArray(t) ? t.join(' ') : String(t);
}

let installed = false;

/** Makes vega lay text out with DejaVu widths (process-wide; idempotent). */
export function installTextMetrics(): void {
  if (installed) return;
  const metrics = (vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } }).textMetrics;
  metrics.width = (item, text) => {
    const w = item.fontWeight;
    const bold = w === 'bold' || w === 'bolder' || (typeof w === 'number' && w >= 600) || (typeof w === 'string' && Number(w) >= 600);
    return dejaVuWidth(textOf(item, text), item.fontSize ?? 11, bold);
  };
  installed = true;
}
