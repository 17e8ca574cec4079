/**
 * This machine's Docker engine reached as a remote host over SSH
 * (scripts/ci/sshd-up.sh), the way the remote-Docker provider of issue 17
 * will: dockerode's ssh transport (docker-modem runs `docker system
 * dial-stdio` on the host through ssh2) and the docker CLI with
 * DOCKER_HOST=ssh://. Skips without the SSH host; fails instead when
 * BATON_REQUIRE_SSH=1.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { Writable } from 'node:stream';
import Docker from 'dockerode';
import { execa } from 'execa';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SshHost, sshReady } from './guard.js';

const ready = await sshReady();
const LABEL = 'baton.infra-test';
const local = new Docker();

/** dockerode over SSH, accepting only the host key sshd-up.sh generated (ssh2 accepts any key without a hostVerifier). */
function remote(h: SshHost, hostKey: Buffer = h.hostKey.blob): Docker {
  return new Docker({
    protocol: 'ssh',
    host: h.host,
    port: h.port,
    username: h.username,
    sshOptions: { privateKey: h.privateKey, hostVerifier: (key: Buffer) => key.equals(hostKey) },
  } as Docker.DockerOptions);
}

describe.skipIf(!ready.ok)('Docker over SSH', () => {
  const h = ready.host as SshHost;
  const docker = remote(h);
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-ssh-'));
    await writeFile(path.join(dir, 'hello.txt'), 'hi from the controller\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    const left = await local.listContainers({ all: true, filters: { label: [LABEL] } });
    await Promise.all(left.map((c) => local.getContainer(c.Id).remove({ force: true })));
  });

  it('reaches the same engine as the local socket, and lists its containers', async () => {
    const t0 = Date.now();
    const [viaSsh, viaSocket] = await Promise.all([docker.info(), local.info()]);
    console.log(`[ssh-docker] first info over SSH in ${Date.now() - t0} ms`);
    expect(viaSsh.ID).toBe(viaSocket.ID);
    const ids = (await docker.listContainers({ all: true })).map((c) => c.Id).sort();
    const localIds = (await local.listContainers({ all: true })).map((c) => c.Id).sort();
    // Other tests start and remove containers meanwhile: most of the lists agree.
    expect(ids.filter((id) => localIds.includes(id)).length).toBeGreaterThanOrEqual(Math.min(ids.length, localIds.length) - 4);
    const t1 = Date.now();
    for (let i = 0; i < 5; i++) await docker.ping();
    console.log(`[ssh-docker] ping over SSH: ${Math.round((Date.now() - t1) / 5)} ms per call (a new SSH connection each)`);
  });

  it('refuses a host whose key is not the known one', async () => {
    const wrong = remote(h, Buffer.from('not the host key'));
    await expect(wrong.ping()).rejects.toThrow(/verif/i);
  });

  it('runs a tiny baton-base container: output, exit code, exec, files in and out, removal', async () => {
    const c = await docker.createContainer({
      Image: 'baton-base',
      Cmd: ['sh', '-c', 'echo started; sleep 30'],
      Labels: { [LABEL]: '1' },
      HostConfig: { NetworkMode: 'none', Memory: 64 * 1024 ** 2 },
    });
    try {
      await c.start();
      // exec over the hijacked SSH stream, as a session's tool calls will run.
      const exec = await c.exec({ Cmd: ['sh', '-c', 'cat /tmp/in/hello.txt; echo err >&2; exit 4'], AttachStdout: true, AttachStderr: true });
      // Files in: a tar made here, unpacked by the engine (no shared filesystem).
      const tar = await execa('tar', ['-c', '-f', '-', '--transform', 's,^,in/,', 'hello.txt'], {
        cwd: dir,
        encoding: 'buffer',
      });
      await c.putArchive(Buffer.from(tar.stdout), { path: '/tmp' });
      const stream = await exec.start({ hijack: true, stdin: false });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      docker.modem.demuxStream(stream, sink(out), sink(err));
      await new Promise((r) => stream.on('end', r));
      expect(Buffer.concat(out).toString()).toBe('hi from the controller\n');
      expect(Buffer.concat(err).toString()).toBe('err\n');
      expect((await exec.inspect()).ExitCode).toBe(4);
      // Files out: the engine's tar of a path.
      const back = await c.getArchive({ path: '/tmp/in/hello.txt' });
      const listing = await execa('tar', ['-t', '-v', '-f', '-'], { input: await collect(back) });
      expect(listing.stdout).toMatch(/hello\.txt$/);
      await c.kill();
      expect((await c.wait()).StatusCode).toBe(137);
      expect((await c.logs({ stdout: true, stderr: true })).toString()).toContain('started');
    } finally {
      await c.remove({ force: true });
    }
    expect(await docker.listContainers({ all: true, filters: { label: [LABEL] } })).toEqual([]);
  });

  it("forwards the engine's socket over one SSH connection, the faster transport", async () => {
    // docker-modem opens a new SSH connection and `docker system dial-stdio` per API call;
    // a provider can instead keep one connection and open a channel to the socket per call.
    const conn = new Client();
    await new Promise<void>((resolve, reject) => {
      conn.once('ready', () => resolve()).once('error', reject);
      conn.connect({ host: h.host, port: h.port, username: h.username, privateKey: h.privateKey, hostVerifier: (key: Buffer) => key.equals(h.hostKey.blob) });
    });
    try {
      // Returns nothing: the socket comes through cb (a returned value would be taken for the socket).
      const agent = Object.assign(new http.Agent(), {
        createConnection: (_o: unknown, cb: (err: Error | undefined, s?: unknown) => void): void => {
          conn.openssh_forwardOutStreamLocal('/var/run/docker.sock', (err, stream) => cb(err, stream));
        },
      });
      const forwarded = new Docker({ protocol: 'http', host: 'docker', port: 80, agent } as Docker.DockerOptions);
      const t0 = Date.now();
      for (let i = 0; i < 5; i++) await forwarded.ping();
      console.log(`[ssh-docker] ping over one forwarded SSH connection: ${Math.round((Date.now() - t0) / 5)} ms per call`);
      expect((await forwarded.info()).ID).toBe((await local.info()).ID);
    } finally {
      conn.end();
    }
  });

  it('serves the docker CLI with DOCKER_HOST=ssh://', async () => {
    const r = await execa('docker', ['run', '--rm', '--network', 'none', '--label', LABEL, 'baton-base', 'sh', '-c', 'echo cli; exit 5'], {
      env: { DOCKER_HOST: h.dockerHost },
      reject: false,
    });
    expect(r.stdout).toBe('cli');
    expect(r.exitCode).toBe(5);
  });
});

function sink(into: Buffer[]): Writable {
  return new Writable({
    write(chunk, _enc, done) {
      into.push(Buffer.from(chunk));
      done();
    },
  });
}

async function collect(s: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of s) parts.push(Buffer.from(p as Buffer));
  return Buffer.concat(parts);
}
