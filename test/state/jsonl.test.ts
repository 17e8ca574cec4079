import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { appendJsonl, readJsonl } from '../../src/state/jsonl.js';
import { ROOT, tmpDir } from '../helpers/tmp.js';

const Rec = z.object({ v: z.literal(1), n: z.number() });

describe('JSON lines state files', () => {
  it('round-trips records', () => {
    const file = path.join(tmpDir(), 'j.jsonl');
    for (let n = 0; n < 5; n++) appendJsonl(file, { v: 1, n });
    expect(readJsonl(file, Rec)).toEqual({ records: [0, 1, 2, 3, 4].map((n) => ({ v: 1, n })), warnings: [] });
  });

  it('a missing file is an empty log', () => {
    expect(readJsonl(path.join(tmpDir(), 'none.jsonl'), Rec).records).toEqual([]);
  });

  it('detects a torn last line, warns, and cuts it off only when repairing', () => {
    const file = path.join(tmpDir(), 'j.jsonl');
    appendJsonl(file, { v: 1, n: 1 });
    fs.appendFileSync(file, '{"v":1,"n":2'); // a crash in the middle of a write
    const read = readJsonl(file, Rec);
    expect(read.records).toEqual([{ v: 1, n: 1 }]);
    expect(read.warnings[0]).toContain('line 2 was torn by a crash');
    expect(fs.readFileSync(file, 'utf8')).toContain('"n":2'); // not repaired on a plain read
    const repaired = readJsonl(file, Rec, { repair: true });
    expect(repaired.warnings[0]).toContain('cut off');
    expect(fs.readFileSync(file, 'utf8')).toBe('{"v":1,"n":1}\n');
    appendJsonl(file, { v: 1, n: 3 });
    expect(readJsonl(file, Rec).records.map((r) => r.n)).toEqual([1, 3]);
  });

  it('a corrupt line in the middle is an error naming the file and line, never skipped', () => {
    const file = path.join(tmpDir(), 'ledger.jsonl');
    appendJsonl(file, { v: 1, n: 1 });
    fs.appendFileSync(file, 'garbage\n');
    appendJsonl(file, { v: 1, n: 3 });
    expect(() => readJsonl(file, Rec)).toThrowError(new RegExp(`${file}: line 2 is not valid JSON`));
  });

  it('a line that does not match the schema names the key', () => {
    const file = path.join(tmpDir(), 'ledger.jsonl');
    appendJsonl(file, { v: 1, n: 'one' });
    expect(() => readJsonl(file, Rec)).toThrowError(/line 1 does not match the record schema at n/);
  });

  it('concurrent appenders from several processes never interleave lines', async () => {
    const file = path.join(tmpDir(), 'j.jsonl');
    const script = `
      import { appendJsonl } from ${JSON.stringify(path.join(ROOT, 'dist/src/state/jsonl.js'))};
      const id = Number(process.argv[1]);
      for (let n = 0; n < 200; n++) appendJsonl(${JSON.stringify(file)}, { v: 1, n: id * 1000 + n, pad: 'x'.repeat(2000) });`;
    await Promise.all([1, 2, 3, 4].map((id) => execa('node', ['--input-type=module', '-e', script, String(id)])));
    const records = readJsonl(file, Rec.passthrough()).records;
    expect(records).toHaveLength(800);
    expect(new Set(records.map((r) => r.n)).size).toBe(800);
  });
});
