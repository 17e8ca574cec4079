/**
 * `baton run` with `sandbox.hosts` (issue 17): experiments/stats-lanes (three
 * lanes, replay worker, a tests oracle) run on this machine's engine reached
 * as a remote host through the loopback SSH server, with DOCKER_HOST pointing
 * nowhere, so anything that still used the local engine would fail. Then the
 * same run killed (SIGKILL) while lanes' sessions are in flight and started
 * again: it ends met, iterations unique and gap-free, nothing left running.
 * Skips without the SSH host; fails instead when BATON_REQUIRE_SSH=1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { experimentId } from '../../src/experiment.js';
import { BATON_BIN } from '../helpers/cli.js';
import { exampleExperiment } from '../helpers/experiment.js';
import { candidatesOf, killThenResume } from '../helpers/lanes-run.js';
import { type SshHost, sshReady } from '../infra/guard.js';
import { FakeAnthropic } from '../helpers/fake-anthropic.js';
import { PLANNER_TASKS_C, plannerExperiment, plannerScript } from '../helpers/planner-script.js';
import { batonRun, ledgerOf } from '../workers/agent-helpers.js';

const ready = await sshReady();
const local = new Docker();
/** The local engine is out of reach of the run: only the SSH host can serve it. */
const NO_LOCAL_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };

/** experiments/stats-lanes with its sandbox on the SSH host. */
async function remoteExperiment(h: SshHost): Promise<string> {
  const dir = await exampleExperiment('stats-lanes');
  const file = path.join(dir, 'baton.yaml');
  const text = fs.readFileSync(file, 'utf8');
  const line = 'sandbox: { kind: docker, image: baton-base, memory: 512m, cpus: 1, network: none }';
  expect(text).toContain(line);
  fs.writeFileSync(
    file,
    text.replace(
      line,
      `sandbox: { kind: docker, image: baton-base, memory: 512m, cpus: 1, network: none, hosts: ["${h.dockerHost}"], ssh: { identity: ${h.keyFile}, known_hosts: ${h.knownHostsFile} } }`,
    ),
  );
  return dir;
}

const candidates = candidatesOf;

async function leftContainers(dir: string): Promise<string[]> {
  const list = await local.listContainers({ all: true, filters: { label: [`baton.experiment=${experimentId(dir, 'stats-lanes')}`] } });
  return list.map((c) => c.Names.join(','));
}

describe.runIf(ready.ok)('baton run on a Docker host over SSH, with lanes', () => {
  const h = ready.host as SshHost;
  let dir: string;
  let result: Awaited<ReturnType<typeof execa>>;
  const mounts = new Map<string, string[]>();

  beforeAll(async () => {
    dir = await remoteExperiment(h);
    const id = experimentId(dir, 'stats-lanes');
    const run = execa('node', [BATON_BIN, 'run', dir], { reject: false, timeout: 300_000, env: NO_LOCAL_ENGINE });
    // What every container of the run mounts, sampled while the run goes (the test itself uses the local socket).
    const watch = (async () => {
      while (run.exitCode === null) {
        const list = await local.listContainers({ filters: { label: [`baton.experiment=${id}`] } }).catch(() => []);
        for (const c of list)
          mounts.set(
            `${c.Labels['baton.role']}:${c.Id}`,
            (c.Mounts ?? []).map((m) => m.Type),
          );
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    result = await run;
    await watch;
  }, 300_000);

  it('ends met with exit 0, the isolation naming the SSH host', () => {
    expect(result.exitCode, `${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/met: every threshold holds \(after \d+ iterations\)/);
    const report = fs.readFileSync(path.join(dir, 'workspace', 'reports', 'REPORT.md'), 'utf8');
    expect(report).toContain(`Isolation: Docker (runc, ${h.dockerHost} `);
  });

  it('iterations are unique and gap-free, each from a lane; the tests oracle measured every candidate there', () => {
    const its = candidates(dir).map((r) => r.iteration);
    expect(its).toEqual(Array.from({ length: its.length }, (_, i) => i + 1));
    expect(new Set(candidates(dir).map((r) => r.lane)).size).toBeGreaterThanOrEqual(2);
    const measured = candidates(dir).filter((r) => r.measurements.length > 0);
    expect(measured.length).toBeGreaterThanOrEqual(3);
    expect(measured.at(-1)?.metrics['tests.pass_rate']).toBe(1);
  });

  it('workers and oracles ran there with volumes only: no folder of this machine was bound into any container', () => {
    const roles = new Set([...mounts.keys()].map((k) => k.split(':')[0]));
    expect(roles).toEqual(new Set(['worker', 'oracle']));
    for (const [who, types] of mounts)
      expect(
        types.filter((t) => t !== 'volume'),
        who,
      ).toEqual([]);
  });

  it('leaves no container behind', async () => {
    expect(await leftContainers(dir)).toEqual([]);
  });
});

describe.runIf(ready.ok)('baton run on a Docker host over SSH, killed while lanes work, then run again', () => {
  const h = ready.host as SshHost;

  it('ends met; the sessions in flight are recorded once, iterations gap-free; nothing left running', async () => {
    const dir = await remoteExperiment(h);
    await killThenResume(dir, NO_LOCAL_ENGINE, 3, async () => {
      // The killed run's sandboxes are still there on the host, their sessions mid-way.
      expect((await leftContainers(dir)).length).toBeGreaterThanOrEqual(3);
    });
    expect(await leftContainers(dir)).toEqual([]);
  }, 420_000);
});

describe.runIf(ready.ok)('baton run on a Docker host over SSH with a model worker: the initializer and the planner on copies', () => {
  const h = ready.host as SshHost;
  let fake: FakeAnthropic;

  afterAll(async () => {
    await fake?.stop();
  });

  it("ends met; the initializer's and the planner's plans come back from the host, nothing else of theirs reaches main", async () => {
    fake = await new FakeAnthropic(plannerScript).start();
    const dir = await plannerExperiment(
      `sandbox: { kind: docker, image: baton-base, memory: 256m, cpus: 1, network: none, hosts: ["${h.dockerHost}"], ssh: { identity: ${h.keyFile}, known_hosts: ${h.knownHostsFile} } }`,
    );
    // The model is called from this machine: its key never goes to the host, only the tool calls run there.
    const result = await batonRun(dir, fake, [], NO_LOCAL_ENGINE);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const ledger = ledgerOf(dir);
    expect(ledger.at(-1)?.verdict.kind).toBe('met');
    expect(
      ledger
        .filter((r) => r.verdict.kind === 'keep' || r.verdict.kind === 'met')
        .map((r) => r.task)
        .sort(),
    ).toEqual(['raise-a', 'raise-b', 'raise-c']);
    const ws = path.join(dir, 'workspace');
    expect(fs.readFileSync(path.join(ws, 'TASKS.yaml'), 'utf8')).toBe(PLANNER_TASKS_C);
    expect(fs.readFileSync(path.join(ws, 'PLAN.md'), 'utf8')).toContain('raise c');
    expect(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8')).toBe('3\n');
    expect(fs.existsSync(path.join(ws, 'sneaky.txt'))).toBe(false);
    expect(fs.existsSync(path.join(ws, '.git', 'HEAD'))).toBe(true);
    const its = ledger.filter((r) => r.phase === 'candidate').map((r) => r.iteration);
    expect(its).toEqual(Array.from({ length: its.length }, (_, i) => i + 1));
    expect(await local.listContainers({ all: true, filters: { label: [`baton.experiment=${experimentId(dir, 'lanes')}`] } })).toEqual([]);
  }, 420_000);
});
