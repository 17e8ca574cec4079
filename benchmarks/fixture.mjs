// The tiny experiment of the iteration and resume benchmarks (issue 9).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const GIT_ID = ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost'];

/** The tiny experiment: SESSIONS sessions, each writing value.txt = i; the oracle prints {"v": value}. */
export async function makeExperiment(root, sessions, image = 'baton-base', extraStep = '') {
  const dir = path.join(root, `exp-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(path.join(dir, 'workspace'), { recursive: true });
  writeFileSync(path.join(dir, 'workspace', 'value.txt'), '0\n');
  writeFileSync(
    path.join(dir, 'baton.yaml'),
    [
      'name: bench-iteration',
      'goal: Make value.txt hold a number of at least 1000000 (never reached; the budget stops the run).',
      'oracles:',
      '  - id: score',
      '    kind: command',
      `    run: 'printf "{\\"v\\": %s}\\n" "$(cat value.txt)"'`,
      'thresholds:',
      '  score.v: ">= 1000000"',
      'worker: { kind: replay, script: replay.yaml }',
      'judge: { keep: improve, confirm: 1, stall_after: 1000 }',
      `budget: { iterations: ${sessions}, time: 2h, session: { time: 2m } }`,
      `sandbox: { kind: docker, image: ${image}, memory: 256m, cpus: 1, network: none }`,
      '',
    ].join('\n'),
  );
  const lines = ['sessions:'];
  for (let i = 1; i <= sessions; i++)
    lines.push(`  - summary: "value ${i}"`, '    steps:', '      - write: value.txt', `        content: "${i}\\n"`, ...(extraStep ? [extraStep] : []));
  writeFileSync(path.join(dir, 'replay.yaml'), `${lines.join('\n')}\n`);
  const ws = path.join(dir, 'workspace');
  await run('git', ['init', '-q', '-b', 'main'], { cwd: ws });
  await run('git', ['add', '-A'], { cwd: ws });
  await run('git', [...GIT_ID, 'commit', '-q', '-m', 'bench fixture'], { cwd: ws });
  return dir;
}
