/** `baton sandbox doctor`: what works, what is missing, and what to do about each, in plain words. */
import type Docker from 'dockerode';
import { execa } from 'execa';
import { dockerClient, probeEngine } from './engine.js';
import { imageRecipe } from './images/build.js';
import { BASE_IMAGE, BROWSER_IMAGE, baseRecipeHash, browserRecipeHash } from './images/recipe.js';
import { rootfsUnavailableReason } from './images/rootfs.js';
import { UserError } from '../errors.js';
import type { SandboxSpec } from '../spec/schema.js';
import { describeIsolation, type Isolation } from './isolation.js';
import { bwrapWorks } from './local.js';
import { resolveSandbox } from './resolve.js';

export interface Finding {
  /** What was checked: engine, image:baton-base, image:baton-browser, bubblewrap, debootstrap. */
  check: string;
  status: 'ok' | 'warn' | 'error';
  message: string;
  /** What to do, when something is missing. */
  fix?: string;
}

/** Which isolation one experiment's spec gets on this machine. */
export type SpecIsolation = { spec: string; isolation: Isolation; text: string } | { spec: string; refused: string };

export interface DoctorReport {
  /** Docker sandboxes can run (engine reachable, baton-base present). */
  dockerReady: boolean;
  /** The local fallback isolates (bubblewrap works). */
  localIsolated: boolean;
  findings: Finding[];
  /** With a spec: the isolation it gets here, or why it would be refused. */
  spec?: SpecIsolation;
}

/** Checks the sandbox prerequisites; never throws for a missing piece. */
export async function doctor(docker: Docker = dockerClient(), experiment?: { specFile: string; sandbox: SandboxSpec; workspace: string }): Promise<DoctorReport> {
  const findings: Finding[] = [];
  const engine = await probeEngine(docker);
  let baseOk = false;
  if (engine.reachable) {
    findings.push({ check: 'engine', status: 'ok', message: `The Docker engine answers (version ${engine.version ?? '?'}, cgroup v${engine.cgroupVersion ?? '?'}).` });
    const baseHash = await baseRecipeHash();
    const wanted: [string, string][] = [[BASE_IMAGE, baseHash], [BROWSER_IMAGE, await browserRecipeHash(baseHash).catch(() => '')]];
    for (const [name, hash] of wanted) {
      const img = await imageRecipe(docker, name).catch(() => undefined);
      const check = `image:${name}`;
      const role = name === BASE_IMAGE ? 'every worker and oracle sandbox' : 'the browser oracle';
      if (!img) findings.push({ check, status: name === BASE_IMAGE ? 'error' : 'warn', message: `Image ${name} (needed by ${role}) does not exist.`, fix: 'Run `baton sandbox build`.' });
      else if (img.recipe !== hash) findings.push({ check, status: 'warn', message: `Image ${name} exists but was built from an older recipe.`, fix: 'Run `baton sandbox build` to rebuild it.' });
      else {
        findings.push({ check, status: 'ok', message: `Image ${name} is present and up to date.` });
        if (name === BASE_IMAGE) baseOk = true;
      }
    }
  } else {
    findings.push({
      check: 'engine',
      status: 'error',
      message: `No Docker engine is reachable (${engine.error ?? 'no answer'}); a spec with sandbox.kind docker (the default) will not run.`,
      fix: process.env.DOCKER_HOST
        ? `Check that the engine at DOCKER_HOST=${process.env.DOCKER_HOST} is running and reachable.`
        : 'Start Docker (`sudo systemctl start docker`, or `sudo dockerd &` where there is no systemd), and make sure this user may use /var/run/docker.sock.',
    });
  }
  const bwrap = await bwrapWorks();
  findings.push(
    bwrap
      ? { check: 'bubblewrap', status: 'ok', message: 'bubblewrap works: a spec with sandbox.kind local runs its commands under it.' }
      : {
          check: 'bubblewrap',
          status: 'warn',
          message: 'bubblewrap is missing or cannot create namespaces: a spec with sandbox.kind local will not run (unless it opts in to plain processes with sandbox.allow_plain_processes, refused as root).',
          fix: 'Install it (`apt-get install bubblewrap`); if it is installed, allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1).',
        },
  );
  if (engine.reachable && !baseOk) {
    const reason = await rootfsUnavailableReason();
    const which = await execa('sh', ['-c', 'command -v debootstrap'], { reject: false });
    findings.push(
      reason === undefined
        ? { check: 'debootstrap', status: 'ok', message: 'This machine can build the images without a registry (debootstrap from its own apt mirror).' }
        : {
            check: 'debootstrap',
            status: 'warn',
            message: `Building without a registry is not possible here: ${reason}. The build will pull debian:bookworm-slim instead.`,
            fix: which.exitCode === 0 ? 'Run the build as root, or on a machine that can pull debian:bookworm-slim.' : 'apt-get install debootstrap, or use a machine that can pull debian:bookworm-slim.',
          },
    );
  }
  const report: DoctorReport = { dockerReady: engine.reachable && baseOk, localIsolated: bwrap, findings };
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
