/**
 * The `command` oracle kind: runs the spec's commands and reads the metrics
 * from the last stdout line, of `evaluate` (root-only, after `run`) or of
 * `run` alone.
 */
import { defineOracleKind } from '../../src/oracles/descriptor.js';
import type { CommandOracleSpec } from '../../src/spec/schema.js';
import { CommandOracleSpec as CommandOracleSpecSchema } from './schema.js';
import { checkOracleCommands } from './check.js';

export const commandKind = defineOracleKind<CommandOracleSpec>({
  kind: 'command',
  schema: CommandOracleSpecSchema,
  // Any metric name under the oracle's id: the command says which.
  metrics: (o) => [{ oracle: o.id, any: true }],
  check: checkOracleCommands,
  // With `run` alone the metrics line comes from the process that runs the candidate's code.
  weakness: (o) =>
    o.evaluate === undefined
      ? `oracle ${o.id}: metrics from candidate-controlled process (a command oracle with \`run\` alone; code it runs can print a forged metrics line; split it into \`run\` and \`evaluate\`)`
      : undefined,
  load: async () => (await import('./index.js')).commandOracle,
});
