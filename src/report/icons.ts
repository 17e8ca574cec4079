/**
 * The icons of report.html as inline SVG. REPORT.md keeps its emoji (GitHub
 * draws them), but a browser draws an emoji only with an emoji font, and a
 * server or a fresh Linux desktop often has none: ✅ became an empty box
 * there. Shapes and colours follow the charts (theme.ts VERDICT_STYLE), so a
 * kept iteration is the same green everywhere.
 */
import type { VerdictKind } from '../ledger/record.js';
import type { ReportModel } from './model.js';
import { htmlEscape } from './format.js';
import { COLORS, VERDICT_STYLE } from './theme.js';

type Shape = 'check' | 'cross' | 'flag' | 'revert' | 'bang' | 'warn' | 'pause' | 'bar' | 'play' | 'stop' | 'square' | 'fork' | 'fence';

const WHITE = 'fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"';

function draw(shape: Shape, color: string): string {
  const disc = `<circle cx="8" cy="8" r="7.5" fill="${color}"/>`;
  switch (shape) {
    case 'check':
      return `${disc}<path d="M4.5 8.3l2.3 2.4L11.6 5.6" ${WHITE}/>`;
    case 'cross':
      return `${disc}<path d="M5.2 5.2l5.6 5.6M10.8 5.2l-5.6 5.6" ${WHITE}/>`;
    case 'flag':
      return `<path d="M3.5 1.5v13" stroke="${color}" stroke-width="1.6" stroke-linecap="round"/><path d="M4.3 2.2h9l-2.4 3.4 2.4 3.4h-9z" fill="${color}"/>`;
    case 'revert':
      return `${disc}<path d="M5.5 6.5h4.2a2.3 2.3 0 0 1 0 4.6H7.5" ${WHITE}/><path d="M7.4 4.4L5.3 6.5l2.1 2.1" ${WHITE}/>`;
    case 'bang':
      return `${disc}<path d="M8 4.2v4.6" ${WHITE}/><circle cx="8" cy="11.6" r="1.1" fill="#fff"/>`;
    case 'warn':
      return `<path d="M8 1.2L15.3 14.3H0.7z" fill="${color}" stroke="${color}" stroke-linejoin="round"/><path d="M8 5.8v4" ${WHITE}/><circle cx="8" cy="12.2" r="1" fill="#fff"/>`;
    case 'pause':
      return `${disc}<path d="M6.2 5v6M9.8 5v6" ${WHITE}/>`;
    case 'bar':
      return `${disc}<path d="M4.6 8h6.8" ${WHITE}/>`;
    case 'play':
      return `${disc}<path d="M6.5 4.8l4.6 3.2-4.6 3.2z" fill="#fff"/>`;
    case 'stop':
      return `${disc}<path d="M5.4 5.4h5.2v5.2H5.4z" fill="#fff"/>`;
    case 'square':
      return `<rect x="2.5" y="2.5" width="11" height="11" fill="${color}"/>`;
    case 'fork':
      return `${disc}<path d="M5 4.5v3.5l3 2.5 3-2.5V4.5M8 10.5v1.5" ${WHITE}/>`;
    case 'fence':
      return `${disc}<path d="M5 4.5v7M11 4.5v7M4 8h8" ${WHITE}/>`;
  }
}

/** An icon with its meaning as title and accessible name. */
function svg(shape: Shape, color: string, label: string): string {
  const l = htmlEscape(label);
  return `<svg class="icon" viewBox="0 0 16 16" width="16" height="16" role="img" aria-label="${l}"><title>${l}</title>${draw(shape, color)}</svg>`;
}

const VERDICT_SHAPE: Record<VerdictKind, Shape> = {
  baseline: 'square',
  keep: 'check',
  met: 'flag',
  revert: 'revert',
  crashed: 'bang',
  tamper: 'warn',
  conflict: 'fork',
  'out-of-scope': 'fence',
  stalled: 'pause',
  budget: 'bar',
};

/** A verdict as icon and word: `✓ kept`, drawn. */
export function verdictHtml(kind: VerdictKind): string {
  const s = VERDICT_STYLE[kind];
  return `${svg(VERDICT_SHAPE[kind], s.color, s.label)}${htmlEscape(s.label)}`;
}

const STATE: Record<ReportModel['state'], { shape: Shape; color: string; label: string }> = {
  met: { shape: 'flag', color: VERDICT_STYLE.met.color, label: 'met' },
  running: { shape: 'play', color: COLORS.latest, label: 'running' },
  stalled: { shape: 'pause', color: VERDICT_STYLE.stalled.color, label: 'stalled' },
  budget: { shape: 'bar', color: VERDICT_STYLE.budget.color, label: 'budget exhausted' },
  interrupted: { shape: 'stop', color: COLORS.muted, label: 'interrupted' },
  error: { shape: 'cross', color: COLORS.threshold, label: 'stopped by an error' },
};

/** The run's state as icon and words. */
export function stateHtml(state: ReportModel['state']): string {
  const s = STATE[state];
  return `${svg(s.shape, s.color, s.label)}${htmlEscape(s.label)}`;
}

/** The run's state in words alone (the page title has no room for an icon). */
export function stateText(state: ReportModel['state']): string {
  return STATE[state].label;
}

/** A threshold's status: pass, fail or a dash. */
export function statusHtml(status: 'pass' | 'fail' | '—'): string {
  if (status === 'pass') return `${svg('check', COLORS.passed, 'pass')}pass`;
  if (status === 'fail') return `${svg('cross', COLORS.failed, 'fail')}fail`;
  return '—';
}

/** The mark before an integrity warning. */
export function warningIcon(): string {
  return svg('warn', '#E69F00', 'warning');
}
