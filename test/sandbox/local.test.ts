/** The local sandbox: bubblewrap where it works (else a visible skip), and the plain-process fallback. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalSandboxProvider, NO_ISOLATION_WARNING, type SandboxHandle, type SandboxStartOptions } from '../../src/sandbox/index.js';
import { createLocalCgroup } from '../../src/sandbox/cgroup.js';
import { bwrapWorks } from '../../src/sandbox/local.js';
import { REQUIRED, spec } from './guard.js';

const hasBwrap = await bwrapWorks();
if (!hasBwrap && REQUIRED) throw new Error('BATON_REQUIRE_DOCKER=1 but bubblewrap (bwrap) does not work here: install bubblewrap');
if (!hasBwrap) console.warn('\n[baton] NOTICE: bubblewrap does not work here; skipping the bwrap sandbox tests.\n');
const isRoot = process.getuid?.() === 0;
// The memory and pids limits bind only where the local sandbox can create cgroups (root on a cgroup v1 host);
// elsewhere a fork bomb would meet no limit at all (RLIMIT_NPROC does not bind root) and hit the host.
const probe = isRoot ? await createLocalCgroup(`baton-probe-${process.pid}`, 64 * 1024 ** 2, 64) : undefined;
await probe?.remove();
const cgroupLimits = probe !== undefined;
if (isRoot && !cgroupLimits) console.warn('\n[baton] NOTICE: no cgroup v1 limits for the local sandbox here; skipping its fork bomb test.\n');

let ws: string;
const started: SandboxHandle[] = [];

async function start(provider: LocalSandboxProvider, over: Partial<SandboxStartOptions> = {}): Promise<SandboxHandle> {
  const sb = await provider.start({
    spec: spec({ kind: 'local' }),
    role: 'worker',
    mounts: [{ hostPath: ws, containerPath: '/workspace', readOnly: false }],
    env: { BATON_ITERATION: '2' },
    labels: { experiment: 'local-test', run: 'r', iteration: 2 },
    ...over,
  });
  started.push(sb);
  return sb;
}

beforeAll(async () => {
  ws = await mkdtemp(path.join(os.tmpdir(), 'baton-local-ws-'));
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await rm(ws, { recursive: true, force: true });
});

describe.skipIf(!hasBwrap)('local sandbox (bubblewrap)', () => {
  const provider = new LocalSandboxProvider('bwrap');

  it('carries no warning', () => {
    expect(provider.warning).toBeUndefined();
  });

  it('returns output, exit codes, stdin, env and cwd as data', async () => {
    const sb = await start(provider);
    const r = await sb.exec('echo out; echo err >&2; cat; echo " $FOO $BATON_ITERATION $(pwd)"; exit 4', { stdin: 'in', env: { FOO: 'f' } });
    expect(r).toMatchObject({ exitCode: 4, stdout: 'out\nin f 2 /workspace\n', stderr: 'err\n', timedOut: false, sandboxDied: false });
  });

  it("writes to /workspace on the host, the harness user's once stopped; the root is read-only", async () => {
    const sb = await start(provider);
    const r = await sb.exec('echo hi > /workspace/w.txt; touch /usr/x 2>&1; touch /newfile 2>&1; echo ok > /tmp/t && cat /tmp/t');
    expect(r.stdout).toMatch(/(Read-only file system|Permission denied)[\s\S]*(Read-only file system|Permission denied)[\s\S]*ok\n$/);
    expect(await readFile(path.join(ws, 'w.txt'), 'utf8')).toBe('hi\n');
    // As root the file is the sandbox user's while it runs (lent), and handed back at stop.
    expect((await stat(path.join(ws, 'w.txt'))).uid).toBe(isRoot ? 1000 : process.getuid!());
    await sb.stop();
    expect((await stat(path.join(ws, 'w.txt'))).uid).toBe(process.getuid!());
  });

  it('refuses an exec as another user, as data', async () => {
    const sb = await start(provider);
    const r = await sb.exec('id -u', { user: '0:0' });
    expect(r).toMatchObject({ exitCode: null, stdout: '' });
    expect(r.cause).toMatch(/cannot run a command as user "0:0"/);
  });

  it('has a private /tmp, hides home folders and the experiment folder', async () => {
    const marker = path.join(os.tmpdir(), `baton-host-marker-${process.pid}`);
    await writeFile(marker, 'host');
    try {
      const sb = await start(provider);
      const r = await sb.exec(`ls ${marker} 2>&1; ls /root | wc -l; ls ${path.dirname(ws)} | wc -l`);
      expect(r.stdout).toMatch(/No such file[\s\S]*\n0\n/);
    } finally {
      await rm(marker, { force: true });
    }
  });

  it('has no network', async () => {
    const sb = await start(provider);
    const r = await sb.exec(
      `ls /sys/class/net 2>/dev/null | grep -v lo | wc -l; timeout 5 bash -c 'echo > /dev/tcp/1.1.1.1/53' 2>/dev/null && echo CONNECTED || echo UNREACHABLE`,
    );
    expect(r.stdout.trim().split('\n').pop()).toBe('UNREACHABLE');
  });

  it('keeps secrets of the harness environment out', async () => {
    const secret = `sk-ant-local-${Math.random().toString(36).slice(2)}`;
    process.env.ANTHROPIC_API_KEY = secret;
    try {
      const sb = await start(provider);
      const r = await sb.exec("env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'");
      expect(r.stdout).toContain('BATON_ITERATION=2');
      expect(r.stdout).not.toContain(secret);
    } finally {
      delete process.env.ANTHROPIC_API_KEY;
    }
  });

  it('times out `sleep 1000` after 2 s and leaves no process behind', async () => {
    const sb = await start(provider);
    const t0 = Date.now();
    const r = await sb.exec('sleep 1001', { timeoutMs: 2000 });
    expect(r.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(6000);
    await new Promise((res) => setTimeout(res, 300));
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps).not.toContain('sleep 1001');
  });

  it.skipIf(!isRoot)('reports an allocation beyond the memory limit as oomKilled (cgroup v1 limits)', async () => {
    const sb = await start(provider, { spec: spec({ kind: 'local', memory: '128m' }) });
    const r = await sb.exec('python3 -c "b = bytearray(400 * 1024 * 1024); print(len(b))"', { timeoutMs: 60_000 });
    expect(r.exitCode).not.toBe(0);
    // Where the cgroup could be created the kill is named; with prlimit alone it is a MemoryError.
    expect(r.oomKilled || /MemoryError/.test(r.stderr)).toBe(true);
    const next = await sb.exec('echo fine');
    expect(next).toMatchObject({ exitCode: 0, oomKilled: false });
  });

  it.skipIf(!cgroupLimits)('contains a fork bomb with the pids limit', async () => {
    const sb = await start(provider, { spec: spec({ kind: 'local', pids: 64 }) });
    const bomb = await sb.exec('bomb() { bomb | bomb & }; bomb; sleep 2', { timeoutMs: 10_000 });
    expect(bomb.stderr).toMatch(/fork|Resource temporarily unavailable/);
    // Its processes die with the exec's pid namespace.
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain('bomb | bomb');
    const after = await sb.exec('echo alive', { timeoutMs: 20_000 });
    expect(after.stdout).toBe('alive\n');
  });
});

describe('local sandbox without bubblewrap (plain processes)', () => {
  const provider = new LocalSandboxProvider('none');

  it('says loudly that nothing is isolated, as data', () => {
    expect(provider.warning).toBe(NO_ISOLATION_WARNING);
    expect(provider.warning).toMatch(/NOTHING IS ISOLATED/);
  });

  it('runs commands in the workspace with only the given environment, and times out', async () => {
    process.env.ANTHROPIC_API_KEY = 'sk-ant-plain-secret';
    try {
      const sb = await start(provider);
      const r = await sb.exec('echo x > plain.txt; echo "$BATON_ITERATION ${ANTHROPIC_API_KEY:-unset}"');
      expect(r).toMatchObject({ exitCode: 0, stdout: '2 unset\n' });
      expect(await readFile(path.join(ws, 'plain.txt'), 'utf8')).toBe('x\n');
      const t = await sb.exec('sleep 1002', { timeoutMs: 1000 });
      expect(t.timedOut).toBe(true);
    } finally {
      delete process.env.ANTHROPIC_API_KEY;
    }
  });
});
