/**
 * What the Slurm kind gets here: a cluster that answers (`sinfo`), with an
 * up node in the spec's partition, and bubblewrap working (the nodes are
 * taken to be set up as this machine is: on a one-machine cluster they are
 * this machine). A UserError when not, never a fallback.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { UserError } from '../errors.js';
import { parseDuration } from '../spec/units.js';
import type { KindHealth, ResolvedSandbox, SandboxChoice } from './kind.js';
import { LocalSandboxProvider, bwrapWorks } from './local.js';
import { sandboxUser } from './ownership.js';
import { SlurmSandboxProvider } from './slurm.js';

interface ClusterInfo {
  ok: boolean;
  version?: string;
  /** Nodes that can take a job, in the partition asked for (or any). */
  upNodes: number;
  error?: string;
}

async function cluster(partition?: string): Promise<ClusterInfo> {
  const v = await execa('sinfo', ['--version'], { reject: false, timeout: 15_000 }).catch((e: Error) => ({ exitCode: 1, stdout: '', stderr: e.message }));
  if (v.exitCode !== 0) return { ok: false, upNodes: 0, error: `sinfo is missing or fails (${String(v.stderr).trim().slice(0, 200)})` };
  const r = await execa('sinfo', ['-h', '-N', '-o', '%N %t', ...(partition ? ['-p', partition] : [])], { reject: false, timeout: 15_000 });
  if (r.exitCode !== 0) return { ok: false, upNodes: 0, error: `no Slurm controller answers (sinfo: ${r.stderr.trim().split('\n')[0]})` };
  const up = r.stdout.split('\n').filter((l) => /\s(idle|mix|alloc)\*?$/.test(l.trim())).length;
  return { ok: true, version: v.stdout.trim(), upNodes: up };
}

export async function resolveSlurm(spec: SandboxChoice, workspace: string | undefined): Promise<ResolvedSandbox> {
  const partition = typeof spec.partition === 'string' ? spec.partition : undefined;
  const c = await cluster(partition);
  if (!c.ok)
    throw new UserError(`sandbox.kind slurm: ${c.error}. Run baton where Slurm's commands reach the cluster (a login node).`, { code: 'BATON_SANDBOX' });
  if (c.upNodes === 0)
    throw new UserError(`sandbox.kind slurm: no node is up${partition ? ` in partition ${partition}` : ''} (sinfo shows none idle, mixed or allocated).`, {
      code: 'BATON_SANDBOX',
    });
  if (!(await bwrapWorks()))
    throw new UserError(
      'sandbox.kind slurm runs commands under bubblewrap on the nodes, and bubblewrap does not work here. Install it (apt-get install bubblewrap).',
      {
        code: 'BATON_SANDBOX',
      },
    );
  const root = process.getuid?.() === 0;
  const user = root
    ? workspace
      ? await sandboxUser([{ hostPath: workspace, containerPath: '/workspace', readOnly: false }])
      : { uid: 1000, gid: 1000 }
    : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  const dirBase = workspace ? path.join(path.dirname(workspace), '.baton', 'slurm') : path.join(os.tmpdir(), 'baton-slurm');
  return {
    // The experiment's folder (oracle/, .baton/ with every sandbox's own folders) out of sight of every sandbox.
    provider: new SlurmSandboxProvider(new LocalSandboxProvider('bwrap', workspace ? [path.dirname(path.resolve(workspace))] : []), {
      partition,
      jobTimeMs: parseDuration(typeof spec.job_time === 'string' ? spec.job_time : '6h'),
      dirBase,
    }),
    isolation: {
      provider: 'slurm',
      runtime: 'bubblewrap',
      engine: `${c.version ?? 'slurm'}${partition ? `, partition ${partition}` : ''}`,
      user: `${user.uid}:${user.gid}`,
      network: spec.network ?? 'none',
    },
    warnings: [],
  };
}

export async function slurmHealth(): Promise<KindHealth> {
  const c = await cluster();
  if (!c.ok)
    return {
      ready: false,
      findings: [{ check: 'slurm', status: 'warn', message: `No Slurm cluster: ${c.error}; a spec with sandbox.kind slurm will not run.` }],
    };
  return {
    ready: c.upNodes > 0,
    findings: [
      c.upNodes > 0
        ? { check: 'slurm', status: 'ok', message: `A Slurm cluster answers (${c.version}), ${c.upNodes} node(s) up.` }
        : {
            check: 'slurm',
            status: 'warn',
            message: `The Slurm cluster (${c.version}) has no node up.`,
            fix: 'Check `sinfo` and resume the nodes (scontrol update).',
          },
    ],
  };
}
