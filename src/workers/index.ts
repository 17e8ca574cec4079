/** The built-in worker kinds by name. */
import * as path from 'node:path';
import { UserError } from '../errors.js';
import { AnthropicWorkerSpec, ReplayWorkerSpec, type Spec } from '../spec/schema.js';
import { AnthropicWorker } from './anthropic.js';
import { CommandWorker } from './command.js';
import { createClient } from './model-api.js';
import { requirePrice } from './pricing.js';
import { ReplayWorker } from './replay.js';
import type { Worker } from './types.js';
import { WORKER_KINDS } from '../catalog.js';

/** The worker the spec asks for. What a model worker or the model judge needs (a key, a price) is checked now, not hours later. */
export function createWorker(spec: Spec, experimentDir: string): Worker {
  if (spec.judge.model) {
    requirePrice(spec.judge.model.model, spec.worker.kind === 'anthropic' ? spec.worker.pricing : {}, 'worker.pricing (the model judge reads its price there)');
    createClient();
  }
  switch (spec.worker.kind) {
    case 'replay':
      return new ReplayWorker(path.resolve(experimentDir, spec.worker.script));
    case 'anthropic':
      return new AnthropicWorker(spec.worker, { client: createClient() });
    case 'command':
      return new CommandWorker(spec.worker);
  }
}

/** The worker kinds `baton run --worker` accepts. */
export { WORKER_KINDS };

/**
 * The spec with its worker switched to `kind` (`baton run --worker`): the
 * spec's own settings of that kind when it has them, else the kind's
 * defaults; `model` overrides the anthropic model. Pure.
 */
export function withWorker(spec: Spec, kind: string, model?: string): Spec {
  if (!(WORKER_KINDS as readonly string[]).includes(kind)) {
    throw new UserError(`unknown worker ${JSON.stringify(kind)}; expected one of ${WORKER_KINDS.join(', ')}`, { code: 'BATON_INPUT_INVALID' });
  }
  let worker: Spec['worker'];
  if (spec.worker.kind === kind) worker = spec.worker;
  else if (kind === 'anthropic') worker = AnthropicWorkerSpec.parse({ kind });
  else if (kind === 'replay') worker = ReplayWorkerSpec.parse({ kind, script: 'replay.yaml' });
  else {
    throw new UserError(
      '`--worker command` needs the command in baton.yaml: worker: { kind: command, command: "claude -p --output-format json", env: [ANTHROPIC_API_KEY] }',
      {
        code: 'BATON_INPUT_INVALID',
      },
    );
  }
  if (model !== undefined) {
    if (worker.kind !== 'anthropic') throw new UserError('--model applies to the anthropic worker only', { code: 'BATON_INPUT_INVALID' });
    worker = { ...worker, model };
  }
  return { ...spec, worker };
}
