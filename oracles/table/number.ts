/**
 * A byte-level decimal number scanner for the text readers. Most numbers in
 * scientific tables have at most 15 significant digits and a small exponent;
 * those are converted exactly with one multiplication or division (Clinger's
 * fast path: both operands are exact doubles, so the IEEE result is correctly
 * rounded). Up to 19 digits and exponents within ±290 go through
 * double-double arithmetic with a certainty check; the rare rest is handed to
 * V8's own correctly rounded conversion. Every value equals what
 * `Number(text)` gives.
 */

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Byte offset just past the token of the last scanNumber call. */
export let scanEnd = 0;

/** Decodes a token slowly; set per chunk by the reader so conversions reuse one string. */
export type SlowDecoder = (start: number, end: number) => number;

const SCRATCH = new Float64Array(1);

/**
 * Scans a decimal number starting at `i` (no leading blanks) and returns its
 * value, or NaN when the bytes there are not a well-formed decimal number.
 * The token must end at `end`, a blank, a delimiter or a `#`; `scanEnd` is
 * set to where it ends. Non-finite results (`1e999`) return NaN as well.
 */
export function scanNumber(buf: Uint8Array, i: number, end: number, delimiter: number, slow: SlowDecoder): number {
  return scanNumberInto(buf, i, end, delimiter, slow, SCRATCH, 0) ? SCRATCH[0] : NaN;
}

/**
 * scanNumber that stores the value in `out[index]` and returns whether the
 * token was a finite number. The readers use this form: a double returned
 * from a call that is not inlined is boxed on the heap, and millions of such
 * boxes cost more in garbage collection than the parsing itself.
 */
export function scanNumberInto(buf: Uint8Array, i: number, end: number, delimiter: number, slow: SlowDecoder, out: Float64Array, index: number): boolean {
  const start = i;
  let c = buf[i];
  let neg = false;
  if (c === 45) {
    neg = true;
    i++;
  } else if (c === 43) {
    i++;
  }
  // Significant digits go to integers, which are cheaper than a chain of
  // floating-point multiply-adds: A holds digits 1-9, B digits 10-18, C digit
  // 19. The value is (those digits as one integer) * 10^e; digits past the
  // 19th must be zeros for the fast paths.
  let A = 0;
  let B = 0;
  let C = 0;
  let sig = 0;
  let e = 0;
  let exact = true;
  const intStart = i;
  while (i < end) {
    c = buf[i] - 48;
    if (c < 0 || c > 9) break;
    if (sig < 9) {
      A = A * 10 + c;
      if (A !== 0) sig++;
    } else if (sig < 18) {
      B = B * 10 + c;
      sig++;
    } else if (sig < 19) {
      C = c;
      sig++;
    } else {
      e++;
      if (c !== 0) exact = false;
    }
    i++;
  }
  let digits = i - intStart;
  if (i < end && buf[i] === 46) {
    i++;
    const fracStart = i;
    while (i < end) {
      c = buf[i] - 48;
      if (c < 0 || c > 9) break;
      if (sig < 9) {
        A = A * 10 + c;
        if (A !== 0) sig++;
      } else if (sig < 18) {
        B = B * 10 + c;
        sig++;
      } else if (sig < 19) {
        C = c;
        sig++;
      } else {
        // past the 19th significant digit: not part of the integer, so no e--
        if (c !== 0) exact = false;
        e++;
      }
      i++;
    }
    e -= i - fracStart;
    digits += i - fracStart;
  }
  if (digits === 0) return false;
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
    if (edigits === 0) return false;
    e += eneg ? -ev : ev;
  }
  if (i < end) {
    c = buf[i];
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10 && c !== 35 && c !== delimiter) return false;
  }
  scanEnd = i;
  // Regroup as m (first 15 digits, exact in a double) and m2 (the n2 digits after).
  let m: number;
  let m2 = 0;
  let n2 = 0;
  if (sig <= 9) {
    m = A;
  } else if (sig <= 15) {
    m = A * POW10[sig - 9] + B;
  } else {
    const nB = sig > 18 ? 9 : sig - 9;
    const k = nB - 6;
    const p = POW10[k];
    const hiB = Math.floor(B / p);
    m = A * 1e6 + hiB;
    n2 = k;
    m2 = B - hiB * p;
    if (sig > 18) {
      m2 = m2 * 10 + C;
      n2++;
    }
  }
  let v = NaN;
  if (exact) {
    if (m2 === 0) {
      e += n2; // trailing zeros: (m * 10^n2) * 10^e
      n2 = 0;
    }
    if (n2 === 0 && e >= -22 && e <= 22) {
      v = e < 0 ? m / POW10[-e] : m * POW10[e];
    } else if (n2 === 0 && e > 22 && e <= 22 + 15 - sig) {
      v = m * POW10[e - 22] * 1e22; // m * 10^(e-22) is still an exact integer below 2^53
    } else if (m === 0) {
      v = 0;
    } else if (e >= -DD_EXP && e <= DD_EXP) {
      if (n2 === 0 ? mulPow10(m, e) : mulPow10Split(m, m2, n2, e)) v = DD_OUT[0];
    }
  }
  if (v !== v) {
    v = slow(start, i);
    if (v !== v || v === Infinity || v === -Infinity) return false;
    out[index] = v;
    return true;
  }
  out[index] = neg ? -v : v;
  return true;
}

// ---- double-double path -----------------------------------------------------------------------
// For exponents outside Clinger's range and for 16-19 significant digits:
// m * 10^e is computed in double-double arithmetic (about 104 bits), and the
// rounded result is used only when it cannot be off by the rounding of a
// near-halfway case; otherwise the caller falls back to Number(text).

const DD_EXP = 290;
const SPLIT = 134217729; // 2^27 + 1, Dekker's splitter
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // index of the high word
const LO = 1 - HI;
const POW10_HI = new Float64Array(2 * DD_EXP + 1);
const POW10_LO = new Float64Array(2 * DD_EXP + 1);
const POW10_READY = new Uint8Array(2 * DD_EXP + 1);

/** The exact error of the product a*b = p (Dekker's TwoProduct without FMA). */
function productError(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** 10^e as an unevaluated sum hi + lo, from exact integer arithmetic; computed once per exponent. */
function pow10dd(e: number): void {
  const k = e + DD_EXP;
  if (POW10_READY[k]) return;
  let hi: number;
  let lo: number;
  if (e >= 0) {
    const p = 10n ** BigInt(e);
    hi = Number(p);
    lo = Number(p - BigInt(hi));
  } else {
    hi = Number(`1e${e}`); // correctly rounded
    F64[0] = hi;
    const exp = (U32[HI] >>> 20) & 0x7ff;
    const mant = (BigInt((U32[HI] & 0xfffff) | 0x100000) << 32n) | BigInt(U32[LO]);
    const shift = BigInt(1075 - exp); // hi = mant / 2^shift
    const ten = 10n ** BigInt(-e);
    // 10^e - hi = (2^shift - mant * 10^-e) / (10^-e * 2^shift)
    let num = (1n << shift) - mant * ten;
    const den = ten << shift;
    const sign = num < 0n ? -1 : 1;
    if (num < 0n) num = -num;
    const scale = den.toString(2).length - num.toString(2).length + 64;
    const q = (num << BigInt(scale)) / den;
    lo = sign * Number(q) * 2 ** -Math.floor(scale / 2) * 2 ** -Math.ceil(scale / 2);
  }
  POW10_HI[k] = hi;
  POW10_LO[k] = lo;
  POW10_READY[k] = 1;
}

/** Where the double-double helpers leave their result: returning a double from a call that is not inlined would box it. */
const DD_OUT = new Float64Array(1);

/** Rounds p + t (|t| <= ulp(p)) to a double into DD_OUT[0] when the rounding is certain; false otherwise. */
function roundSure(p: number, t: number): boolean {
  const s = p + t;
  const r = t - (s - p); // s + r = p + t exactly
  F64[0] = s;
  const hiWord = U32[HI];
  const exp = (hiWord >>> 20) & 0x7ff;
  if (exp < 100 || exp > 2000) return false; // near subnormals or overflow: leave it to Number()
  if ((hiWord & 0xfffff) === 0 && U32[LO] === 0) return false; // a power of two: ulps differ on each side
  U32[HI] = (exp - 53) << 20; // half an ulp of s
  U32[LO] = 0;
  const halfUlp = F64[0];
  const margin = (s < 0 ? -s : s) * 8.077935669463161e-28; // 2^-90, far above the ~2^-100 error
  const d = (r < 0 ? -r : r) - halfUlp;
  if (d > margin || d < -margin) {
    DD_OUT[0] = s;
    return true;
  }
  return false;
}

/** m * 10^e for an integer m < 2^53, into DD_OUT[0]; false when unsure. */
function mulPow10(m: number, e: number): boolean {
  pow10dd(e);
  const ph = POW10_HI[e + DD_EXP];
  const pl = POW10_LO[e + DD_EXP];
  const p = m * ph;
  const t = productError(m, ph, p) + m * pl;
  return roundSure(p, t);
}

/** (m * 10^n2 + m2) * 10^e for 16 to 19 significant digits, into DD_OUT[0]; false when unsure. */
function mulPow10Split(m: number, m2: number, n2: number, e: number): boolean {
  const h = m * POW10[n2];
  const l = productError(m, POW10[n2], h); // m * 10^n2 = h + l exactly
  const s = h + m2;
  const bv = s - h;
  const err = h - (s - bv) + (m2 - bv); // TwoSum: h + m2 = s + err
  const mh = s;
  const ml = l + err;
  pow10dd(e);
  const ph = POW10_HI[e + DD_EXP];
  const pl = POW10_LO[e + DD_EXP];
  const p = mh * ph;
  const t = productError(mh, ph, p) + (mh * pl + ml * ph);
  return roundSure(p, t);
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
