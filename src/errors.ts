/**
 * The one error hierarchy of baton. Every error has a stable `code`, the
 * context that matters, and an optional `cause`. Errors are split by who must
 * act: the user (bad input, exit 2) or the system (infrastructure, exit 1).
 * Only src/cli/ maps them to exit codes and prints them.
 */

/** Stable error codes; tests and scripts may match on them. */
export type ErrorCode =
  | 'BATON_SPEC_INVALID'
  | 'BATON_INPUT_INVALID'
  | 'BATON_FILE_NOT_FOUND'
  | 'BATON_UNSAFE_PATH'
  | 'BATON_STATE_CORRUPT'
  | 'BATON_LOCKED'
  | 'BATON_GIT'
  | 'BATON_SANDBOX'
  | 'BATON_ORACLE'
  | 'BATON_WORKER'
  | 'BATON_MODEL_API'
  | 'BATON_INTERRUPTED'
  | 'BATON_INTERNAL';

/** One problem found in an input file: where, what was expected, what was found. */
export interface Problem {
  /** The file the problem is in. */
  file: string;
  /** Key path (`oracles[0].tables[1].x`) or `line N`. */
  where: string;
  /** What is wrong, in a sentence. */
  message: string;
  expected?: string;
  found?: string;
  hint?: string;
}

export interface BatonErrorOptions {
  code: ErrorCode;
  context?: Record<string, unknown>;
  cause?: unknown;
}

/** Base of every error baton throws on purpose. */
export class BatonError extends Error {
  readonly code: ErrorCode;
  readonly context: Record<string, unknown>;
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;

  constructor(message: string, options: BatonErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.context = options.context ?? {};
  }
}

/** The user must act: a bad spec, a missing file, a held lock. Exit code 2. */
export class UserError extends BatonError {
  override readonly exitCode: number = 2;
}

/** The machine or a dependency failed: Docker, git, the model API. Exit code 1. */
export class SystemError extends BatonError {}

/** An input file has one or more problems; all of them are listed at once. */
export class InputError extends UserError {
  readonly problems: Problem[];

  constructor(problems: Problem[], options?: Partial<BatonErrorOptions>) {
    super(formatProblems(problems), {
      code: options?.code ?? 'BATON_INPUT_INVALID',
      context: options?.context,
      cause: options?.cause,
    });
    this.problems = problems;
  }
}

/** The run was interrupted by SIGINT/SIGTERM. Exit code 130. */
export class InterruptedError extends BatonError {
  override readonly exitCode: number = 130;
  constructor(message = 'interrupted') {
    super(message, { code: 'BATON_INTERRUPTED' });
  }
}

/** Renders problems as one block, one problem per paragraph. */
export function formatProblems(problems: Problem[]): string {
  const n = problems.length;
  const head = `${n} problem${n === 1 ? '' : 's'} found:`;
  const lines = problems.map((p) => {
    let s = `  ${p.file}: ${p.where}: ${p.message}`;
    if (p.expected !== undefined) s += `\n    expected: ${p.expected}`;
    if (p.found !== undefined) s += `\n    found:    ${p.found}`;
    if (p.hint !== undefined) s += `\n    hint:     ${p.hint}`;
    return s;
  });
  return [head, ...lines].join('\n');
}

/** A short description of any thrown value, for messages. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
