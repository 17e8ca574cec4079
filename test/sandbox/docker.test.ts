/**
 * The Docker sandbox against the real engine. Skips with a notice without an
 * engine; fails instead when BATON_REQUIRE_DOCKER=1.
 */
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DockerSandboxProvider, type SandboxHandle, type SandboxStartOptions } from '../../src/sandbox/index.js';
import { dockerReady, spec } from './guard.js';

const ready = await dockerReady();
const docker = new Docker();
const provider = new DockerSandboxProvider();
const started: SandboxHandle[] = [];
let ws: string;

async function start(over: Partial<SandboxStartOptions> = {}, via: DockerSandboxProvider = provider): Promise<SandboxHandle> {
  const sb = await via.start({
    spec: spec(),
    role: 'worker',
    mounts: [{ hostPath: ws, containerPath: '/workspace', readOnly: false }],
    env: { BATON_ITERATION: '1' },
    labels: { experiment: 'sandbox-test', run: 'r1', iteration: 1 },
    ...over,
  });
  started.push(sb);
  return sb;
}

describe.skipIf(!ready.ok)('docker sandbox', () => {
  // A fresh root-owned workspace per test, so one failure cannot leak ownership into the next.
  beforeEach(async () => {
    ws = await mkdtemp(path.join(os.tmpdir(), 'baton-ws-'));
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
    await rm(ws, { recursive: true, force: true });
  });

  it('creates the container with every isolation setting', async () => {
    const sb = await start();
    const info = await docker.getContainer(sb.id).inspect();
    const h = info.HostConfig;
    expect(h.NetworkMode).toBe('none');
    expect(h.ReadonlyRootfs).toBe(true);
    expect(h.Memory).toBe(256 * 1024 ** 2);
    expect(h.MemorySwap).toBe(h.Memory);
    expect(h.NanoCpus).toBe(1e9);
    expect(h.PidsLimit).toBe(128);
    expect(h.CapDrop).toEqual(['ALL']);
    expect(h.SecurityOpt).toEqual(['no-new-privileges']);
    expect(h.Init).toBe(true);
    expect(info.Mounts.map((m) => m.Source)).toEqual([ws]);
    expect(info.Config.Labels).toMatchObject({ 'baton.experiment': 'sandbox-test', 'baton.role': 'worker', 'baton.owner-pid': String(process.pid) });
    const r = await sb.exec('id -u; cat /proc/self/status | grep CapEff; ls /var/run/docker.sock 2>&1 || true');
    expect(r.stdout).toMatch(/^1000\nCapEff:\s+0000000000000000\n/);
    expect(r.stdout).toContain('No such file');
    // Every process the exec did not start belongs to another uid: candidate code cannot ptrace-inject itself into
    // the container's own processes to outlive a kill step (red team 2, verified attack). Fails if they run as 1000.
    const others = await sb.exec(
      "for p in /proc/[0-9]*; do case $(cat $p/comm 2>/dev/null) in tini|sleep|docker-init) awk '/^Uid:/{print $2}' $p/status;; esac; done | sort -u",
    );
    expect(others.stdout.split('\n').filter(Boolean)).toEqual(['65534']);
  });

  it('returns separated output, exit codes, stdin, env and cwd as data', async () => {
    const sb = await start();
    const r = await sb.exec('echo out; echo err >&2; exit 3');
    expect(r).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false, oomKilled: false, sandboxDied: false, outputTruncated: false });
    const s = await sb.exec('cat; echo " $FOO $BATON_ITERATION $(pwd)"', { stdin: 'piped', env: { FOO: 'foo' }, cwd: '/tmp' });
    expect(s.stdout).toBe('piped foo 1 /tmp\n');
    const bad = await sb.exec('true', { cwd: '/does/not/exist' });
    expect(bad).toMatchObject({ exitCode: 126, sandboxDied: false, stdout: '' });
    expect(bad.stderr).toMatch(/does\/not\/exist/);
  });

  it('caps output, keeping head and tail, and says what it dropped', async () => {
    const sb = await start();
    const r = await sb.exec('echo START; head -c 3000000 /dev/zero | tr "\\0" a; echo; echo END', { maxOutputBytes: 1000 });
    expect(r.exitCode).toBe(0);
    expect(r.outputTruncated).toBe(true);
    expect(r.stdout.startsWith('START\n')).toBe(true);
    expect(r.stdout.endsWith('END\n')).toBe(true);
    expect(r.stdout).toMatch(/\[\.\.\. \d+ bytes dropped by baton \.\.\.\]/);
    expect(r.stdout.length).toBeLessThan(1100);
  });

  it('reports an allocation beyond the memory limit inside an exec as oomKilled', async () => {
    const sb = await start({ spec: spec({ memory: '128m' }) });
    const r = await sb.exec('python3 -c "b = bytearray(400 * 1024 * 1024); print(len(b))"', { timeoutMs: 60_000 });
    expect(r.oomKilled).toBe(true);
    expect(r.sandboxDied).toBe(false);
    expect(r.exitCode).toBe(137);
    expect(r.cause).toMatch(/out-of-memory/);
    // The container survives, and the next command is not blamed for the old kill.
    const next = await sb.exec('echo fine');
    expect(next).toMatchObject({ exitCode: 0, oomKilled: false, stdout: 'fine\n' });
  });

  it('detects the OOM kill from inside the container too (remote engines)', async () => {
    const inside = new DockerSandboxProvider(docker, undefined, { oomCounter: 'inside' });
    const sb = await inside.start({
      spec: spec({ memory: '128m' }),
      role: 'oracle',
      mounts: [],
      env: {},
      labels: { experiment: 'sandbox-test', run: 'r1', iteration: 1 },
    });
    started.push(sb);
    const r = await sb.exec('python3 -c "b = bytearray(400 * 1024 * 1024)"', { timeoutMs: 60_000 });
    expect(r.oomKilled).toBe(true);
    expect((await sb.exec('true')).oomKilled).toBe(false);
  });

  it('times out `sleep 1000` after 2 s and leaves no sleep behind', async () => {
    const sb = await start();
    const t0 = Date.now();
    const r = await sb.exec('sleep 1000', { timeoutMs: 2000 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(Date.now() - t0).toBeLessThan(6000);
    const ps = await sb.exec('ps -eo args');
    expect(ps.stdout).not.toContain('sleep 1000');
  });

  it('times out a command that ignores SIGTERM (timeout -k)', async () => {
    const sb = await start();
    const t0 = Date.now();
    const r = await sb.exec("trap '' TERM; sleep 1000 & while :; do sleep 1; done", { timeoutMs: 1500 });
    expect(r.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(8000);
  });

  it('gives up on a hung exec at the host-side deadline (frozen container)', async () => {
    const sb = await start({ mounts: [] });
    const t0 = Date.now();
    const pending = sb.exec('sleep 60', { timeoutMs: 3000 });
    const container = docker.getContainer(sb.id);
    // Freeze it while the command runs: `timeout` inside is frozen too, only the host can end the wait.
    for (let i = 0; i < 100; i++) {
      const top = await container.top({ ps_args: '-eo pid,args' }).catch(() => ({ Processes: [] as string[][] }));
      if (top.Processes?.some((p: string[]) => p.join(' ').includes('sleep 60'))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await container.pause();
    try {
      const r = await pending;
      expect(r.timedOut).toBe(true);
      expect(r.exitCode).toBeNull();
      expect(r.cause).toMatch(/abandoned by the host/);
      expect(Date.now() - t0).toBeLessThan(20_000);
    } finally {
      await container.unpause();
    }
  });

  // Where the counters are read: the host's cgroup files (local engine), or the engine's stats (remote engines).
  const counters = [
    ['host cgroup files', {}],
    ['engine stats', { oomCounter: 'inside' }],
  ] as const;

  /** The processes in the sandbox besides its init and main process, and the exec that lists them. */
  async function others(sb: SandboxHandle): Promise<string[]> {
    const ps = await sb.exec('ps -eo pid=,args=', { timeoutMs: 20_000 });
    expect(ps.exitCode, JSON.stringify(ps)).toBe(0);
    return ps.stdout.split('\n').filter((l) => l.trim() && !/^\s*1 |sleep infinity|ps -eo|bash -c ps|timeout/.test(l));
  }

  it('contains a fork bomb with the pids limit; the sandbox stays usable or is reported dead', async () => {
    const sb = await start({ spec: spec({ pids: 64 }) });
    const bomb = await sb.exec('bomb() { bomb | bomb & }; bomb; sleep 2', { timeoutMs: 10_000 });
    // The limit refused forks, and bash said so. Whether `sleep 2` got a pid (the exec ends with the bomb
    // still running) or not (the exec's timeout kills the bomb) is a race; either way the next command runs.
    expect(bomb.sandboxDied, JSON.stringify(bomb)).toBe(false);
    expect(bomb.stderr).toMatch(/fork|Resource temporarily unavailable/);
    const after = await sb.exec('echo alive', { timeoutMs: 20_000 });
    expect(after, JSON.stringify(after)).toMatchObject({ exitCode: 0, stdout: 'alive\n', sandboxDied: false });
    expect(await others(sb)).toEqual([]);
    // The host is unaffected: the pids limit held inside the container.
    const info = await docker.getContainer(sb.id).inspect();
    expect(info.HostConfig.PidsLimit).toBe(64);
  });

  for (const [where, options] of counters) {
    it(`restores a sandbox whose fork bomb outlives its exec: every process killed, the next command runs (${where})`, async () => {
      const sb = await start({ spec: spec({ pids: 64 }) }, new DockerSandboxProvider(docker, undefined, options));
      // The bomb runs in its own session, out of reach of the exec's timeout; the exec then waits with
      // a builtin (no fork) and ends normally, leaving every pid of the limit held.
      const bomb = await sb.exec(
        "mkfifo /tmp/f && echo kept > /tmp/marker && setsid -f bash -c 'bomb() { bomb | bomb & }; bomb' && read -t 3 <> /tmp/f; echo done",
        { timeoutMs: 20_000 },
      );
      expect(bomb, JSON.stringify(bomb)).toMatchObject({ exitCode: 0, stdout: 'done\n', sandboxDied: false });
      expect(bomb.cause).toMatch(/pids limit exhausted \(\d+ of 64 pids.*restarted the sandbox/);
      const after = await sb.exec('echo alive; cat /tmp/marker 2>/dev/null || echo "no marker"', { timeoutMs: 20_000 });
      expect(after, JSON.stringify(after)).toMatchObject({ exitCode: 0, stdout: 'alive\nno marker\n', sandboxDied: false });
      expect(await others(sb)).toEqual([]);
    });
  }

  it('restores a sandbox whose leftover processes exhaust the pids limit later, when the next command cannot fork', async () => {
    const sb = await start({ spec: spec({ pids: 64 }) });
    // The filler waits (builtins only) for a file the test creates on the host once the exec has ended,
    // so the check after that exec sees nothing wrong. Then it fills every pid with sleepers that stay:
    // a classic fork bomb's processes exit when their fork fails, freeing slots a command can take (a flake under load).
    const late = await sb.exec(
      "mkfifo /tmp/f && setsid -f bash -c 'until [[ -e /workspace/go ]]; do read -t 0.1 <> /tmp/f; done; while :; do sleep 1000 & done' 2>/dev/null; echo started",
    );
    expect(late).toMatchObject({ exitCode: 0, stdout: 'started\n' });
    expect(late.cause).toBeUndefined();
    await writeFile(path.join(ws, 'go'), '');
    for (let i = 0; i < 200; i++) {
      const stats = await docker.getContainer(sb.id).stats({ stream: false, 'one-shot': true });
      if ((stats.pids_stats?.current ?? 0) >= 64) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Neither the engine (exit 126) nor the in-container `timeout` (exit 125) could fork: the command never ran.
    const failed = await sb.exec('echo never', { timeoutMs: 20_000 });
    expect(failed, JSON.stringify(failed)).toMatchObject({ exitCode: null, sandboxDied: false, stdout: expect.not.stringContaining('never') });
    expect(failed.cause).toMatch(/could not start: pids limit exhausted.*restarted the sandbox/);
    const after = await sb.exec('echo alive', { timeoutMs: 20_000 });
    expect(after, JSON.stringify(after)).toMatchObject({ exitCode: 0, stdout: 'alive\n' });
  });

  it('has no network', async () => {
    const sb = await start();
    // A documentation address (TEST-NET-1): nothing is looked up, and nothing could leave a sandbox without a network anyway.
    const address = '192.0.2.1';
    const r = await sb.exec(`ls /sys/class/net; timeout 5 bash -c 'echo > /dev/tcp/${address}/80' && echo CONNECTED || echo UNREACHABLE`);
    expect(r.stdout).toBe('lo\nUNREACHABLE\n');
  });

  it('has a read-only root filesystem and a size-limited writable /tmp', async () => {
    const sb = await start({ spec: spec({ tmp: '8m' }) });
    const ro = await sb.exec('touch /usr/x');
    expect(ro.exitCode).not.toBe(0);
    expect(ro.stderr).toContain('Read-only file system');
    const tmp = await sb.exec('echo ok > /tmp/a && cat /tmp/a && echo hi > $HOME/b && cat $HOME/b');
    expect(tmp.stdout).toBe('ok\nhi\n');
    const full = await sb.exec('head -c 20000000 /dev/zero > /tmp/big');
    expect(full.exitCode).not.toBe(0);
    expect(full.stderr).toContain('No space left');
  });

  it('writes to a root-owned /workspace as uid 1000, then hands the files back to the owner', async () => {
    const sb = await start();
    const r = await sb.exec('mkdir -p sub && echo hello > sub/file.txt && stat -c %u sub/file.txt');
    expect(r.stdout).toBe('1000\n');
    expect(await readFile(path.join(ws, 'sub/file.txt'), 'utf8')).toBe('hello\n');
    await sb.stop();
    const st = await stat(path.join(ws, 'sub/file.txt'));
    expect([st.uid, st.gid]).toEqual([0, 0]);
    expect((await stat(ws)).uid).toBe(0);
  });

  it("runs as the workspace owner's uid when the workspace belongs to a user", async () => {
    const own = await mkdtemp(path.join(os.tmpdir(), 'baton-ws-user-'));
    await chown(own, 1234, 1234);
    try {
      const sb = await start({ mounts: [{ hostPath: own, containerPath: '/workspace', readOnly: false }] });
      const r = await sb.exec('id -u; echo x > f; echo $HOME; touch $HOME/y');
      expect(r.stdout).toBe('1234\n/home/baton\n');
      expect(r.exitCode).toBe(0);
      expect((await stat(path.join(own, 'f'))).uid).toBe(1234);
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('mounts read-only when asked', async () => {
    const sb = await start({ mounts: [{ hostPath: ws, containerPath: '/workspace', readOnly: true }] });
    const r = await sb.exec('touch /workspace/nope');
    expect(r.exitCode).not.toBe(0);
  });

  it('layers a read-only .git over a writable workspace (hooks and config stay out of reach)', async () => {
    await mkdir(path.join(ws, '.git'), { recursive: true });
    await writeFile(path.join(ws, '.git', 'config'), '[core]\n');
    // World-writable, so only the read-only mount (not the file's owner, root: .git is never lent) can stop the write.
    await chmod(path.join(ws, '.git', 'config'), 0o666);
    const sb = await start({
      mounts: [
        { hostPath: path.join(ws, '.git'), containerPath: '/workspace/.git', readOnly: true },
        { hostPath: ws, containerPath: '/workspace', readOnly: false },
      ],
    });
    const r = await sb.exec('echo x > /workspace/ok.txt && echo "[core] fsmonitor = evil" >> /workspace/.git/config');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('Read-only file system');
    expect(await readFile(path.join(ws, 'ok.txt'), 'utf8')).toBe('x\n');
    expect(await readFile(path.join(ws, '.git', 'config'), 'utf8')).toBe('[core]\n');
  });

  it('keeps secrets of the harness environment out of the container', async () => {
    const secret = `sk-ant-test-${Math.random().toString(36).slice(2)}`;
    process.env.ANTHROPIC_API_KEY = secret;
    try {
      await writeFile(path.join(ws, 'marker'), 'no secret here');
      const sb = await start({ env: { ALLOWED: 'yes' } });
      const r = await sb.exec(
        `env; echo ---; tr '\\0' '\\n' < /proc/1/environ; echo ---; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; grep -rs "${secret}" / --exclude-dir=proc --exclude-dir=sys --exclude-dir=usr && echo FOUND-IN-FILES || true`,
        // The image's /usr predates the secret; grepping its 700 MB took 18 s of a 60 s budget on a busy 2-core machine.
        { timeoutMs: 100_000 },
      );
      expect(r.stdout).toContain('ALLOWED=yes');
      expect(r.stdout).not.toContain(secret);
      expect(r.stdout).not.toContain('ANTHROPIC_API_KEY');
      expect(r.stdout).not.toContain('FOUND-IN-FILES');
    } finally {
      delete process.env.ANTHROPIC_API_KEY;
    }
  }, 120_000);

  it('reports a container killed under a command as sandboxDied with the cause', async () => {
    const sb = await start();
    const pending = sb.exec('sleep 30', { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 1000));
    await docker.getContainer(sb.id).kill();
    const r = await pending;
    expect(r.sandboxDied).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.cause).toMatch(/container is exited/);
    const again = await sb.exec('true');
    expect(again.sandboxDied).toBe(true);
    expect((await sb.status()).running).toBe(false);
  });

  it('reports a removed container as dead, and stop is safe twice', async () => {
    const sb = await start();
    await docker.getContainer(sb.id).remove({ force: true });
    const r = await sb.exec('true');
    expect(r.sandboxDied).toBe(true);
    expect(r.cause).toMatch(/removed/);
    await sb.stop();
    await sb.stop();
  });
});
