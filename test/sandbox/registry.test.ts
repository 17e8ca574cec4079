/**
 * A sandbox kind is one descriptor in the registry (src/sandbox/registry.ts).
 * A kind registered from here, the local sandbox under another name, is what
 * `baton run` resolves, records, sweeps, starts and describes, with no other
 * change to baton. Fails if run.ts (or resolve.ts) goes back to switching on
 * the kind: a sweep only for Docker, a provider chosen by a fixed name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { experimentId } from '../../src/experiment.js';
import type { RunEvent } from '../../src/run/context.js';
import { runExperiment } from '../../src/run/run.js';
import {
  LocalSandboxProvider,
  bwrapWorks,
  describeIsolation,
  registerSandboxKind,
  type SandboxKind,
  type SandboxProvider,
  type SandboxRole,
} from '../../src/sandbox/index.js';
import type { Spec } from '../../src/spec/schema.js';
import { tmpDir } from '../helpers/tmp.js';

/** What the run asked of the test kind. */
interface Calls {
  resolved: string[];
  swept: { experiment?: string }[];
  started: SandboxRole[];
}

/** The local sandbox (bubblewrap where it works) under the name `hostdir`, recording every call. */
function hostdirKind(calls: Calls, inner: LocalSandboxProvider): SandboxKind {
  const provider: SandboxProvider = {
    kind: 'hostdir',
    start: async (options) => {
      calls.started.push(options.role);
      return inner.start(options);
    },
    sweep: async (filter = {}) => {
      calls.swept.push(filter);
      return { removed: [], kept: [] };
    },
    stopAll: () => inner.stopAll(),
  };
  return {
    name: 'hostdir',
    describe: (i) => `hostdir test sandbox (${i.runtime}), user ${i.user}`,
    resolve: async (spec, workspace) => {
      calls.resolved.push(`${spec.kind} ${workspace}`);
      return { provider, isolation: { provider: 'hostdir', runtime: inner.isolation, user: '1000:1000', network: 'none' }, warnings: [] };
    },
    doctor: async () => ({ ready: true, findings: [] }),
    sweep: async () => ({ removed: [], kept: [] }),
  };
}

async function experiment(): Promise<string> {
  const dir = path.join(tmpDir('baton-kind-'), 'exp');
  const ws = path.join(dir, 'workspace');
  fs.mkdirSync(ws, { recursive: true });
  fs.writeFileSync(path.join(ws, 'score.json'), '{"score": 5}\n');
  const run = `python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))' < score.json`;
  fs.writeFileSync(
    path.join(dir, 'baton.yaml'),
    [
      'name: custom-kind',
      'goal: bring the score down',
      'oracles:',
      `  - { id: s, kind: command, run: ${JSON.stringify(run)}, timeout: 1m }`,
      'thresholds: { s.score: "< 1" }',
      'worker: { kind: replay, script: replay.yaml }',
      'budget: { iterations: 2, time: 10m, session: { time: 2m } }',
      // A valid spec; the run below names the registered kind after loading it.
      'sandbox: { kind: local, memory: 512m, network: none, allow_plain_processes: true }',
      '',
    ].join('\n'),
  );
  const sessions = [{ summary: 'fix', steps: [{ write: 'score.json', content: '{"score": 0}\n' }] }];
  fs.writeFileSync(path.join(dir, 'replay.yaml'), JSON.stringify({ sessions }, null, 2));
  await execa('git', ['init', '-q'], { cwd: ws });
  await execa('git', ['add', '-A'], { cwd: ws });
  await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'baseline'], { cwd: ws });
  return dir;
}

describe('a sandbox kind registered from outside src/sandbox', () => {
  let unregister: (() => void) | undefined;
  afterEach(() => unregister?.());

  it('is what baton run resolves, records, sweeps, starts and describes', async () => {
    const calls: Calls = { resolved: [], swept: [], started: [] };
    const inner = new LocalSandboxProvider((await bwrapWorks()) ? 'bwrap' : 'none');
    unregister = registerSandboxKind(hostdirKind(calls, inner));
    const dir = await experiment();
    const events: RunEvent[] = [];
    const outcome = await runExperiment(dir, {
      adjustSpec: (spec: Spec) => ({ ...spec, sandbox: { ...spec.sandbox, kind: 'hostdir' as Spec['sandbox']['kind'] } }),
      onEvent: (e) => events.push(e),
    });
    expect(outcome.state, JSON.stringify(events, null, 1)).toBe('met');
    expect(calls.resolved).toEqual([`hostdir ${path.join(dir, 'workspace')}`]);
    expect(calls.swept).toEqual([{ experiment: experimentId(dir, 'custom-kind') }]);
    expect(calls.started).toEqual(expect.arrayContaining(['worker', 'oracle']));
    const recorded = JSON.parse(fs.readFileSync(path.join(dir, '.baton', 'isolation.json'), 'utf8'));
    expect(recorded).toMatchObject({ provider: 'hostdir', runtime: inner.isolation });
    expect(describeIsolation(recorded)).toBe(`hostdir test sandbox (${inner.isolation}), user 1000:1000`);
    expect(events.some((e) => e.type === 'info' && e.text.includes('hostdir test sandbox'))).toBe(true);
  }, 120_000);

  it('is refused under a name that is taken, and gone once unregistered', () => {
    const calls: Calls = { resolved: [], swept: [], started: [] };
    const kind = hostdirKind(calls, new LocalSandboxProvider('none'));
    expect(() => registerSandboxKind({ ...kind, name: 'docker' })).toThrow(/already registered/);
    registerSandboxKind(kind)();
    expect(describeIsolation({ provider: 'hostdir', runtime: 'x', user: '1:1', network: 'none' })).toBe('hostdir sandbox (x), user 1:1, network none');
  });
});
