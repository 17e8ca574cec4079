/** The pure output comparison of the benchmark oracle, and the host-side reader of output files. */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { comparableStdout, compareOutputs, firstDifference, type RunOutput } from '../../oracles/benchmark/output-compare.js';
import { readOutputFile } from '../../oracles/benchmark/output-read.js';
import { tmpDir } from '../helpers/tmp.js';

const out = (stdout: string, files: RunOutput['files'] = {}): RunOutput => ({ stdout, files });
const all = { stdout: true, files: ['a.txt'] };

describe('comparableStdout', () => {
  it('keeps all of stdout under time: wall, drops only the timing line under time: json', () => {
    expect(comparableStdout('42\n', 'wall')).toBe('42\n');
    expect(comparableStdout('42\n{"seconds": 0.1}\n\n', 'json')).toBe('42');
    expect(comparableStdout('{"seconds": 0.1}\n', 'json')).toBe('');
    expect(comparableStdout('', 'json')).toBe('');
  });
});

describe('compareOutputs', () => {
  it('names each part that differs and where', () => {
    const bytes = (s: string) => ({ ok: true as const, bytes: Buffer.from(s) });
    expect(compareOutputs(out('1\n2', { 'a.txt': bytes('x') }), out('1\n2', { 'a.txt': bytes('x') }), all, 'the best')).toBeUndefined();
    expect(compareOutputs(out('1\n2'), out('1\n3'), { stdout: true, files: [] }, 'the best')).toBe(
      'stdout differs from the best: line 2: expected "2", found "3"',
    );
    expect(compareOutputs(out('1'), out(''), { stdout: false, files: [] }, 'the best')).toBeUndefined();
    const why = compareOutputs(out('', { 'a.txt': bytes('x') }), out('', { 'a.txt': { ok: false, why: 'no such file' } }), all, "the best's");
    expect(why).toMatch(/^output file a.txt is missing or unreadable \(no such file\); the best's run wrote 1 bytes, sha256 [0-9a-f]{12}$/);
  });

  it('firstDifference points at the first differing line', () => {
    expect(firstDifference('a\nb', 'a')).toBe('line 2: expected "b", found (no such line)');
    expect(firstDifference('a', 'a')).toBe('they differ only in line endings');
  });
});

describe('readOutputFile', () => {
  it('reads a regular file; refuses a symlink anywhere on the path, a fifo, and a file over the cap', () => {
    const dir = tmpDir('baton-outread-');
    mkdirSync(path.join(dir, 'd'));
    writeFileSync(path.join(dir, 'd', 'f'), 'hello');
    expect(readOutputFile(dir, 'd/f')).toEqual({ ok: true, bytes: Buffer.from('hello') });
    symlinkSync('/etc', path.join(dir, 'etc'));
    expect(readOutputFile(dir, 'etc/hostname')).toEqual({ ok: false, why: 'etc is a symlink, which is never followed' });
    symlinkSync('/etc/hostname', path.join(dir, 'h'));
    expect(readOutputFile(dir, 'h')).toEqual({ ok: false, why: 'h is a symlink, which is never followed' });
    execFileSync('mkfifo', [path.join(dir, 'p')]);
    expect(readOutputFile(dir, 'p')).toEqual({ ok: false, why: 'not a regular file' });
    expect(readOutputFile(dir, 'd/f', 3)).toEqual({ ok: false, why: '5 bytes, over the 3-byte cap of a compared file' });
    expect(readOutputFile(dir, 'missing')).toEqual({ ok: false, why: 'no such file' });
  });
});
