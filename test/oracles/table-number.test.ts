/** The byte-level number scanner must give exactly what Number(text) gives, including near-halfway cases. */
import { describe, expect, it } from 'vitest';
import { scanEnd, scanNumber } from '../../oracles/table/number.js';

let slowCalls = 0;

function scan(text: string): number {
  const buf = Buffer.from(`${text} `, 'latin1');
  const v = scanNumber(buf, 0, buf.length, 0, (a, b) => {
    slowCalls++;
    return Number(buf.toString('latin1', a, b));
  });
  if (v === v && scanEnd !== text.length) throw new Error(`${text}: token ends at ${scanEnd}`);
  return v;
}

function check(text: string): void {
  const want = Number(text);
  const got = scan(text);
  if (!Object.is(got, Number.isFinite(want) ? want : NaN)) throw new Error(`${text}: got ${got}, Number() gives ${want}`);
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The exact decimal digits and exponent of the midpoint between a positive double and the next one up. */
function midpoint(v: number): { digits: string; exp10: number } {
  const f = new Float64Array([v]);
  const u = new BigUint64Array(f.buffer);
  const bits = u[0];
  const e = Number((bits >> 52n) & 0x7ffn);
  const mant = (bits & 0xfffffffffffffn) | (1n << 52n);
  const E = e - 1075; // v = mant * 2^E
  const m2 = 2n * mant + 1n; // midpoint = m2 * 2^(E-1)
  if (E - 1 >= 0) return { digits: (m2 << BigInt(E - 1)).toString(), exp10: 0 };
  const k = 1 - E;
  return { digits: (m2 * 5n ** BigInt(k)).toString(), exp10: -k };
}

describe('scanNumber', () => {
  it('reads the usual spellings', () => {
    for (const t of [
      '0',
      '-0',
      '+1',
      '1.',
      '.5',
      '-.5e-3',
      '1e5',
      '1E+05',
      '007',
      '0.000123',
      '123456789012345678901234567890',
      '1.7976931348623157e308',
      '5e-324',
      '2.2250738585072014e-308',
      '9007199254740993',
      '9007199254740995',
      '1.000000000000000000e+00',
      '4.155858191263e-15',
      '2.287986511973e-19',
    ]) {
      check(t);
    }
  });

  it('refuses malformed tokens and non-finite values', () => {
    for (const t of ['', '-', '+', '.', 'e5', '1e', '1e+', '1.2.3', '--1', '1x', 'nan', 'inf', '-Infinity', '1e400', '0x10']) {
      expect(scan(t), t).toBeNaN();
    }
  });

  it('agrees with Number() on 100,000 random decimals of 1 to 22 digits, exponents -330 to 310', () => {
    const rnd = mulberry32(42);
    slowCalls = 0;
    let inFastRange = 0;
    for (let n = 0; n < 100_000; n++) {
      const nd = 1 + Math.floor(rnd() * 22);
      let digits = String(1 + Math.floor(rnd() * 9));
      for (let k = 1; k < nd; k++) digits += String(Math.floor(rnd() * 10));
      const exp = Math.floor(rnd() * 640) - 330;
      const point = Math.floor(rnd() * (nd + 1));
      const text = `${rnd() < 0.5 ? '-' : ''}${digits.slice(0, point) || '0'}.${digits.slice(point)}e${exp}`;
      if (nd <= 19 && Math.abs(exp - (nd - point)) < 280) inFastRange++;
      check(text);
    }
    // Without a slow path this test would not prove the fast ones: most must avoid Number().
    expect(slowCalls).toBeLessThan(100_000 - inFastRange * 0.99);
  });

  it('agrees with Number() near halfway points, where rounding is hardest', () => {
    const rnd = mulberry32(7);
    slowCalls = 0;
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    for (let n = 0; n < 10_000; n++) {
      u[0] = Math.floor(rnd() * 2 ** 32);
      u[1] = Math.floor(rnd() * 0x7fe00000) + 0x00100000; // positive normal doubles
      const { digits, exp10 } = midpoint(f[0]);
      for (const keep of [16, 17, 18, 19, 20]) {
        const d = digits.slice(0, keep);
        const e = exp10 + (digits.length - d.length);
        for (const tweak of [0, 1]) {
          const last = BigInt(d) + BigInt(tweak);
          check(`${last}e${e}`);
        }
      }
    }
    // 17-19 digits near a midpoint are mostly decided without Number(); exact midpoints are not.
    expect(slowCalls).toBeLessThan(10_000 * 10 * 0.6);
  });
});
