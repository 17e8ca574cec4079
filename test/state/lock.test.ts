import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { acquireLock, lockHolder } from '../../src/state/lock.js';
import { tmpDir } from '../helpers/tmp.js';

describe('the experiment lock', () => {
  it('refuses a second holder while the first process lives, naming its pid', async () => {
    const file = path.join(tmpDir(), 'lock');
    const child = execa('sleep', ['30']);
    fs.writeFileSync(file, JSON.stringify({ v: 1, pid: child.pid, host: os.hostname(), startedAt: '2026-01-01T00:00:00Z' }));
    try {
      expect(() => acquireLock(file)).toThrowError(new RegExp(`pid ${child.pid}`));
      expect(lockHolder(file)?.pid).toBe(child.pid);
    } finally {
      child.kill();
      await child.catch(() => undefined);
    }
  });

  it('takes over a stale lock of a dead process with a warning', async () => {
    const file = path.join(tmpDir(), 'lock');
    const child = execa('true');
    const dead = { pid: child.pid };
    await child;
    fs.writeFileSync(file, JSON.stringify({ v: 1, pid: dead.pid, host: os.hostname(), startedAt: '2026-01-01T00:00:00Z' }));
    expect(lockHolder(file)).toBeUndefined();
    const lock = acquireLock(file);
    expect(lock.warning).toContain(`stale lock of pid ${dead.pid}`);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('does not guess about a lock held on another host', () => {
    const file = path.join(tmpDir(), 'lock');
    fs.writeFileSync(file, JSON.stringify({ v: 1, pid: 1, host: 'elsewhere', startedAt: '2026-01-01T00:00:00Z' }));
    expect(() => acquireLock(file)).toThrowError(/locked by pid 1 on host elsewhere/);
  });
});
