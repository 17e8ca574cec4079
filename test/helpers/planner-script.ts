/**
 * The model worker of the planner tests (the fake Messages API's script):
 * the initializer writes PLAN.md and TASKS.yaml (raise a, raise b), each
 * lane's session does its task, the planner re-plans "raise c" and also
 * tries a stray edit and a file hidden with .gitignore, which must not
 * reach main. With the `lanes` fixture turned to that worker and 2 lanes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isInitializer, turnOf } from '../workers/agent-helpers.js';
import { fixtureExperiment } from './experiment.js';
import { reply, text, toolUse, type FakeStep, type RecordedRequest } from './fake-anthropic.js';

export const PLANNER_TASKS_AB =
  'tasks:\n  - title: raise a\n    metric: score.value\n    scope: [a.txt]\n  - title: raise b\n    metric: score.value\n    scope: [b.txt]\n';
export const PLANNER_TASKS_C = 'tasks:\n  - title: raise c\n    metric: score.value\n    scope: [c.txt]\n';

export function plannerScript(req: RecordedRequest): FakeStep {
  const first = JSON.stringify(req.body.messages[0]);
  const write = (file: string, content: string) =>
    toolUse('str_replace_based_edit_tool', { command: 'create', path: `/workspace/${file}`, file_text: content });
  if (turnOf(req) > 0) return reply([text('done')]);
  if (isInitializer(req)) return reply([write('PLAN.md', '# Plan\n\n1. raise a and b\n'), write('TASKS.yaml', PLANNER_TASKS_AB)]);
  if (first.includes('You are the planner')) {
    // It sees the tasks with their states from the ledger.
    if (!/raise a \[done\]/.test(first) || !/raise b \[done\]/.test(first)) return reply([text('cannot see the states')]);
    return reply([
      write('TASKS.yaml', PLANNER_TASKS_C),
      write('PLAN.md', '# Plan\n\n1. raise c\n'),
      toolUse('bash', { command: 'echo 99 > /workspace/a.txt' }),
      // Hidden from the list of changed files by .gitignore, then unhidden when .gitignore is put back: must not reach main.
      toolUse('bash', { command: "printf 'sneaky.txt\\n' >> /workspace/.gitignore && echo pwn > /workspace/sneaky.txt" }),
    ]);
  }
  for (const [task, file] of [
    ['raise a', 'a.txt'],
    ['raise b', 'b.txt'],
    ['raise c', 'c.txt'],
  ])
    if (first.includes(`Your task: **${task}**`)) return reply([toolUse('bash', { command: `sleep 2; echo 3 > /workspace/${file}` })]);
  return reply([text('nothing to do without a task')]);
}

/** The `lanes` fixture with the model worker and 2 lanes; `sandbox` replaces its sandbox line when given. */
export async function plannerExperiment(sandbox?: string): Promise<string> {
  const dir = await fixtureExperiment('lanes');
  const file = path.join(dir, 'baton.yaml');
  let yaml = fs
    .readFileSync(file, 'utf8')
    .replace('worker: { kind: replay, script: replay.yaml }', 'worker: { kind: anthropic, model: claude-sonnet-5-5, max_tokens: 1024 }')
    .replace('parallel: { lanes: 4 }', 'parallel: { lanes: 2 }')
    .replace('iterations: 30', 'iterations: 12');
  if (sandbox !== undefined) yaml = yaml.replace(/^sandbox: .*$/m, sandbox);
  fs.writeFileSync(file, yaml);
  return dir;
}
