/** The one classification of a command's end every provider shares, and the cgroup lookup every host counter shares. */
import { describe, expect, it } from 'vitest';
import { parseProcCgroup } from '../../src/sandbox/cgroup-files.js';
import { OOM_CAUSE, classifyExit, engineStartFailure } from '../../src/sandbox/exec-outcome.js';

describe('classifyExit', () => {
  const facts = { durationMs: 1000, timeoutMs: 1000, oomKilled: false };
  it("counts timeout's codes near the limit as the timeout, with no exit code", () => {
    expect(classifyExit({ ...facts, exitCode: 124 })).toEqual({ exitCode: null, timedOut: true, oomKilled: false, cause: 'killed after the 1000 ms timeout' });
    expect(classifyExit({ ...facts, exitCode: 137, durationMs: 960 })).toMatchObject({ exitCode: null, timedOut: true });
  });
  it('keeps a command that exits 124 itself, early, as its own exit code', () => {
    expect(classifyExit({ ...facts, exitCode: 124, durationMs: 10 })).toEqual({ exitCode: 124, timedOut: false, oomKilled: false });
  });
  it("reports an OOM kill's 137 as the OOM kill, not the timeout", () => {
    expect(classifyExit({ ...facts, exitCode: 137, oomKilled: true })).toEqual({ exitCode: 137, timedOut: false, oomKilled: true, cause: OOM_CAUSE });
  });
  it("counts the host's own deadline as the timeout whatever the code", () => {
    expect(classifyExit({ ...facts, exitCode: null, durationMs: 5, killedByHost: true })).toMatchObject({ exitCode: null, timedOut: true });
  });
  it('passes an ordinary exit through', () => {
    expect(classifyExit({ ...facts, exitCode: 3, durationMs: 5 })).toEqual({ exitCode: 3, timedOut: false, oomKilled: false });
  });
});

describe('engineStartFailure', () => {
  it("blames the command for a bad cwd or executable, the sandbox for anything else, and ignores other 126's", () => {
    expect(engineStartFailure(126, 'OCI runtime exec failed: chdir to cwd ("/nope") set in config.json failed\n')).toMatchObject({ commandFault: true });
    expect(engineStartFailure(126, 'OCI runtime exec failed: fork/exec: resource temporarily unavailable')).toMatchObject({ commandFault: false });
    expect(engineStartFailure(126, 'permission denied')).toBeUndefined();
    expect(engineStartFailure(1, 'OCI runtime exec failed: x')).toBeUndefined();
  });
});

describe('parseProcCgroup', () => {
  it('reads v1 lines with their controllers and the v2 line with none', () => {
    expect(parseProcCgroup('4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n1:name=systemd:/\n0::/user.slice\n')).toEqual([
      { controllers: ['memory'], path: '/docker/abc' },
      { controllers: ['cpu', 'cpuacct'], path: '/docker/abc' },
      { controllers: ['name=systemd'], path: '/' },
      { controllers: [], path: '/user.slice' },
    ]);
  });
});
