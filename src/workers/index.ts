/** The built-in worker kinds by name. */
import * as path from 'node:path';
import { UserError } from '../errors.js';
import type { Spec } from '../spec/schema.js';
import { ReplayWorker } from './replay.js';
import type { Worker } from './types.js';

/** The worker the spec asks for. */
export function createWorker(spec: Spec, experimentDir: string): Worker {
  switch (spec.worker.kind) {
    case 'replay':
      return new ReplayWorker(path.resolve(experimentDir, spec.worker.script));
    default:
      throw new UserError(`the ${spec.worker.kind} worker is not available in this build yet (see the model-workers issue)`, {
        code: 'BATON_INPUT_INVALID',
        context: { worker: spec.worker.kind },
      });
  }
}
