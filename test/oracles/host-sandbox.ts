/**
 * A fake `startSandbox` for the oracle unit tests of the command, tests and
 * benchmark kinds: it runs commands on the host with execa, mapping each
 * mount's container path to its host path in the command, cwd and env.
 * Read-only mounts are not enforced; real isolation is tested against
 * Docker by the sandbox integration tests.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { MeasureContext } from '../../src/oracles/types.js';
import type { ExecOptions, ExecResult, HostMount, SandboxHandle, SandboxStartOptions } from '../../src/sandbox/types.js';
import { Spec, type OracleSpec } from '../../src/spec/schema.js';
import { tmpDir } from '../helpers/tmp.js';

type StartOptions = Pick<SandboxStartOptions, 'mounts' | 'env' | 'image' | 'workdir'>;

function mapper(mounts: HostMount[]): (s: string) => string {
  const sorted = [...mounts].sort((a, b) => b.containerPath.length - a.containerPath.length);
  return (s) => {
    let out = s;
    for (const m of sorted) out = out.split(m.containerPath).join(m.hostPath);
    return out;
  };
}

/** Starts a host "sandbox"; records every command it was asked to run. */
export function hostSandbox(options: StartOptions, log: string[] = []): SandboxHandle {
  const map = mapper(options.mounts);
  const env = Object.fromEntries(Object.entries(options.env).map(([k, v]) => [k, map(v)]));
  let stopped = false;
  return {
    id: 'host',
    kind: 'local',
    async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
      log.push(command);
      const started = performance.now();
      // Own process group, killed whole at the timeout, as `timeout -k` does in a container.
      const child = execa(map(command), {
        shell: '/bin/sh',
        cwd: map(opts.cwd ?? options.workdir ?? '/workspace'),
        env: { ...env, ...Object.fromEntries(Object.entries(opts.env ?? {}).map(([k, v]) => [k, map(v)])) },
        reject: false,
        detached: true,
        input: opts.stdin,
      });
      let timedOut = false;
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              try {
                process.kill(-(child.pid as number), 'SIGKILL');
              } catch {
                // already gone
              }
            }, opts.timeoutMs);
      const r = await child;
      clearTimeout(timer);
      return {
        command,
        exitCode: timedOut ? null : (r.exitCode ?? null),
        stdout: String(r.stdout),
        stderr: String(r.stderr),
        timedOut,
        oomKilled: false,
        sandboxDied: false,
        outputTruncated: false,
        durationMs: performance.now() - started,
      };
    },
    async status() {
      return { running: !stopped };
    },
    async stop() {
      stopped = true;
    },
  };
}

export interface FakeContext {
  ctx: MeasureContext;
  /** Every command run, in order. */
  log: string[];
  /** Options of each sandbox started. */
  starts: StartOptions[];
}

const roots: string[] = [];

/** Removes every folder fakeContext made (call from afterAll). */
export function removeFakeContexts(): void {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
}

/** A MeasureContext over fresh temporary folders whose sandbox runs on the host. */
export function fakeContext(oracle: Record<string, unknown>, extra: Partial<MeasureContext> = {}): FakeContext {
  const root = tmpDir('baton-oracle-');
  roots.push(root);
  const dirs = ['experiment', 'snapshot', 'out', 'artifacts'].map((d) => path.join(root, d));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const spec = Spec.parse({ name: 't', goal: 'test', oracles: [oracle], thresholds: {} });
  const log: string[] = [];
  const starts: StartOptions[] = [];
  const ctx: MeasureContext = {
    spec,
    oracle: spec.oracles[0] as OracleSpec,
    experimentDir: dirs[0],
    snapshotDir: dirs[1],
    outDir: dirs[2],
    artifactDir: dirs[3],
    startSandbox: async (o) => {
      starts.push(o);
      return hostSandbox(o, log);
    },
    ...extra,
  };
  return { ctx, log, starts };
}
