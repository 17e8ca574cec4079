/**
 * How a command ended, decided from what its sandbox saw: the exit code, how
 * long it ran against its timeout, whether the OOM killer struck. One
 * classification for every provider, so a timeout or an OOM kill reads the
 * same whichever sandbox ran the command. Pure; the providers gather the facts.
 */
import type { CappedOutput } from './output.js';
import type { ExecResult } from './types.js';

/** `timeout`'s codes for TERM (124) and for the KILL after its grace (137). */
const TIMEOUT_CODES = [124, 137];
/** A command that exits with a timeout code this long before its limit ended itself. */
const TIMEOUT_SLACK_MS = 50;

export const OOM_CAUSE = 'a process of the command was killed by the out-of-memory killer (memory limit reached)';

/** The cause of a command killed at its timeout. */
export function timeoutCause(timeoutMs: number): string {
  return `killed after the ${timeoutMs} ms timeout`;
}

export interface ExitFacts {
  exitCode: number | null;
  durationMs: number;
  timeoutMs: number;
  /** The OOM counter of the sandbox rose during the command. */
  oomKilled: boolean;
  /** The host's own deadline killed the command (the in-sandbox `timeout` did not end it in time). */
  killedByHost?: boolean;
}

export type ExitOutcome = Pick<ExecResult, 'exitCode' | 'timedOut' | 'oomKilled' | 'cause'>;

/**
 * Timed out (no exit code), OOM-killed, or the command's own exit code. A
 * timeout code counts as the timeout only near the limit and without an OOM
 * kill: a command may exit 124 itself, and an OOM kill's 137 is no timeout.
 */
export function classifyExit(f: ExitFacts): ExitOutcome {
  const byTimeout = !f.oomKilled && f.exitCode !== null && TIMEOUT_CODES.includes(f.exitCode) && f.durationMs >= f.timeoutMs - TIMEOUT_SLACK_MS;
  if (f.killedByHost || byTimeout) return { exitCode: null, timedOut: true, oomKilled: f.oomKilled, cause: timeoutCause(f.timeoutMs) };
  if (f.oomKilled) return { exitCode: f.exitCode, timedOut: false, oomKilled: true, cause: OOM_CAUSE };
  return { exitCode: f.exitCode, timedOut: false, oomKilled: false };
}

/**
 * Docker answers an exec whose process it could not create with exit 126 and
 * `OCI runtime exec failed` on stdout. A bad cwd or a missing executable is
 * the command's fault; anything else means the sandbox cannot start processes.
 */
export function engineStartFailure(exitCode: number | null, stdout: string): { commandFault: boolean; message: string } | undefined {
  if (exitCode !== 126 || !/^OCI runtime exec failed/.test(stdout)) return undefined;
  const message = stdout.trim();
  return { commandFault: /chdir to cwd|executable file not found/.test(message), message };
}

/** A result with the outputs captured so far; `fields` say how it ended (default: no exit code, nothing special). */
export function execResult(command: string, startedAt: number, stdout: CappedOutput, stderr: CappedOutput, fields: Partial<ExecResult> = {}): ExecResult {
  return {
    command,
    exitCode: null,
    stdout: stdout.text(),
    stderr: stderr.text(),
    timedOut: false,
    oomKilled: false,
    sandboxDied: false,
    outputTruncated: stdout.truncated || stderr.truncated,
    durationMs: Math.round(performance.now() - startedAt),
    ...fields,
  };
}
