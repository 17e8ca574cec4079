/**
 * The baton command line: a thin shell over the programmatic API. This is the
 * one place that prints and maps errors to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { BatonError } from '../errors.js';
import { EXIT } from './exit-codes.js';
import type { CommandContext } from './context.js';
import { processIO, type CliIO } from './io.js';
import { registerCheck, registerInit, registerSchema } from './commands/spec.js';
import { registerRun } from './commands/run.js';
import { registerMeasure } from './commands/measure.js';
import { registerLog, registerReport, registerStatus } from './commands/state.js';
import { registerSandbox } from './commands/sandbox.js';
import { registerDemo } from './commands/demo.js';

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  let code: number = EXIT.ok;
  const setCode = (c: number): void => {
    code = c;
  };
  const program = new Command()
    .name('baton')
    .description('Keeps an AI coding agent working on a measurable goal, judged by oracles.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(run baton --help for the commands)');
  const ctx: CommandContext = { io, setCode };
  registerInit(program, ctx);
  registerCheck(program, ctx);
  registerSchema(program, ctx);
  registerRun(program, ctx);
  registerMeasure(program, ctx);
  registerStatus(program, ctx);
  registerLog(program, ctx);
  registerReport(program, ctx);
  registerSandbox(program, ctx);
  registerDemo(program, ctx);
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    return reportError(e, io);
  }
}

function reportError(e: unknown, io: CliIO): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
    return EXIT.badInput;
  }
  if (e instanceof BatonError) {
    io.err(`baton: ${e.message}`);
    if (process.env.BATON_DEBUG && e.cause) io.err(`cause: ${String((e.cause as Error).stack ?? e.cause)}`);
    return e.exitCode;
  }
  io.err(`baton: internal error: ${(e as Error)?.stack ?? String(e)}`);
  return EXIT.internal;
}
