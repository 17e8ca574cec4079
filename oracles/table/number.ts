/**
 * A byte-level decimal number scanner for the text readers. Most numbers in
 * scientific tables have at most 15 significant digits and a small exponent;
 * those are converted exactly with one multiplication or division (Clinger's
 * fast path: both operands are exact doubles, so the IEEE result is correctly
 * rounded). Everything else is handed to V8's own correctly rounded
 * conversion, so every value equals what `Number(text)` gives.
 */

const POW10 = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
];

/** Byte offset just past the token of the last scanNumber call. */
export let scanEnd = 0;

/** Decodes a token slowly; set per chunk by the reader so conversions reuse one string. */
export interface SlowDecoder {
  (start: number, end: number): number;
}

/**
 * Scans a decimal number starting at `i` (no leading blanks) and returns its
 * value, or NaN when the bytes there are not a well-formed decimal number.
 * The token must end at `end`, a blank, a delimiter or a `#`; `scanEnd` is
 * set to where it ends. Non-finite results (`1e999`) return NaN as well.
 */
export function scanNumber(buf: Uint8Array, i: number, end: number, delimiter: number, slow: SlowDecoder): number {
  const start = i;
  let c = buf[i];
  let neg = false;
  if (c === 45) {
    neg = true;
    i++;
  } else if (c === 43) {
    i++;
  }
  let m = 0;
  let sig = 0; // significant digits held in m (leading zeros are not)
  let e = 0;
  let digits = 0;
  let exact = true;
  while (i < end) {
    c = buf[i] - 48;
    if (c < 0 || c > 9) break;
    digits++;
    if (sig < 15) {
      m = m * 10 + c;
      if (m !== 0) sig++;
    } else if (c === 0) {
      e++;
    } else {
      exact = false;
    }
    i++;
  }
  if (i < end && buf[i] === 46) {
    i++;
    while (i < end) {
      c = buf[i] - 48;
      if (c < 0 || c > 9) break;
      digits++;
      if (sig < 15) {
        m = m * 10 + c;
        if (m !== 0) sig++;
        e--;
      } else if (c !== 0) {
        exact = false;
      }
      i++;
    }
  }
  if (digits === 0) return NaN;
  if (i < end && (buf[i] | 32) === 101) {
    i++;
    let eneg = false;
    if (i < end && buf[i] === 45) {
      eneg = true;
      i++;
    } else if (i < end && buf[i] === 43) {
      i++;
    }
    let ev = 0;
    let edigits = 0;
    while (i < end) {
      c = buf[i] - 48;
      if (c < 0 || c > 9) break;
      if (ev < 100000) ev = ev * 10 + c;
      edigits++;
      i++;
    }
    if (edigits === 0) return NaN;
    e += eneg ? -ev : ev;
  }
  if (i < end) {
    c = buf[i];
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10 && c !== 35 && c !== delimiter) return NaN;
  }
  scanEnd = i;
  let v: number;
  if (exact && e >= -22 && e <= 22) {
    v = e < 0 ? m / POW10[-e] : m * POW10[e];
  } else if (exact && e > 22 && e <= 22 + 15 - sig) {
    v = m * POW10[e - 22] * 1e22; // m * 10^(e-22) is still an exact integer below 2^53
  } else if (m === 0 && exact) {
    v = 0;
  } else {
    v = slow(start, i);
    if (v !== v || v === Infinity || v === -Infinity) return NaN;
    return v;
  }
  return neg ? -v : v;
}

const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Why a token that scanNumber refused is not a number: non-finite, empty or text. */
export function classifyBadToken(token: string): 'non-finite' | 'empty' | 'text' {
  const t = token.trim();
  if (t === '') return 'empty';
  if (NON_FINITE.test(t)) return 'non-finite';
  if (DECIMAL.test(t) && !Number.isFinite(Number(t))) return 'non-finite';
  return 'text';
}

/** The value of a trimmed decimal string, or NaN when it is not one or is not finite. */
export function parseDecimal(text: string): number {
  const t = text.trim();
  if (!DECIMAL.test(t)) return NaN;
  const v = Number(t);
  return Number.isFinite(v) ? v : NaN;
}

/** Whether a token is a number, finite or not (`1.5`, `nan`, `-inf`): such a row is data, not a header. */
export function isNumberLike(token: string): boolean {
  const t = token.trim();
  return t !== '' && (DECIMAL.test(t) || NON_FINITE.test(t));
}
