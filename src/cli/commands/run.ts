/** `baton run`: the loop, with progress on the terminal and exit codes by outcome. */
import type { Command } from 'commander';
import type { RunOutcome } from '../../run/run.js';
import type { RunEvent } from '../../run/context.js';
import { MAX_LANES, type Spec } from '../../spec/schema.js';
import { UserError } from '../../errors.js';
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
      io.err(`[${e.lane !== undefined ? `lane ${e.lane}` : e.iteration === 0 ? 'baseline' : e.iteration}] ${e.text}`);
      break;
    case 'verdict':
      io.err(`[${e.iteration === 0 ? 'baseline' : e.iteration}] ${e.verdict.toUpperCase()}: ${e.reason}`);
      break;
  }
}

/** `--lanes N`: a whole number from 1 to MAX_LANES, or a UserError that says what was found. */
export function parseLanes(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < 1 || n > MAX_LANES)
    throw new UserError(`--lanes: expected a whole number from 1 to ${MAX_LANES}, found "${text}"`, { code: 'BATON_INPUT_INVALID' });
  return n;
}

export function registerRun(program: Command, { io, setCode }: CommandContext): void {
  program
    .command('run')
    .description('run (or resume) the experiment until its thresholds hold, a budget ends, or progress stalls')
    .argument('[dir]', 'the experiment folder', '.')
    .option('--worker <kind>', `use this worker instead of the spec's (${WORKER_KINDS.join(' | ')})`)
    .option('--model <id>', "the anthropic worker's model instead of the spec's")
    .option('--lanes <n>', `sessions at once for this run instead of the spec's parallel.lanes (1 to ${MAX_LANES})`)
    .action(async (dir: string, opts: { worker?: string; model?: string; lanes?: string }) => {
      const lanes = opts.lanes === undefined ? undefined : parseLanes(opts.lanes);
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
        const adjustSpec =
          opts.worker || opts.model || lanes
            ? (spec: Spec) => {
                const s = opts.worker || opts.model ? withWorker(spec, opts.worker ?? spec.worker.kind, opts.model) : spec;
                return lanes ? { ...s, parallel: { ...s.parallel, lanes } } : s;
              }
            : undefined;
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
