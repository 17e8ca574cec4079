/** `baton sandbox doctor`: what works, what is missing, and what to do about each, in plain words; each kind checks its own. */
import type Docker from 'dockerode';
import { UserError } from '../errors.js';
import type { SandboxSpec } from '../spec/schema.js';
import { describeIsolation, type Isolation } from './isolation.js';
import type { Finding } from './kind.js';
import { sandboxKinds } from './registry.js';
import { resolveSandbox } from './resolve.js';

export type { Finding } from './kind.js';

/** Which isolation one experiment's spec gets on this machine. */
export type SpecIsolation = { spec: string; isolation: Isolation; text: string } | { spec: string; refused: string };

export interface DoctorReport {
  /** Docker sandboxes can run (engine reachable, baton-base present). */
  dockerReady: boolean;
  /** The local fallback isolates (bubblewrap works). */
  localIsolated: boolean;
  /** Whether a spec of each kind can run here, by kind name. */
  ready: Record<string, boolean>;
  findings: Finding[];
  /** With a spec: the isolation it gets here, or why it would be refused. */
  spec?: SpecIsolation;
}

/** Checks the sandbox prerequisites of every kind; never throws for a missing piece. */
export async function doctor(docker?: Docker, experiment?: { specFile: string; sandbox: SandboxSpec; workspace: string }): Promise<DoctorReport> {
  const deps = docker ? { docker } : {};
  const findings: Finding[] = [];
  const ready: Record<string, boolean> = {};
  for (const kind of sandboxKinds()) {
    const health = await kind.doctor(deps);
    ready[kind.name] = health.ready;
    findings.push(...health.findings);
  }
  const report: DoctorReport = { dockerReady: ready.docker === true, localIsolated: ready.local === true, ready, findings };
  if (experiment) report.spec = await specIsolation(experiment.specFile, experiment.sandbox, experiment.workspace, docker);
  return report;
}

/** The isolation `sandbox` gets here (what `baton run` would use), or why it would be refused; never throws for a refusal. */
export async function specIsolation(specFile: string, sandbox: SandboxSpec, workspace: string, docker?: Docker): Promise<SpecIsolation> {
  try {
    const { isolation } = await resolveSandbox(sandbox, workspace, docker ? { docker } : {});
    return { spec: specFile, isolation, text: describeIsolation(isolation) };
  } catch (e) {
    if (e instanceof UserError) return { spec: specFile, refused: e.message };
    throw e;
  }
}
