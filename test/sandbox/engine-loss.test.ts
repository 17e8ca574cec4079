/**
 * Issue 22: an engine lost in the middle of a run is a crashed session with
 * that cause and a clean stop, never a switch to another provider; the next
 * `baton run` resumes in Docker once the engine is back. The engine is
 * "lost" by closing a proxy socket baton talks to (DOCKER_HOST), at a fixed
 * point: the first exec in the first worker sandbox. The machine's own
 * dockerd is never touched.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { LedgerRecord } from '../../src/ledger/record.js';
import { readJsonl } from '../../src/state/jsonl.js';
import { BATON_BIN } from '../helpers/cli.js';
import { fixtureExperiment } from '../helpers/experiment.js';
import { tmpDir } from '../helpers/tmp.js';
import { dockerReady } from './guard.js';

const ready = await dockerReady();

/** A unix-socket proxy to the real engine that dies (every connection cut, socket gone) at the first exec of a worker sandbox, if `dieAtWorkerExec`. */
function engineProxy(socket: string, dieAtWorkerExec: boolean): Promise<{ close(): void; died: Promise<void> }> {
  const conns = new Set<net.Socket>();
  let workerCreated = false;
  let markDied!: () => void;
  const died = new Promise<void>((r) => (markDied = r));
  const server = net.createServer((client) => {
    const upstream = net.connect('/var/run/docker.sock');
    conns.add(client).add(upstream);
    const kill = (): void => {
      server.close();
      for (const c of conns) c.destroy();
      markDied();
    };
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (/^POST \S*\/containers\/create\?name=baton-\S*-worker-/m.test(text)) workerCreated = true;
      if (dieAtWorkerExec && workerCreated && /^POST \S*\/containers\/[0-9a-f]+\/exec /m.test(text)) return kill();
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const forget = (): void => {
      conns.delete(client);
      conns.delete(upstream);
    };
    client.on('close', () => {
      upstream.destroy();
      forget();
    });
    upstream.on('close', () => {
      client.destroy();
      forget();
    });
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  return new Promise((resolve) =>
    server.listen(socket, () =>
      resolve({
        close: () => {
          server.close();
          for (const c of conns) c.destroy();
        },
        died,
      }),
    ),
  );
}

describe.runIf(ready.ok)('the Docker engine lost mid-run', () => {
  it('ends the run with a crashed session naming the engine, then resumes in Docker when it is back', async () => {
    const dir = await fixtureExperiment('story');
    const socket = path.join(tmpDir(), 'engine.sock');
    const env = { DOCKER_HOST: `unix://${socket}` };

    const dying = await engineProxy(socket, true);
    const first = await execa('node', [BATON_BIN, 'run', dir], { env, reject: false, timeout: 300_000 });
    dying.close();
    await dying.died;
    expect(first.exitCode, first.stderr).toBe(1);
    expect(first.stderr).not.toMatch(/local sandbox|bubblewrap/);
    const ledgerFile = path.join(dir, '.baton', 'ledger.jsonl');
    const afterFirst = readJsonl(ledgerFile, LedgerRecord).records;
    const crashed = afterFirst.find((r) => r.iteration === 1)!;
    expect(crashed.verdict.kind, JSON.stringify(crashed)).toBe('crashed');
    expect(crashed.session?.cause).toMatch(/sandbox-died: the Docker engine is unreachable/);
    expect(afterFirst.every((r) => r.isolation?.provider === 'docker')).toBe(true);
    expect(first.stderr).toMatch(/baton run` again resumes|sandbox doctor/);
    fs.rmSync(socket, { force: true });

    // With the engine gone, the resume is refused before anything changes.
    const down = await execa('node', [BATON_BIN, 'run', dir], { env, reject: false, timeout: 120_000 });
    expect(down.exitCode, down.stderr).toBe(2);
    expect(down.stderr).toContain(`the Docker engine at unix://${socket} does not answer`);
    expect(readJsonl(ledgerFile, LedgerRecord).records).toHaveLength(afterFirst.length);

    const back = await engineProxy(socket, false);
    try {
      const second = await execa('node', [BATON_BIN, 'run', dir], { env, reject: false, timeout: 600_000 });
      expect(second.stdout + second.stderr).toMatch(/resuming run .*: Docker \(runc/);
      expect(second.exitCode, second.stderr).toBe(0);
      const all = readJsonl(ledgerFile, LedgerRecord).records;
      expect(all.length).toBeGreaterThan(afterFirst.length);
      expect(all.every((r) => r.isolation?.provider === 'docker' && r.isolation.imageId?.startsWith('sha256:'))).toBe(true);
      const report = fs.readFileSync(path.join(dir, 'workspace', 'reports', 'REPORT.md'), 'utf8');
      expect(report).toMatch(/^Isolation: Docker \(runc, unix:\/\/.*image baton-base [0-9a-f]{12}, user \d+:\d+, network none\.$/m);
    } finally {
      back.close();
    }
  }, 900_000);
});
