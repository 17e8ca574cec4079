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

/** An image an oracle's sandboxes need besides the spec's own, and which oracle needs it. */
export interface NeededImage {
  name: string;
  /** `oracles[1] (ui)`. */
  by: string;
}

/**
 * The isolation `sandbox` gets here (what `baton run` would use), or why it
 * would be refused, including an image an oracle needs that is missing;
 * never throws for a refusal.
 */
export async function specIsolation(
  specFile: string,
  sandbox: SandboxSpec,
  workspace: string,
  docker?: Docker,
  images: NeededImage[] = [],
  lanes = 1,
): Promise<SpecIsolation> {
  let close: (() => Promise<void>) | undefined;
  try {
    const { isolation, provider } = await resolveSandbox(sandbox, workspace, docker ? { docker } : {});
    close = provider.close?.bind(provider);
    const lanesRefused = refuseLanes(provider, lanes);
    if (lanesRefused) return { spec: specFile, refused: lanesRefused };
    const missing = (await provider.missingImages?.(images.map((i) => i.name))) ?? [];
    if (missing.length) {
      const who = images.filter((i) => missing.includes(i.name)).map((i) => `${i.by} needs the image ${i.name}`);
      return { spec: specFile, refused: `${who.join('; ')}, which the sandbox engine does not have. Run \`baton sandbox build\`.` };
    }
    return { spec: specFile, isolation, text: describeIsolation(isolation) };
  } catch (e) {
    if (e instanceof UserError) return { spec: specFile, refused: e.message };
    throw e;
  } finally {
    await close?.();
  }
}

/** Why `lanes` lanes cannot run on this provider's sandboxes (they need private workspaces); undefined when they can. */
export function refuseLanes(provider: { kind: string; privateWorkspaces?: boolean }, lanes: number): string | undefined {
  if (lanes <= 1 || provider.privateWorkspaces) return undefined;
  return (
    `parallel.lanes: ${lanes} gives each session its own copy of the workspace, moved into its sandbox and out again; ` +
    `the ${provider.kind} sandbox here cannot (${provider.kind === 'local' ? 'it runs plain processes: install bubblewrap' : 'it has no private folders'}). ` +
    'Use Docker (sandbox.kind: docker), or parallel.lanes: 1.'
  );
}
