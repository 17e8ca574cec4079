/** Test helpers: the committed fixture ledgers and a minimal PNG decoder. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { LedgerRecord } from '../../src/ledger/record.js';
import { Spec } from '../../src/spec/schema.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/ledgers');

/** A fixture ledger, validated with the ledger's own schema. */
export function loadFixture(name: string) {
  const dir = path.join(FIXTURES, name);
  const spec = Spec.parse(JSON.parse(readFileSync(path.join(dir, 'spec.json'), 'utf8')));
  const records = readFileSync(path.join(dir, 'ledger.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const r = LedgerRecord.safeParse(JSON.parse(l));
      if (!r.success) throw new Error(`${name}/ledger.jsonl line ${i + 1}: ${r.error.message}`);
      return r.data;
    });
  return {
    spec,
    records,
    notes: readFileSync(path.join(dir, 'NOTES.md'), 'utf8'),
    nextPrompt: readFileSync(path.join(dir, 'next-prompt.md'), 'utf8'),
    artifactRoot: path.join(dir, 'artifacts'),
  };
}

/** Decodes an 8-bit RGB/RGBA, non-interlaced PNG (what resvg writes) into RGBA pixels. */
export function decodePng(buf: Buffer): { width: number; height: number; rgba: Buffer } {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 4;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('ascii', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0) throw new Error('unsupported PNG: bit depth or interlace');
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      if (!channels) throw new Error(`unsupported PNG colour type ${data[9]}`);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(width * height * 4);
  const prev = Buffer.alloc(stride);
  const cur = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? cur[x - channels] : 0;
      const b = prev[x];
      const c = x >= channels ? prev[x - channels] : 0;
      let v = line[x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[x] = v & 0xff;
    }
    for (let x = 0; x < width; x++) {
      out[(y * width + x) * 4] = cur[x * channels];
      out[(y * width + x) * 4 + 1] = cur[x * channels + 1];
      out[(y * width + x) * 4 + 2] = cur[x * channels + 2];
      out[(y * width + x) * 4 + 3] = channels === 4 ? cur[x * channels + 3] : 255;
    }
    cur.copy(prev);
  }
  return { width, height, rgba: out };
}

/** Dark pixels (all channels below 100) in a rectangle of a decoded PNG. */
export function darkPixels(img: { width: number; rgba: Buffer }, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const i = (y * img.width + x) * 4;
      if (img.rgba[i] < 100 && img.rgba[i + 1] < 100 && img.rgba[i + 2] < 100) n++;
    }
  return n;
}
