/** Human durations (`30m`, `24h`) and sizes (`4g`, `512m`) used in baton.yaml. */

export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
export const SIZE_PATTERN = /^(\d+(?:\.\d+)?)([kmgt]?)b?$/i;

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_BYTES: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Milliseconds in a duration string such as `90s` or `1.5h`; throws on a malformed one (the schema validates first). */
export function parseDuration(text: string): number {
  const m = DURATION_PATTERN.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${JSON.stringify(text)} (expected e.g. 30s, 10m, 24h)`);
  return Math.round(Number(m[1]) * DURATION_MS[m[2]]);
}

/** Bytes in a size string such as `4g` or `512m`; throws on a malformed one (the schema validates first). */
export function parseSize(text: string): number {
  const m = SIZE_PATTERN.exec(text.trim());
  if (!m) throw new Error(`not a size: ${JSON.stringify(text)} (expected e.g. 512m, 4g)`);
  return Math.round(Number(m[1]) * SIZE_BYTES[m[2].toLowerCase()]);
}

/** A short human form of milliseconds: `850ms`, `12.3s`, `4m05s`, `2h13m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const totalS = Math.round(s);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const sec = totalS % 60;
  if (h === 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${h}h${String(m).padStart(2, '0')}m`;
}
