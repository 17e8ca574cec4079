/** The pure parts of the sandbox: settings, output capping, demux, sweep decisions, ownership, apt sources, bwrap args. */
import { describe, expect, it } from 'vitest';
import { containerCreateOptions, execArgv } from '../../src/sandbox/docker-options.js';
import { carriedAptOptions, parseDeb822Sources, parseOneLineSources, pickDebianMirrors, renderSources } from '../../src/sandbox/images/apt-sources.js';
import { parsePackageList } from '../../src/sandbox/images/recipe.js';
import { sandboxEnv } from '../../src/sandbox/env.js';
import { bwrapArgs, hostPathFor } from '../../src/sandbox/local-args.js';
import { parseOomKills } from '../../src/sandbox/oom.js';
import { PIDS_RESERVE, afterPidsExhausted, forkFailureOf, parsePidsUsage, pidsExhausted } from '../../src/sandbox/pids.js';
import { CappedOutput, Demuxer } from '../../src/sandbox/output.js';
import { decideUser } from '../../src/sandbox/ownership.js';
import { LABEL, selectOrphans } from '../../src/sandbox/sweep.js';
import { spec } from './guard.js';

describe('containerCreateOptions', () => {
  const owner = { pid: 4242, host: 'h1', start: '99' };
  const user = { uid: 1000, gid: 1000, lend: [{ path: '/w', uid: 0, gid: 0 }] };
  const opts = containerCreateOptions(
    {
      spec: spec({ memory: '1g', cpus: 1.5, pids: 100, tmp: '32m' }),
      role: 'oracle',
      mounts: [{ hostPath: '/w', containerPath: '/workspace', readOnly: true }],
      env: { FOO: 'bar' },
      labels: { experiment: 'exp', run: 'r1', iteration: 7 },
    },
    owner,
    user,
    'n',
  );
  it('isolates: no network, read-only root, limits, no capabilities, init', () => {
    const h = opts.HostConfig!;
    expect(h.NetworkMode).toBe('none');
    expect(h.ReadonlyRootfs).toBe(true);
    expect(h.Memory).toBe(1024 ** 3);
    expect(h.MemorySwap).toBe(h.Memory);
    expect(h.NanoCpus).toBe(1.5e9);
    expect(h.PidsLimit).toBe(100);
    expect(h.CapDrop).toEqual(['ALL']);
    expect(h.SecurityOpt).toEqual(['no-new-privileges']);
    expect(h.Init).toBe(true);
    expect(h.Tmpfs!['/tmp']).toContain(`size=${32 * 1024 ** 2}`);
    expect(JSON.stringify(h.Mounts)).not.toContain('docker.sock');
    expect(h.Mounts).toEqual([{ Type: 'bind', Source: '/w', Target: '/workspace', ReadOnly: true }]);
  });
  it('passes only the given environment and labels the owner', () => {
    expect(opts.Env).toEqual(['HOME=/home/baton', 'FOO=bar']);
    expect(opts.Labels).toMatchObject({
      [LABEL.experiment]: 'exp',
      [LABEL.run]: 'r1',
      [LABEL.iteration]: '7',
      [LABEL.role]: 'oracle',
      [LABEL.ownerPid]: '4242',
      [LABEL.ownerHost]: 'h1',
      [LABEL.ownerStart]: '99',
    });
    expect(JSON.parse(opts.Labels![LABEL.lent])).toEqual({ uid: 1000, gid: 1000, lent: user.lend });
    // The idle main process runs as nobody, never as the user every exec runs as (same-uid ptrace, red team 2).
    expect(opts.User).toBe('65534:65534');
  });
  it('enables the network only when the spec asks', () => {
    const o = containerCreateOptions(
      { spec: spec({ network: 'bridge' }), role: 'worker', mounts: [], env: {}, labels: { experiment: 'e', run: 'r', iteration: 1 } },
      owner,
      { uid: 1000, gid: 1000, lend: [] },
      'n',
    );
    expect(o.HostConfig!.NetworkMode).toBe('bridge');
    expect(o.Labels![LABEL.lent]).toBeUndefined();
  });
  it('wraps commands in timeout -k', () => {
    expect(execArgv('echo hi', 2500, 2)).toEqual(['timeout', '-k', '2s', '2.500s', 'bash', '-c', 'echo hi']);
  });
});

describe('CappedOutput', () => {
  it('keeps everything under the cap', () => {
    const c = new CappedOutput(100);
    c.push(Buffer.from('hello '));
    c.push(Buffer.from('world'));
    expect(c.text()).toBe('hello world');
    expect(c.truncated).toBe(false);
  });
  it('keeps head and tail and says how much was dropped', () => {
    const c = new CappedOutput(10);
    for (let i = 0; i < 100; i++) c.push(Buffer.from(String(i % 10)));
    expect(c.truncated).toBe(true);
    expect(c.dropped).toBe(90);
    expect(c.text()).toBe('01234\n[... 90 bytes dropped by baton ...]\n56789');
  });
  it('bounds memory for huge outputs', () => {
    const c = new CappedOutput(1000);
    for (let i = 0; i < 10_000; i++) c.push(Buffer.alloc(1000, 97));
    expect(c.text().length).toBeLessThan(1100);
    expect(c.total).toBe(10_000_000);
  });
});

describe('Demuxer', () => {
  const frame = (type: number, s: string) => {
    const p = Buffer.from(s);
    const h = Buffer.alloc(8);
    h[0] = type;
    h.writeUInt32BE(p.length, 4);
    return Buffer.concat([h, p]);
  };
  it('separates stdout and stderr across arbitrary chunk boundaries', () => {
    const out: string[] = [];
    const err: string[] = [];
    const d = new Demuxer(
      (b) => out.push(b.toString()),
      (b) => err.push(b.toString()),
    );
    const all = Buffer.concat([frame(1, 'out1'), frame(2, 'err1'), frame(1, 'out2')]);
    for (let i = 0; i < all.length; i += 3) d.push(all.subarray(i, i + 3));
    expect(out.join('')).toBe('out1out2');
    expect(err.join('')).toBe('err1');
  });
});

describe('selectOrphans', () => {
  const s = (id: string, labels: Record<string, string>) => ({ id, labels });
  const alive = new Set([10]);
  const isAlive = (pid: number) => alive.has(pid);
  it('removes only containers whose owner on this host is gone', () => {
    const d = selectOrphans(
      [
        s('dead', { [LABEL.ownerPid]: '11', [LABEL.ownerHost]: 'me', [LABEL.experiment]: 'e' }),
        s('live', { [LABEL.ownerPid]: '10', [LABEL.ownerHost]: 'me', [LABEL.experiment]: 'e' }),
        s('remote', { [LABEL.ownerPid]: '11', [LABEL.ownerHost]: 'other', [LABEL.experiment]: 'e' }),
        s('foreign', { 'com.example': 'x' }),
      ],
      'me',
      isAlive,
    );
    expect(d.remove.map((x) => x.id)).toEqual(['dead']);
    expect(d.keep.map((k) => [k.sandbox.id, k.reason])).toEqual([
      ['live', 'owner process 10 is alive'],
      ['remote', 'owned by a process on host other'],
      ['foreign', 'no baton owner label'],
    ]);
  });
  it('limits a sweep to one experiment', () => {
    const d = selectOrphans([s('a', { [LABEL.ownerPid]: '11', [LABEL.ownerHost]: 'me', [LABEL.experiment]: 'other' })], 'me', isAlive, {
      experiment: 'e',
    });
    expect(d.remove).toEqual([]);
  });
});

describe('decideUser', () => {
  it('runs as the owner of a non-root workspace, lending nothing', () => {
    expect(decideUser([{ path: '/w', uid: 501, gid: 20 }])).toEqual({ uid: 501, gid: 20, lend: [] });
  });
  it('runs as baton (1000) and lends a root-owned workspace', () => {
    expect(decideUser([{ path: '/w', uid: 0, gid: 0 }])).toEqual({ uid: 1000, gid: 1000, lend: [{ path: '/w', uid: 0, gid: 0 }] });
  });
  it('never runs as root without writable mounts', () => {
    expect(decideUser([])).toEqual({ uid: 1000, gid: 1000, lend: [] });
  });
});

describe('apt sources', () => {
  const deb822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
Components: main
`;
  it('parses deb822 and picks the main and security mirrors of a suite', () => {
    const m = pickDebianMirrors(parseDeb822Sources(deb822), 'bookworm');
    expect(m).toEqual({
      main: 'http://mirror.example/debian',
      mainSuites: ['bookworm', 'bookworm-updates'],
      security: 'http://mirror.example/debian-security',
    });
    expect(renderSources(m!, 'bookworm')).toContain('URIs: http://mirror.example/debian-security\nSuites: bookworm-security');
  });
  it('parses one-line sources', () => {
    const src = parseOneLineSources('# comment\ndeb [signed-by=/k.gpg] http://m.example/debian/ bookworm main contrib\ndeb-src http://x bookworm main\n');
    expect(src).toEqual([{ uris: ['http://m.example/debian/'], suites: ['bookworm'], components: ['main', 'contrib'], signedBy: '/k.gpg' }]);
    expect(pickDebianMirrors(src, 'bookworm')?.main).toBe('http://m.example/debian');
    expect(pickDebianMirrors(src, 'trixie')).toBeUndefined();
  });
  it('carries the proxy and validity options of the host', () => {
    const dump = 'APT "";\nAcquire::Check-Valid-Until "false";\nAcquire::http::Proxy "http://proxy:3128";\nDir "/";\n';
    expect(carriedAptOptions(dump)).toBe('Acquire::Check-Valid-Until "false";\nAcquire::http::Proxy "http://proxy:3128";');
  });
  it('reads package lists without comments', () => {
    expect(parsePackageList('# x\nbash\n\ngit # vcs\n')).toEqual(['bash', 'git']);
  });
});

describe('parseOomKills', () => {
  it('reads cgroup v2 memory.events and v1 memory.oom_control', () => {
    expect(parseOomKills('low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n')).toBe(1);
    expect(parseOomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n')).toBe(2);
    expect(parseOomKills('nothing')).toBeUndefined();
  });
});

describe('bwrapArgs', () => {
  const args = bwrapArgs({
    rootEntries: [{ name: 'usr' }, { name: 'bin', link: 'usr/bin' }, { name: 'home' }, { name: 'proc' }],
    hide: ['/home'],
    mounts: [{ hostPath: '/srv/exp/workspace', containerPath: '/workspace', readOnly: false }],
    tmpDir: '/t/tmp',
    homeDir: '/t/home',
    home: '/home/baton',
    network: false,
    cwd: '/workspace',
  });
  const joined = args.join(' ');
  it('binds the host read-only, hides homes and the experiment folder, mounts the workspace', () => {
    expect(joined).toContain('--ro-bind /usr /usr');
    expect(joined).toContain('--symlink usr/bin /bin');
    expect(joined).toContain('--tmpfs /home');
    expect(joined).toContain('--tmpfs /srv/exp');
    expect(joined).toContain('--bind /t/tmp /tmp');
    expect(joined).toContain('--bind /srv/exp/workspace /workspace');
    expect(joined).toContain('--remount-ro /');
    expect(joined).not.toContain('--ro-bind /proc');
  });
  it('cuts the network and dies with the harness', () => {
    expect(args).toContain('--unshare-net');
    expect(args).toContain('--die-with-parent');
  });
  it('maps sandbox paths to host paths for plain processes', () => {
    const m = [{ hostPath: '/h/ws', containerPath: '/workspace', readOnly: false }];
    expect(hostPathFor('/workspace/src', m)).toBe('/h/ws/src');
    expect(hostPathFor('/workspace', m)).toBe('/h/ws');
    expect(hostPathFor('/elsewhere', m)).toBeUndefined();
  });
});

describe('sandboxEnv', () => {
  it('passes only allowed names and baton variables, and lists the missing ones', () => {
    const host = { PATH: '/usr/bin', ANTHROPIC_API_KEY: 'secret', HF_TOKEN: 't' };
    expect(sandboxEnv(['HF_TOKEN', 'NOPE'], host, { BATON_ITERATION: '3' })).toEqual({
      env: { HF_TOKEN: 't', BATON_ITERATION: '3' },
      missing: ['NOPE'],
    });
  });
});

describe('pids exhaustion', () => {
  const base = {
    command: 'c',
    exitCode: 0,
    stdout: '',
    stderr: '',
    timedOut: false,
    oomKilled: false,
    sandboxDied: false,
    outputTruncated: false,
    durationMs: 1,
  };

  it('counts a sandbox with fewer free pids than the next command needs as exhausted', () => {
    expect(pidsExhausted({ current: 64, max: 64 })).toBe(true);
    expect(pidsExhausted({ current: 64 - PIDS_RESERVE + 1, max: 64 })).toBe(true);
    expect(pidsExhausted({ current: 64 - PIDS_RESERVE, max: 64 })).toBe(false);
    expect(pidsExhausted({ current: 5000, max: undefined })).toBe(false);
    expect(parsePidsUsage('12\n', 'max\n')).toEqual({ current: 12, max: undefined });
    expect(parsePidsUsage('64\n', '64\n')).toEqual({ current: 64, max: 64 });
    expect(parsePidsUsage('x', '64')).toBeUndefined();
  });

  it("recognises every form of a failure to fork: the engine's, the wrapper's, the shell's", () => {
    expect(
      forkFailureOf({
        exitCode: 126,
        stdout: 'OCI runtime exec failed: exec failed: unable to start container process: read init-p: connection reset by peer: unknown',
        stderr: '',
      }),
    ).toBe('engine');
    expect(forkFailureOf({ exitCode: 125, stdout: '', stderr: 'timeout: fork system call failed: Resource temporarily unavailable\n' })).toBe('wrapper');
    expect(forkFailureOf({ exitCode: 254, stdout: '', stderr: 'bash: fork: retry: Resource temporarily unavailable\n' })).toBe('shell');
    expect(forkFailureOf({ exitCode: 1, stdout: '', stderr: 'environment: fork: Resource temporarily unavailable\n' })).toBe('shell');
    // The command's own exit 125 is not the wrapper's.
    expect(forkFailureOf({ exitCode: 125, stdout: '', stderr: 'error\n' })).toBeUndefined();
    expect(forkFailureOf({ exitCode: 126, stdout: 'permission denied', stderr: '' })).toBeUndefined();
  });

  it('says the sandbox was restarted; a command that never ran has no exit code; a failed restart is a death', () => {
    const usage = { current: 64, max: 64 };
    const ran = afterPidsExhausted({ ...base, exitCode: 0, stderr: 'bash: fork: retry: Resource temporarily unavailable' }, usage, undefined);
    expect(ran).toMatchObject({ exitCode: 0, sandboxDied: false });
    expect(ran.cause).toMatch(/^pids limit exhausted \(64 of 64 .*restarted the sandbox/);
    const never = afterPidsExhausted(
      { ...base, exitCode: 125, stderr: 'timeout: fork system call failed: Resource temporarily unavailable' },
      usage,
      undefined,
    );
    expect(never).toMatchObject({ exitCode: null, sandboxDied: false });
    expect(never.cause).toMatch(/^the command could not start: pids limit exhausted/);
    const dead = afterPidsExhausted(base, usage, 'engine gone');
    expect(dead).toMatchObject({ sandboxDied: true });
    expect(dead.cause).toMatch(/^pids limit exhausted .*restarting the sandbox failed: engine gone/);
  });
});
