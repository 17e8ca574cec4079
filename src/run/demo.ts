/**
 * `baton demo`: a bundled experiment copied to a clean folder and run to the
 * end with its replay worker, in Docker when an engine answers (building the
 * image first), else in the local sandbox.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors.js';
import { EXPERIMENTS_DIR, bundledExperiments } from '../catalog.js';
import { buildImages, probeEngine } from '../sandbox/index.js';
import type { BuildProgress } from '../sandbox/index.js';
import type { Spec } from '../spec/schema.js';
import { Repo } from '../workspace/git.js';
import type { RunEvent } from './context.js';
import { runExperiment, type RunOutcome } from './run.js';

export { EXPERIMENTS_DIR, bundledExperiments };

export interface DemoOptions {
  name: string;
  /** Where the copy goes; replaced when it is an earlier copy of a demo. */
  dir: string;
  onEvent: (e: RunEvent) => void;
  onBuild?: (p: BuildProgress) => void;
  signal?: AbortSignal;
  /** Changes the spec after loading (e.g. `--worker anthropic`), applied before the sandbox choice. */
  adjustSpec?: (spec: Spec) => Spec;
}

export interface DemoResult extends RunOutcome {
  dir: string;
  sandbox: 'docker' | 'local';
}

/** Copies, prepares and runs a bundled experiment. */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const known = bundledExperiments();
  if (!known.includes(o.name)) {
    throw new UserError(`unknown demo "${o.name}"; the bundled experiments are: ${known.join(', ')}`, { code: 'BATON_INPUT_INVALID' });
  }
  const marker = path.join(o.dir, '.baton-demo');
  if (fs.existsSync(o.dir) && fs.readdirSync(o.dir).length > 0 && !fs.existsSync(marker)) {
    throw new UserError(`${o.dir} exists and is not an earlier demo copy; choose another --dir`, { code: 'BATON_INPUT_INVALID' });
  }
  fs.rmSync(o.dir, { recursive: true, force: true });
  fs.cpSync(path.join(EXPERIMENTS_DIR, o.name), o.dir, { recursive: true });
  fs.writeFileSync(marker, `a copy of experiments/${o.name} made by baton demo\n`);
  const repo = await Repo.init(path.join(o.dir, 'workspace'));
  await repo.commitAll(`the ${o.name} workspace as the experiment ships it`);

  const engine = await probeEngine();
  let sandbox: 'docker' | 'local' = 'docker';
  if (engine.reachable) {
    o.onEvent({ type: 'info', text: 'building the sandbox image (reused when unchanged)' });
    await buildImages({ images: ['baton-base'], onProgress: o.onBuild });
  } else {
    sandbox = 'local';
    o.onEvent({ type: 'warning', text: `no Docker engine answers (${engine.error ?? 'no answer'}): the demo runs in the local sandbox instead` });
  }
  const outcome = await runExperiment(o.dir, {
    onEvent: o.onEvent,
    signal: o.signal,
    adjustSpec: (loaded) => {
      const spec = o.adjustSpec ? o.adjustSpec(loaded) : loaded;
      return sandbox === 'local' ? { ...spec, sandbox: { ...spec.sandbox, kind: 'local' } } : spec;
    },
  });
  return { ...outcome, dir: o.dir, sandbox };
}
