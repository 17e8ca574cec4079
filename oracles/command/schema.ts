/**
 * The `command` oracle's spec: its `run` and optional `evaluate` commands.
 * `baton schema` prints it as part of baton.yaml's schema (src/spec/schema.ts).
 */
import { z } from 'zod';
import { command, oracleCommon } from '../../src/spec/schema-parts.js';

export const CommandOracleSpec = z
  .object({
    kind: z.literal('command'),
    ...oracleCommon,
    run: command.describe(
      'The candidate phase, run as the sandbox user in /workspace. With `evaluate`, it writes its outputs to $BATON_OUT; without it, its last stdout line is the metrics (a process the candidate controls: `baton check` warns).',
    ),
    evaluate: command
      .optional()
      .describe(
        "The evaluation phase: run after every process of `run` is killed, as another user, in a root-only copy of the experiment's oracle/ folder ($BATON_ORACLE); reads $BATON_OUT and /workspace as data; its last stdout line must be a JSON object of finite numbers.",
      ),
  })
  .strict();
