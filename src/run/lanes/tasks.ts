/**
 * The planner's tasks (TASKS.yaml in the workspace): a title, the metric it
 * should move, and a write scope (globs). Each lane session works on one; a
 * candidate that writes outside its task's scope is `out-of-scope`. The file
 * is written by a session, so it is read as hostile (capped, no links, a
 * schema, bounded counts) and a bad one is a warning, never a stop. Pure.
 */
import picomatch from 'picomatch';
import { parse } from 'yaml';
import { z } from 'zod';
import type { LedgerRecord } from '../../ledger/record.js';
import { keptChange } from '../../ledger/query.js';

export const TASKS_FILE = 'TASKS.yaml';
/** Tasks read from one file; the rest are ignored with a warning. */
export const MAX_TASKS = 64;
/** Judged sessions of a task in a row without a keep after which it counts as stalled (and the planner re-plans). */
export const TASK_STALL_AFTER = 3;
/** Files every session may write whatever its scope: the notes the prompt asks it to keep. */
export const ALWAYS_IN_SCOPE = ['NOTES.md', 'PLAN.md'];

/**
 * A scope glob: plain picomatch globs only (no braces, extglobs or classes), at
 * most two `*` in a path segment (or a segment that is `**`): the planner writes
 * them, and a glob like `*a*a*a*a*b` matched against a long name backtracks for
 * hours in a regular expression, with the harness frozen.
 */
export function scopeGlobProblem(g: string): string | undefined {
  if (/[{}()[\]!+@\\]/.test(g)) return 'braces, parentheses, brackets, !, +, @ and backslashes are not allowed in a scope';
  if (g.split('/').some((seg) => seg !== '**' && (seg.match(/\*/g) ?? []).length > 2)) return 'at most two * in a path segment (or ** alone)';
  return undefined;
}

const glob = z
  .string()
  .min(1)
  .max(300)
  .superRefine((g, c) => {
    const why = scopeGlobProblem(g);
    if (why) c.addIssue({ code: 'custom', message: why });
  });
export const TaskInput = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
      .optional(),
    title: z.string().min(1).max(300),
    metric: z.string().min(1).max(200).optional(),
    scope: z.array(glob).min(1).max(32),
  })
  .strict();

/** A task as lanes hand it out (and as the journal records it). */
export interface Task {
  id: string;
  title: string;
  scope: string[];
  metric?: string;
}

/** A task id from its title when the planner gave none: stable while the title stays. */
export function taskId(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return slug || 'task';
}

/** The tasks of TASKS.yaml's text; each problem goes to `onProblem` (a warning), never thrown. */
export function parseTasks(text: string, onProblem: (reason: string) => void): Task[] {
  const { tasks, problems } = parseTaskList(text);
  for (const p of problems) onProblem(p);
  return tasks;
}

/** Parses the text of TASKS.yaml; problems are returned, never thrown (the planner is a session, its file hostile). */
export function parseTaskList(text: string): { tasks: Task[]; problems: string[] } {
  if (!text.trim()) return { tasks: [], problems: [] };
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 50, prettyErrors: false });
  } catch (e) {
    return { tasks: [], problems: [`${TASKS_FILE} is not YAML: ${(e as Error).message.split('\n')[0]}`] };
  }
  const list = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { tasks?: unknown }).tasks : raw;
  if (!Array.isArray(list)) return { tasks: [], problems: [`${TASKS_FILE}: expected a list of tasks under "tasks:"`] };
  const problems: string[] = [];
  const tasks: Task[] = [];
  const seen = new Set<string>();
  for (const [i, item] of list.slice(0, MAX_TASKS).entries()) {
    const t = TaskInput.safeParse(item);
    if (!t.success) {
      problems.push(`${TASKS_FILE} tasks[${i}]: ${t.error.issues.map((x) => `${x.path.join('.') || 'task'}: ${x.message}`).join('; ')}`);
      continue;
    }
    let id = t.data.id ?? taskId(t.data.title);
    for (let k = 2; seen.has(id); k++) id = `${t.data.id ?? taskId(t.data.title)}-${k}`;
    seen.add(id);
    tasks.push({ id, title: t.data.title, scope: t.data.scope, ...(t.data.metric ? { metric: t.data.metric } : {}) });
  }
  if (list.length > MAX_TASKS) problems.push(`${TASKS_FILE} lists ${list.length} tasks; the first ${MAX_TASKS} are used`);
  return { tasks, problems };
}

/** The changed paths outside the task's scope (the notes files are always in). */
export function outOfScope(task: Pick<Task, 'scope'>, changed: string[]): string[] {
  const inScope = picomatch([...task.scope, ...ALWAYS_IN_SCOPE], { dot: true });
  return changed.filter((p) => !inScope(p));
}

/** Where a task stands from the ledger: done (a keep), stalled (TASK_STALL_AFTER judged sessions in a row without one), or open. */
export function taskState(id: string, ledger: readonly LedgerRecord[]): 'done' | 'stalled' | 'open' {
  let misses = 0;
  for (const r of ledger) {
    if (r.phase !== 'candidate' || r.task !== id) continue;
    if (keptChange(r.verdict.kind)) return 'done';
    misses++;
  }
  return misses >= TASK_STALL_AFTER ? 'stalled' : 'open';
}

/** The next task for an idle lane: the first open one no other lane is on; undefined when none is left. */
export function nextTask(tasks: readonly Task[], ledger: readonly LedgerRecord[], busy: ReadonlySet<string>): Task | undefined {
  return tasks.find((t) => !busy.has(t.id) && taskState(t.id, ledger) === 'open');
}
