/**
 * Turning vega-lite specs into pictures, headless: vega-lite → vega → SVG
 * (vega's `renderer: 'none'` view), SVG → PNG with resvg. resvg draws no
 * text at all without fonts, so it is always given explicit font files.
 */
import { existsSync } from 'node:fs';
import { renderAsync } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { installTextMetrics } from './text-width.js';
import { FONT, type VlSpec } from './theme.js';

/** Debian's DejaVu (package fonts-dejavu-core): the font the charts name. */
export const DEFAULT_FONT_FILES = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'];

/** PNG pixels per SVG pixel: 1.5 keeps text crisp enough on high-density screens at about half the cost of 2. */
export const PNG_SCALE = 1.5;

/** Compiles a vega-lite spec, collecting every warning vega-lite logs instead of printing it. */
export function compileSpec(spec: VlSpec): { vega: vega.Spec; warnings: string[] } {
  const warnings: string[] = [];
  const push = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  };
  const logger = {
    _level: 0,
    level(this: { _level: number }, l?: number) {
      if (l === undefined) return this._level;
      this._level = l;
      return this;
    },
    error: push,
    warn: push,
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  // vega-lite's logger type is vega's LoggerInterface; ours collects instead of printing.
  const out = compile(spec as never, { logger: logger as never });
  return { vega: out.spec as vega.Spec, warnings };
}

/** Renders a compiled vega spec to SVG text; ids are reset first so the same spec gives the same bytes. */
export async function renderSvg(spec: vega.Spec): Promise<string> {
  const v = vega as unknown as { resetSVGDefIds?: () => void };
  v.resetSVGDefIds?.();
  installTextMetrics();
  const view = new vega.View(vega.parse(spec), { renderer: 'none', logLevel: vega.Error });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}

/** The font files of `files` that exist; PNG text needs at least one. */
export function availableFonts(files: readonly string[]): string[] {
  return files.filter((f) => existsSync(f));
}

/** Rasterizes SVG to PNG on libuv's thread pool, on white, with only the given fonts. */
export async function renderPng(svg: string, fontFiles: readonly string[], scale = PNG_SCALE): Promise<Buffer> {
  const image = await renderAsync(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { fontFiles: [...fontFiles], loadSystemFonts: false, defaultFontFamily: FONT, sansSerifFamily: FONT },
    logLevel: 'off',
  });
  return image.asPng();
}
