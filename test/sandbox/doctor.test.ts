/** `doctor()`: plain findings with what to do, for a reachable and an unreachable engine. */
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { chooseSandboxProvider, doctor, sweep } from '../../src/sandbox/index.js';
import { dockerReady } from './guard.js';

const ready = await dockerReady();

describe('doctor', () => {
  it('says the engine is unreachable and how to start it', async () => {
    const report = await doctor(new Docker({ socketPath: '/nonexistent/docker.sock' }));
    expect(report.dockerReady).toBe(false);
    const engine = report.findings.find((f) => f.check === 'engine')!;
    expect(engine.status).toBe('error');
    expect(engine.message).toMatch(/No Docker engine is reachable/);
    expect(engine.fix).toMatch(/dockerd|systemctl|DOCKER_HOST/);
    expect(report.findings.some((f) => f.check === 'bubblewrap')).toBe(true);
  });

  it('never falls back to the local sandbox when no engine answers: kind docker is refused (exit 2)', async () => {
    await expect(
      chooseSandboxProvider({ kind: 'docker' }, undefined, { docker: new Docker({ socketPath: '/nonexistent/docker.sock' }) }),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/does not answer.*start the engine.*kind: local/),
    });
  });

  it('fails a sweep without an engine with a SystemError that says what to do', async () => {
    await expect(sweep({}, new Docker({ socketPath: '/nonexistent/docker.sock' }))).rejects.toMatchObject({
      code: 'BATON_SANDBOX',
      context: { hint: expect.stringMatching(/doctor/) },
    });
  });

  it.skipIf(!ready.ok)('reports a reachable engine and an up-to-date base image', async () => {
    const report = await doctor();
    expect(report.dockerReady).toBe(true);
    expect(report.findings.find((f) => f.check === 'engine')?.status).toBe('ok');
    expect(report.findings.find((f) => f.check === 'image:baton-base')).toMatchObject({ status: 'ok' });
    const browser = report.findings.find((f) => f.check === 'image:baton-browser')!;
    if (browser.status !== 'ok') expect(browser.fix).toMatch(/baton sandbox build/);
  });
});
