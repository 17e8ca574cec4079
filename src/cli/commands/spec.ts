/** `baton init`, `baton check`, `baton schema`. */
// Each action imports what it uses: the CLI's start-up loads only the command that runs (npm run bench -- --only startup).
import * as path from 'node:path';
import type { Command } from 'commander';
import { formatProblems, type Problem } from '../../errors.js';
import { templateNames } from '../../catalog.js';
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from '../context.js';
import { experimentPaths } from '../../experiment.js';

export function registerInit(program: Command, { io }: CommandContext): void {
  program
    .command('init')
    .description('create an experiment folder: baton.yaml, oracle/, workspace/ (a git repository)')
    .argument('<dir>', 'the experiment folder to create')
    .option('-t, --template <name>', `one of: ${templateNames().join(', ')}`, 'table')
    .option('--name <name>', 'the experiment name (default: the folder name)')
    .option('-f, --force', 'write into a non-empty folder')
    .action(async (dir: string, opts: { template: string; name?: string; force?: boolean }) => {
      const { initExperiment } = await import('../../init/init.js');
      const result = await initExperiment(dir, opts);
      io.out(`created ${result.dir} from template "${opts.template}" (${result.files.length} files, commit ${result.commit.slice(0, 8)})`);
      io.out(`next: baton check ${dir}   then: baton run ${dir}`);
    });
}

export function registerCheck(program: Command, { io, setCode }: CommandContext): void {
  program
    .command('check')
    .description('validate an experiment without running anything; lists every problem at once')
    .argument('[dir]', 'the experiment folder', '.')
    .action(async (dir: string) => {
      const { checkExperimentInputs } = await import('../../spec/check.js');
      const { spec, problems, warnings } = await checkExperimentInputs(dir);
      for (const w of warnings) io.err(formatWarning(w));
      if (problems.length || !spec) {
        io.err(formatProblems(problems));
        setCode(EXIT.badInput);
        return;
      }
      // What `baton run` would get here: the spec's isolation, or a refusal (never a weaker fallback).
      // `check` catches what `run` would fail on: an isolation `run` refuses here is bad input too (exit 2), and no "ok" is printed.
      const paths = experimentPaths(dir);
      const { specIsolation } = await import('../../sandbox/doctor.js');
      const { neededImages } = await import('../../oracles/registry.js');
      const iso = await specIsolation(paths.spec, spec.sandbox, paths.workspace, undefined, neededImages(spec.oracles), spec.parallel.lanes);
      if ('refused' in iso) {
        const file = path.relative(process.cwd(), paths.spec) || paths.spec;
        io.err(formatProblems([{ file, where: 'sandbox', message: `baton run would refuse on this machine: ${iso.refused}` }]));
        setCode(EXIT.badInput);
        return;
      }
      const n = Object.keys(spec.thresholds).length;
      io.out(
        `ok: ${spec.name}: ${spec.oracles.length} oracle${spec.oracles.length === 1 ? '' : 's'}, ${n} threshold${n === 1 ? '' : 's'}, worker ${spec.worker.kind}, sandbox ${spec.sandbox.kind}`,
      );
      const { defaultProtectedGroups } = await import('../../spec/protected.js');
      for (const g of defaultProtectedGroups(spec)) io.out(`protected by default (${g.reason}): ${g.globs.join(' ')}`);
      io.out(`isolation on this machine: ${iso.text}`);
    });
}

/** One warning of `baton check`, loud: allowed, but weaker than it looks. */
function formatWarning(w: Problem): string {
  return `WARNING: ${w.file}: ${w.where}: ${w.message}${w.hint ? `\n    hint:     ${w.hint}` : ''}`;
}

export function registerSchema(program: Command, { io }: CommandContext): void {
  program
    .command('schema')
    .description('print the JSON Schema of baton.yaml (or of a replay script)')
    .option('--replay', 'the schema of replay worker scripts instead')
    .action(async (opts: { replay?: boolean }) => {
      const schema = opts.replay
        ? (await import('../../workers/replay-script.js')).replayJsonSchema()
        : (await import('../../spec/schema.js')).specJsonSchema();
      io.out(JSON.stringify(schema, null, 2));
    });
}
