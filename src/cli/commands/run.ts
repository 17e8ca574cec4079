/** `baton run`: the loop, with progress on the terminal and exit codes by outcome. */
import type { Command } from 'commander';
import type { RunOutcome } from '../../run/run.js';
import type { RunEvent } from '../../run/context.js';
import type { Spec } from '../../spec/schema.js';
import { WORKER_KINDS } from '../../catalog.js';
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from '../context.js';
import type { CliIO } from '../io.js';

const OUTCOME_EXIT: Record<RunOutcome['state'], number> = {
  met: EXIT.ok,
  budget: EXIT.budget,
  stalled: EXIT.stalled,
  interrupted: EXIT.interrupted,
  error: EXIT.internal,
};

/** One line per event, prefixed by the iteration. */
export function printEvent(io: CliIO, e: RunEvent): void {
  switch (e.type) {
    case 'info':
      io.err(`baton: ${e.text}`);
      break;
    case 'warning':
      io.err(`baton: warning: ${e.text}`);
      break;
    case 'step':
      io.err(`[${e.iteration === 0 ? 'baseline' : e.iteration}] ${e.text}`);
      break;
    case 'verdict':
      io.err(`[${e.iteration === 0 ? 'baseline' : e.iteration}] ${e.verdict.toUpperCase()}: ${e.reason}`);
      break;
  }
}

export function registerRun(program: Command, { io, setCode }: CommandContext): void {
  program
    .command('run')
    .description('run (or resume) the experiment until its thresholds hold, a budget ends, or progress stalls')
    .argument('[dir]', 'the experiment folder', '.')
    .option('--worker <kind>', `use this worker instead of the spec's (${WORKER_KINDS.join(' | ')})`)
    .option('--model <id>', "the anthropic worker's model instead of the spec's")
    .action(async (dir: string, opts: { worker?: string; model?: string }) => {
      const { runExperiment } = await import('../../run/run.js');
      const { withWorker } = await import('../../workers/index.js');
      const controller = new AbortController();
      const onSignal = (signal: NodeJS.Signals): void => {
        io.err(`baton: ${signal}: stopping the session; state stays consistent and \`baton run ${dir}\` resumes`);
        // The run stops its sandboxes on the abort (run.ts).
        controller.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const adjustSpec = opts.worker || opts.model ? (spec: Spec) => withWorker(spec, opts.worker ?? spec.worker.kind, opts.model) : undefined;
        const outcome = await runExperiment(dir, { signal: controller.signal, onEvent: (e) => printEvent(io, e), adjustSpec });
        io.out(`${outcome.state}: ${outcome.reason} (after ${outcome.iterations} iteration${outcome.iterations === 1 ? '' : 's'})`);
        io.out(`report: ${outcome.report}`);
        setCode(OUTCOME_EXIT[outcome.state]);
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    });
}
