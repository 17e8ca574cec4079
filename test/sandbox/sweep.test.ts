/**
 * Sweeping orphans against the real engine: a harness killed with SIGKILL
 * leaves containers the next start removes; containers of a live owner, or of
 * an owner on another host, stay.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerSandboxProvider, sweep } from '../../src/sandbox/index.js';
import { processStart } from '../../src/sandbox/owner.js';
import { dockerReady, spec } from './guard.js';

const ready = await dockerReady();
const docker = new Docker();
const children: ChildProcess[] = [];

/** A stand-in harness process: sandboxes are started in its name. */
async function fakeHarness(): Promise<{ child: ChildProcess; provider: DockerSandboxProvider }> {
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((r) => child.once('spawn', r));
  const owner = { pid: child.pid!, host: os.hostname(), start: processStart(child.pid!) };
  return { child, provider: new DockerSandboxProvider(docker, owner) };
}

const startOpts = (ws: string, experiment: string) => ({
  spec: spec(),
  role: 'worker' as const,
  mounts: [{ hostPath: ws, containerPath: '/workspace', readOnly: false }],
  env: {},
  labels: { experiment, run: 'r', iteration: 3 },
});

async function exists(id: string): Promise<boolean> {
  return docker
    .getContainer(id)
    .inspect()
    .then(() => true)
    .catch(() => false);
}

describe.skipIf(!ready.ok)('sweep', () => {
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('removes the containers of a SIGKILLed owner, hands lent files back, and leaves a live owner alone', async () => {
    const experiment = `sweep-${process.pid}`;
    const ws = await mkdtemp(path.join(os.tmpdir(), 'baton-sweep-'));
    const dead = await fakeHarness();
    const live = await fakeHarness();
    const orphan = await dead.provider.start(startOpts(ws, experiment));
    await orphan.exec('echo from-orphan > o.txt');
    const kept = await live.provider.start(startOpts(await mkdtemp(path.join(os.tmpdir(), 'baton-sweep-live-')), experiment));
    dead.child.kill('SIGKILL');
    await new Promise((r) => dead.child.once('exit', r));

    const result = await sweep({ experiment });
    expect(result.removed).toEqual([orphan.id]);
    expect(result.kept).toContain(kept.id);
    expect(await exists(orphan.id)).toBe(false);
    expect(await exists(kept.id)).toBe(true);
    // The orphan's workspace was lent to uid 1000; the sweep gave it back.
    expect((await stat(path.join(ws, 'o.txt'))).uid).toBe(0);

    await kept.stop();
    await rm(ws, { recursive: true, force: true });
  });

  it('never touches containers without baton labels or owned on another host', async () => {
    const plain = await docker.createContainer({ Image: 'baton-base', Cmd: ['true'], Labels: { 'not.baton': '1' } });
    const remote = await docker.createContainer({
      Image: 'baton-base',
      Cmd: ['true'],
      Labels: { 'baton.owner-pid': '999999', 'baton.owner-host': 'some-other-host', 'baton.experiment': 'remote' },
    });
    try {
      const result = await sweep();
      expect(result.removed).not.toContain(plain.id);
      expect(result.removed).not.toContain(remote.id);
      expect(result.kept).toContain(remote.id);
      expect(await exists(plain.id)).toBe(true);
      expect(await exists(remote.id)).toBe(true);
    } finally {
      await plain.remove({ force: true });
      await remote.remove({ force: true });
    }
  });
});
