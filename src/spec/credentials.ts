/**
 * What a model worker or the model judge needs from the harness environment
 * before anything starts: `baton check` reports it, and `baton run` refuses
 * before it writes anything, instead of hours later or after a journal entry.
 * Pure: the environment is an argument.
 */
import type { Spec } from './schema.js';

/** The one-line reason `baton run` with this spec would stop for a missing key in `env`, or undefined. */
export function missingCredentials(spec: Spec, env: NodeJS.ProcessEnv): { where: string; message: string } | undefined {
  if (env.ANTHROPIC_API_KEY || env.ANTHROPIC_AUTH_TOKEN) return undefined;
  const where = spec.worker.kind === 'anthropic' ? 'worker.kind' : spec.judge.model ? 'judge.model' : undefined;
  if (!where) return undefined;
  const who = where === 'worker.kind' ? 'the anthropic worker' : 'the model judge';
  return {
    where,
    message: `${who} needs ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) in the environment of \`baton run\`, and neither is set here`,
  };
}
