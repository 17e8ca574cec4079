/**
 * The replay worker's script: a list of sessions, each a list of steps
 * (write, patch, exec, note). Deterministic demos and scripted faults.
 */
import { z } from 'zod';
import { DURATION_PATTERN } from '../spec/units.js';

const WriteStep = z
  .object({
    write: z.string().min(1).describe('Workspace path to write.'),
    content: z.string().optional(),
    from: z.string().min(1).optional().describe('File to copy, relative to the script.'),
  })
  .strict()
  .refine((s) => (s.content === undefined) !== (s.from === undefined), {
    message: 'a write step needs exactly one of content or from',
  });
const PatchStep = z.object({ patch: z.string().min(1).describe('A unified diff applied with git apply.') }).strict();
const ExecStep = z
  .object({
    exec: z.string().min(1).describe('Shell command run in the worker sandbox, cwd /workspace.'),
    timeout: z.string().regex(DURATION_PATTERN).default('5m'),
  })
  .strict();
const NoteStep = z.object({ note: z.string().min(1).describe('Appended to NOTES.md.') }).strict();
const FailedStep = z.object({ failed: z.string().min(1).describe('Appended to the "Failed approaches" section of NOTES.md.') }).strict();

export const ReplayStep = z.union([WriteStep, PatchStep, ExecStep, NoteStep, FailedStep]);
/** With lanes: the task the session works on, as a planner would have written it (its write scope decides `out-of-scope`). */
const ScriptedTask = z
  .object({
    title: z.string().min(1),
    scope: z
      .array(
        z
          .string()
          .min(1)
          .max(300)
          .regex(/^[^{}()[\]!+@\\]+$/, 'expected a plain glob: no braces, parentheses, brackets, !, +, @ or backslashes'),
      )
      .min(1)
      .describe('Globs of the workspace paths the session may write.'),
    metric: z.string().min(1).optional(),
  })
  .strict();
export const ReplaySession = z
  .object({
    summary: z.string().min(1),
    task: ScriptedTask.optional(),
    steps: z.array(ReplayStep).default([]),
  })
  .strict();
export const ReplayScript = z
  .object({
    sessions: z.array(ReplaySession).default([]),
    lanes: z
      .record(z.string().regex(/^[1-9][0-9]*$/, 'expected a lane number such as "1"'), z.array(ReplaySession))
      .optional()
      .describe('With parallel.lanes > 1: the sessions of each lane, by lane number; a lane not listed plays `sessions`.'),
  })
  .strict();

export type ReplayStep = z.infer<typeof ReplayStep>;
export type ReplaySession = z.infer<typeof ReplaySession>;
export type ReplayScript = z.infer<typeof ReplayScript>;

/** The JSON Schema of replay scripts, as `baton schema --replay` prints it. */
export function replayJsonSchema(): Record<string, unknown> {
  return { ...(z.toJSONSchema(ReplayScript, { io: 'input' }) as Record<string, unknown>), title: 'baton replay script' };
}
