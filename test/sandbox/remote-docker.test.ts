/**
 * Docker on other machines over SSH (sandbox.hosts, issue 17): the pure
 * parts (host URLs, known_hosts), then the provider against this machine's
 * engine reached through the loopback SSH host of scripts/ci/sshd-up.sh, with
 * no folder shared: read-only mounts are copies the sandbox user cannot
 * change, writable ones come back after each command with copyOut's rules,
 * and no container has a bind mount. The SSH part skips without the SSH
 * host; fails instead when BATON_REQUIRE_SSH=1.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATON_BIN } from '../helpers/cli.js';
import type { RemoteDockerProvider, RemoteDockerSandbox } from '../../src/sandbox/remote-docker.js';
import type { ResolvedSandbox } from '../../src/sandbox/kind.js';
import { chooseSandboxProvider } from '../../src/sandbox/index.js';
import { parseSshUrl } from '../../src/sandbox/ssh-url.js';
import { acceptedHostKeys, hostKeysFor, knownHostsName, sshAuth } from '../../src/sandbox/ssh-engine.js';
import { SandboxSpec } from '../../src/spec/schema.js';
import { type SshHost, sshReady } from '../infra/guard.js';
import { tmpDir } from '../helpers/tmp.js';

describe('sandbox.hosts URLs', () => {
  it('takes ssh://user@host, a port, an IPv6 address and a socket path; says what is wrong otherwise', () => {
    expect(parseSshUrl('ssh://ann@gpu-box')).toEqual({ url: 'ssh://ann@gpu-box', user: 'ann', host: 'gpu-box', port: 22, socket: '/var/run/docker.sock' });
    expect(parseSshUrl('ssh://ann@10.0.0.7:2200/run/user/1000/docker.sock')).toMatchObject({
      host: '10.0.0.7',
      port: 2200,
      socket: '/run/user/1000/docker.sock',
    });
    expect(parseSshUrl('ssh://ann@[fe80::1]:22')).toMatchObject({ host: 'fe80::1', port: 22 });
    expect(parseSshUrl('ssh://gpu-box')).toMatch(/expected ssh:\/\/user@host.*found "ssh:\/\/gpu-box"/);
    expect(parseSshUrl('tcp://ann@gpu-box:2375')).toMatch(/expected ssh:\/\/user@host/);
    expect(parseSshUrl('ssh://ann@gpu-box:70000')).toBe('port 70000 of ssh://ann@gpu-box:70000 is not between 1 and 65535');
    expect(parseSshUrl('ssh://ann@gpu-box/../../etc/x.sock')).toMatch(/must not contain \.\./);
    expect(parseSshUrl('ssh://-oProxyCommand=x@gpu-box')).toMatch(/expected ssh:\/\/user@host/);
  });

  it('the spec refuses a bad entry of sandbox.hosts and an unknown key of sandbox.ssh', () => {
    expect(SandboxSpec.safeParse({ hosts: ['ssh://ann@gpu-box'] }).success).toBe(true);
    const bad = SandboxSpec.safeParse({ hosts: ['gpu-box'] });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toMatch(/expected ssh:\/\/user@host/);
    expect(SandboxSpec.safeParse({ ssh: { identity: '~/.ssh/id', password: 'x' } }).success).toBe(false);
  });
});

describe('known_hosts', () => {
  const key = (n: number) => Buffer.from(`key-${n}`).toString('base64');
  const hashed = (name: string) => {
    const salt = randomBytes(20);
    return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  };

  it('finds plain, hashed, wildcard and port entries; a negation or @revoked removes a key; @cert-authority gives none', () => {
    const text = [
      '# comment',
      `gpu-box,10.0.0.7 ssh-ed25519 ${key(1)}`,
      `${hashed('[gpu-box]:2200')} ssh-ed25519 ${key(2)}`,
      `*.lab.example ssh-rsa ${key(3)} comment`,
      `*.lab.example,!bad.lab.example ssh-rsa ${key(4)}`,
      `@revoked * ssh-ed25519 ${key(5)}`,
      `@cert-authority *.lab.example ssh-ed25519 ${key(6)}`,
      `[gpu-box]:2201 ssh-ed25519 ${key(7)}`,
    ].join('\n');
    const names = (h: string, p: number) => hostKeysFor(text, h, p).keys.map((k) => k.toString());
    expect(names('gpu-box', 22)).toEqual(['key-1']);
    expect(names('10.0.0.7', 22)).toEqual(['key-1']);
    expect(names('gpu-box', 2200)).toEqual(['key-2']);
    expect(names('gpu-box', 2201)).toEqual(['key-7']);
    expect(names('n1.lab.example', 22)).toEqual(['key-3', 'key-4']);
    expect(names('bad.lab.example', 22)).toEqual(['key-3']);
    expect(names('other', 22)).toEqual([]);
    expect(hostKeysFor(text, 'x', 22).revoked.map((k) => k.toString())).toEqual(['key-5']);
    expect(knownHostsName('h', 22)).toBe('h');
    expect(knownHostsName('h', 2222)).toBe('[h]:2222');
  });

  it('a host without a key there is refused with how to record one; never trusted on first use', () => {
    const dir = tmpDir('baton-kh-');
    const file = path.join(dir, 'known_hosts');
    writeFileSync(file, `other ssh-ed25519 ${key(1)}\n@revoked gpu-box ssh-ed25519 ${key(2)}\ngpu-box ssh-ed25519 ${key(2)}\n`);
    const target = parseSshUrl('ssh://ann@gpu-box') as Exclude<ReturnType<typeof parseSshUrl>, string>;
    expect(() => acceptedHostKeys(target, file)).toThrow(
      `${file} has no key for gpu-box (host of ssh://ann@gpu-box); baton does not trust a host key on first use`,
    );
    expect(() => acceptedHostKeys(target, path.join(dir, 'missing'))).toThrow(
      /Cannot read .*missing \(ENOENT\), where the key of ssh:\/\/ann@gpu-box's host must be/,
    );
  });

  it('an identity that is missing or not a key is named; with none at all, says what to set', () => {
    const dir = tmpDir('baton-id-');
    writeFileSync(path.join(dir, 'junk'), 'not a key');
    expect(() => sshAuth({ identity: path.join(dir, 'nope') })).toThrow(/sandbox\.ssh\.identity: cannot read .*nope \(ENOENT\)/);
    expect(() => sshAuth({ identity: path.join(dir, 'junk') })).toThrow(/sandbox\.ssh\.identity: .*junk is not a private key/);
    const home = process.env.HOME;
    process.env.HOME = dir;
    try {
      expect(() => sshAuth({}, {})).toThrow(/No SSH identity for sandbox\.hosts: .*SSH_AUTH_SOCK/);
    } finally {
      process.env.HOME = home;
    }
  });
});

const ready = await sshReady();
const local = new Docker();

describe.skipIf(!ready.ok)('the remote Docker provider, over SSH', () => {
  const h = ready.host as SshHost;
  let resolved: ResolvedSandbox;
  const experiment = `remote-${randomBytes(3).toString('hex')}`;
  const spec = () => SandboxSpec.parse({ hosts: [h.dockerHost], ssh: { identity: h.keyFile, known_hosts: h.knownHostsFile }, memory: '256m', cpus: 1 });

  beforeAll(async () => {
    resolved = await chooseSandboxProvider(spec());
  });
  afterAll(async () => {
    await resolved?.provider.stopAll();
    await resolved?.provider.close?.();
    const left = await local.listContainers({ all: true, filters: { label: [`baton.experiment=${experiment}`] } });
    await Promise.all(left.map((c) => local.getContainer(c.Id).remove({ force: true, v: true })));
  });

  it('resolves the isolation of the host: its engine by URL, the image there, the fixed sandbox user', () => {
    expect(resolved.isolation).toMatchObject({ provider: 'docker', image: 'baton-base', user: '1000:1000', network: 'none' });
    expect(resolved.isolation.engine).toMatch(new RegExp(`^${h.dockerHost.replace(/[.]/g, '\\.')} \\d`));
    expect(resolved.provider.privateWorkspaces).toBe(true);
    expect(resolved.provider.sharesHostFolders).toBe(false);
  });

  it('read-only mounts are copies nobody in the sandbox can change; writable ones come back after each command, hostile entries left out', async () => {
    const root = tmpDir('baton-remote-');
    const ro = path.join(root, 'snapshot');
    const out = path.join(root, 'out');
    mkdirSync(path.join(ro, 'tests'), { recursive: true });
    mkdirSync(out);
    writeFileSync(path.join(ro, 'tests', 'test_x.py'), 'assert True\n');
    chmodSync(path.join(ro, 'tests', 'test_x.py'), 0o666);
    chmodSync(path.join(ro, 'tests'), 0o777);
    writeFileSync(path.join(out, 'before.txt'), 'there before\n');
    const sandbox = await resolved.provider.start({
      spec: spec(),
      role: 'oracle',
      mounts: [
        { hostPath: ro, containerPath: '/workspace', readOnly: true },
        { hostPath: out, containerPath: '/baton/out', readOnly: false },
      ],
      env: {},
      labels: { experiment, run: 'r1', iteration: 1 },
    });
    try {
      const read = await sandbox.exec('cat /workspace/tests/test_x.py');
      expect(read.stdout).toBe('assert True\n');
      // A 0666 file in a 0777 folder on the host is still not writable inside: owner root, group and others' write bits gone.
      const write = await sandbox.exec(
        'echo hacked > /workspace/tests/test_x.py; touch /workspace/new; rm -f /workspace/tests/test_x.py; mv /workspace/tests /workspace/t2; stat -c "%u %a" /workspace/tests/test_x.py',
      );
      expect(write.stderr).toMatch(/Permission denied/);
      expect(write.stdout.trim()).toBe('0 644');
      expect((await sandbox.exec('cat /workspace/tests/test_x.py; ls /workspace')).stdout).toBe('assert True\ntests\n');
      // Written in the sandbox, seen on the host once the command returns; a link inside stays a link, one outside is not brought.
      const w = await sandbox.exec(
        'grep -q "there before" /baton/out/before.txt && rm /baton/out/before.txt && echo 42 > /baton/out/answer.txt && mkdir /baton/out/d && ln -s answer.txt /baton/out/d/../inside && ln -s /etc/passwd /baton/out/outside && mkfifo /baton/out/fifo',
      );
      expect(w.exitCode, w.stderr).toBe(0);
      expect(readFileSync(path.join(out, 'answer.txt'), 'utf8')).toBe('42\n');
      // the host folder mirrors the sandbox's: what was copied in and removed there is gone here too
      expect(existsSync(path.join(out, 'before.txt'))).toBe(false);
      expect(readlinkSync(path.join(out, 'inside'))).toBe('answer.txt');
      expect(lstatSync(path.join(out, 'outside'), { throwIfNoEntry: false })).toBeUndefined();
      expect(lstatSync(path.join(out, 'fifo'), { throwIfNoEntry: false })).toBeUndefined();
      // Nothing of the host is bound into the container: every mount is a volume of the engine.
      const info = await local.getContainer(sandbox.id).inspect();
      expect(info.Mounts.map((m) => m.Type).sort()).toEqual(['volume', 'volume']);
      expect(info.HostConfig.Binds ?? []).toEqual([]);
    } finally {
      await sandbox.stop();
    }
    expect(await local.listContainers({ all: true, filters: { label: [`baton.experiment=${experiment}`] } })).toEqual([]);
  });

  it('a host whose key is not in known_hosts is refused before any connection is trusted', async () => {
    const dir = tmpDir('baton-kh-');
    const wrong = path.join(dir, 'known_hosts');
    // The right name with another key: the server's real key does not match.
    writeFileSync(wrong, `[${h.host}]:${h.port} ssh-ed25519 ${Buffer.from('not the key').toString('base64')}\n`);
    const bad = SandboxSpec.parse({ hosts: [h.dockerHost], ssh: { identity: h.keyFile, known_hosts: wrong } });
    await expect(chooseSandboxProvider(bad)).rejects.toThrow(/did not answer: SSH to .*verification failed/i);
    writeFileSync(wrong, '');
    await expect(chooseSandboxProvider(bad)).rejects.toThrow(/has no key for \[127\.0\.0\.1\]:2222/);
  });

  it('an image the host lacks is named with the host and the command that builds it there', async () => {
    const s = SandboxSpec.parse({ hosts: [h.dockerHost], ssh: { identity: h.keyFile, known_hosts: h.knownHostsFile }, image: 'baton-no-such-image' });
    await expect(chooseSandboxProvider(s)).rejects.toThrow(
      `sandbox.image baton-no-such-image does not exist on ${h.dockerHost}. Run \`baton sandbox build --host ${h.dockerHost}\``,
    );
  });

  it('`baton sandbox build --host` checks the images on that engine over SSH (reused while the recipe is unchanged); a bad --host is named', async () => {
    const r = await execa('node', [BATON_BIN, 'sandbox', 'build', '--host', h.dockerHost, '--identity', h.keyFile, '--known-hosts', h.knownHostsFile], {
      reject: false,
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^baton-base: reused \\(sha256:[0-9a-f]{12}\\) on ${h.dockerHost.replace(/[.]/g, '\\.')}$`, 'm'));
    const bad = await execa('node', [BATON_BIN, 'sandbox', 'build', '--host', 'gpu-box', '--identity', h.keyFile], { reject: false });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain('--host: expected ssh://user@host');
  });

  /** The same engine under two names (127.0.0.1 and localhost), both with its key in a known_hosts of the test's. */
  async function twoHosts() {
    const dir = tmpDir('baton-kh2-');
    const known = path.join(dir, 'known_hosts');
    const line = readFileSync(h.knownHostsFile, 'utf8').trim();
    writeFileSync(known, `${line}\n${line.replace(`[${h.host}]`, '[localhost]')}\n`);
    const second = h.dockerHost.replace(h.host, 'localhost');
    const two = SandboxSpec.parse({ hosts: [h.dockerHost, second], ssh: { identity: h.keyFile, known_hosts: known }, memory: '128m', cpus: 1 });
    const r = await chooseSandboxProvider(two);
    const start = () => r.provider.start({ spec: two, role: 'oracle', mounts: [], env: {}, labels: { experiment, run: 'r2', iteration: 1 } });
    const hostOf = (s: unknown) => (s as RemoteDockerSandbox).host;
    return { r, second, start, hostOf };
  }

  it('spreads sandboxes over the hosts: each start, even at the same instant, goes to the host with the fewest of this run', async () => {
    const { r, second, start, hostOf } = await twoHosts();
    try {
      expect(r.isolation.engine).toContain(`${second} `);
      const [a, b] = await Promise.all([start(), start()]);
      expect([a, b].map(hostOf).sort()).toEqual([h.dockerHost, second].sort());
      await a.stop();
      // a's host has none left now: the next goes there
      const c = await start();
      expect(hostOf(c)).toBe(hostOf(a));
      await Promise.all([b.stop(), c.stop()]);
    } finally {
      await r.provider.stopAll();
      await r.provider.close?.();
    }
  });

  it('a host lost mid-run: the start goes on to the other host, and the lost one is tried last after that', async () => {
    const { r, second, start, hostOf } = await twoHosts();
    try {
      const a = await start();
      expect(hostOf(a)).toBe(h.dockerHost);
      // The second host is now the less loaded one; its connection is gone for good.
      await (r.provider as RemoteDockerProvider).engines[1].close();
      const b = await start();
      expect(hostOf(b)).toBe(h.dockerHost);
      await a.stop();
      // Both hosts have one sandbox or none now; the lost one is still tried last.
      const c = await start();
      expect(hostOf(c)).toBe(h.dockerHost);
      await Promise.all([b.stop(), c.stop()]);
      // With every host lost, the start fails naming each.
      await (r.provider as RemoteDockerProvider).engines[0].close();
      await expect(start()).rejects.toThrow(new RegExp(`Could not start a sandbox on any of 2 hosts: .*${second.replace(/[.]/g, '\\.')}.*closed`));
    } finally {
      await r.provider.stopAll();
      await r.provider.close?.();
    }
  });
});
