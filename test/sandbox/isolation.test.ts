/**
 * Issue 22: a run uses the isolation its spec names or does not start. Pure
 * decisions, the resolver against a dead engine socket, and `baton run` /
 * `baton sandbox doctor` as a user types them (refused before anything is
 * written).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { runExperiment } from '../../src/run/run.js';
import { decideLocal, describeIsolation, isolationDifferences, type Isolation } from '../../src/sandbox/isolation.js';
import { resolveSandbox } from '../../src/sandbox/resolve.js';
import { baton } from '../helpers/cli.js';
import { fixtureExperiment } from '../helpers/experiment.js';
import { tmpDir } from '../helpers/tmp.js';
import { dockerReady } from './guard.js';

const ready = await dockerReady();
const DEAD = 'unix:///nonexistent/baton-dead-docker.sock';
const dead = new Docker({ socketPath: '/nonexistent/baton-dead-docker.sock' });
const isRoot = process.getuid?.() === 0;

const docker: Isolation = {
  provider: 'docker',
  runtime: 'runc',
  engine: 'unix:///var/run/docker.sock 20.10',
  image: 'baton-base',
  imageId: 'sha256:aaa',
  user: '1000:1000',
  network: 'none',
};

/** Every file under `dir` with its size and mtime: what "writes nothing" is checked against. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = fs.statSync(p);
        out.push(`${path.relative(dir, p)} ${st.size} ${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out.sort();
}

function setSandbox(dir: string, line: string): void {
  const file = path.join(dir, 'baton.yaml');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^sandbox: .*$/m, line));
}

describe('isolation decisions (pure)', () => {
  it('uses bubblewrap; plain processes only with the opt-in, and never as root', () => {
    expect(decideLocal({ bwrap: true, allowPlain: false, root: true })).toEqual({ runtime: 'bubblewrap' });
    expect(decideLocal({ bwrap: false, allowPlain: true, root: false })).toEqual({ runtime: 'none' });
    const noOptIn = decideLocal({ bwrap: false, allowPlain: false, root: false });
    expect('refuse' in noOptIn && noOptIn.refuse).toMatch(/allow_plain_processes: true/);
    const root = decideLocal({ bwrap: false, allowPlain: true, root: true });
    expect('refuse' in root && root.refuse).toMatch(/runs as root/);
  });

  it('names every difference a resume would bring, and plain processes loudly', () => {
    expect(isolationDifferences(docker, { ...docker, engine: 'tcp://other 24.0' })).toEqual([]);
    expect(isolationDifferences(docker, { ...docker, imageId: 'sha256:bbb', user: '1234:1234' })).toEqual([
      'imageId: sha256:aaa at the start, sha256:bbb now',
      'user: 1000:1000 at the start, 1234:1234 now',
    ]);
    expect(describeIsolation({ provider: 'local', runtime: 'none', user: '1000:1000', network: 'none' })).toMatch(/^NONE: plain processes on the host/);
    expect(describeIsolation(docker)).toMatch(/^Docker \(runc.*image baton-base aaa, user 1000:1000, network none/);
  });
});

describe('resolving the sandbox of a spec', () => {
  it('refuses kind docker without a reachable engine, naming the engine and both fixes (exit 2)', async () => {
    const e = await resolveSandbox({ kind: 'docker' }, undefined, { docker: dead }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).exitCode).toBe(2);
    expect((e as UserError).message).toContain('/nonexistent/baton-dead-docker.sock');
    expect((e as UserError).message).toMatch(/start the engine.*or change the spec to `sandbox: \{ kind: local \}`/);
  });

  it('refuses kind local without bubblewrap unless opted in, and as root even then', async () => {
    const noBwrap = async () => false;
    await expect(resolveSandbox({ kind: 'local' }, undefined, { bwrap: noBwrap, root: false })).rejects.toThrow(/allow_plain_processes/);
    await expect(resolveSandbox({ kind: 'local', allow_plain_processes: true }, undefined, { bwrap: noBwrap, root: true })).rejects.toThrow(/runs as root/);
    const plain = await resolveSandbox({ kind: 'local', allow_plain_processes: true }, undefined, { bwrap: noBwrap, root: false });
    expect(plain.isolation).toMatchObject({ provider: 'local', runtime: 'none' });
    expect(plain.warnings[0]).toMatch(/NOTHING IS ISOLATED/);
  });

  it.runIf(ready.ok)('records provider, runtime, image id, user and network with a reachable engine', async () => {
    const ws = tmpDir();
    const r = await resolveSandbox({ kind: 'docker', image: 'baton-base', network: 'none' }, ws);
    const id = (await new Docker().getImage('baton-base').inspect()).Id;
    expect(r.isolation).toMatchObject({ provider: 'docker', runtime: 'runc', image: 'baton-base', imageId: id, network: 'none', user: '1000:1000' });
  });
});

describe('baton run and baton sandbox doctor with the isolation unavailable', () => {
  it('refuses `baton run` with kind docker and no engine before anything is written', async () => {
    const dir = await fixtureExperiment('story');
    const before = listing(dir);
    const r = await baton(['run', dir], { cwd: dir, env: { DOCKER_HOST: DEAD } });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(DEAD);
    expect(r.stderr).toMatch(/start the engine/);
    expect(r.stderr).toMatch(/kind: local/);
    expect(fs.existsSync(path.join(dir, '.baton'))).toBe(false);
    expect(listing(dir)).toEqual(before);
    const doc = await baton(['sandbox', 'doctor', dir], { cwd: dir, env: { DOCKER_HOST: DEAD } });
    expect(doc.exitCode).toBe(2);
    expect(doc.stdout).toMatch(/baton run would refuse: sandbox.kind is docker/);
    const check = await baton(['check', dir], { cwd: dir, env: { DOCKER_HOST: DEAD } });
    expect(check.stderr).toMatch(/baton\.yaml: sandbox: baton run would refuse on this machine: sandbox.kind is docker/);
    expect(check.stdout).not.toMatch(/^ok:/m);
    expect(check.exitCode).toBe(2);
    expect(listing(dir)).toEqual(before);
  });

  it.runIf(ready.ok)('`baton check` and `baton sandbox doctor` say which isolation the spec gets here', async () => {
    const dir = await fixtureExperiment('story');
    const check = await baton(['check', dir], { cwd: dir });
    expect(check.stdout).toMatch(
      /isolation on this machine: Docker \(runc, unix:\/\/\/var\/run\/docker.sock .*image baton-base [0-9a-f]{12}, user 1000:1000, network none/,
    );
    const doc = await baton(['sandbox', 'doctor', dir], { cwd: dir });
    expect(doc.stdout).toMatch(/baton.yaml gets: Docker \(runc/);
  });

  it('refuses to resume with the engine down, changing nothing', async () => {
    const dir = await fixtureExperiment('story');
    // The state of a run that started in Docker.
    const state = path.join(dir, '.baton');
    fs.mkdirSync(state, { recursive: true });
    fs.writeFileSync(path.join(state, 'isolation.json'), JSON.stringify(docker));
    fs.writeFileSync(path.join(state, 'journal.jsonl'), '');
    const before = listing(dir);
    const r = await baton(['run', dir], { cwd: dir, env: { DOCKER_HOST: DEAD } });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(DEAD);
    expect(listing(dir)).toEqual(before);
  });

  it.runIf(ready.ok)('refuses to resume a run that started with another isolation, saying what differs', async () => {
    const dir = await fixtureExperiment('story');
    const state = path.join(dir, '.baton');
    fs.mkdirSync(state, { recursive: true });
    const id = (await new Docker().getImage('baton-base').inspect()).Id;
    fs.writeFileSync(path.join(state, 'isolation.json'), JSON.stringify({ ...docker, imageId: 'sha256:0123456789ab', user: '1000:1000' }));
    const before = listing(dir);
    const e = await runExperiment(dir).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).toContain(`imageId: sha256:0123456789ab at the start, ${id} now`);
    expect(listing(dir)).toEqual(before);
  });

  it('refuses kind local without bubblewrap unless the spec opts in; as root even with the opt-in', async () => {
    // A PATH with node but no bwrap.
    const bin = tmpDir();
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const dir = await fixtureExperiment('story');
    setSandbox(dir, 'sandbox: { kind: local, memory: 256m, cpus: 1, pids: 256, network: none }');
    const before = listing(dir);
    const r = await baton(['run', dir], { cwd: dir, env: { PATH: bin } });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/bubblewrap \(bwrap\) does not work.*allow_plain_processes: true/s);
    expect(listing(dir)).toEqual(before);
    setSandbox(dir, 'sandbox: { kind: local, allow_plain_processes: true, memory: 256m, cpus: 1, pids: 256, network: none }');
    if (isRoot) {
      const root = await baton(['run', dir], { cwd: dir, env: { PATH: bin } });
      expect(root.exitCode, root.stderr).toBe(2);
      expect(root.stderr).toMatch(/runs as root/);
      expect(fs.existsSync(path.join(dir, '.baton'))).toBe(false);
    }
  });
});
