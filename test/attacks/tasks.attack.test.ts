/**
 * TASKS.yaml is written by a session (the planner), so it is hostile input:
 * the lanes read it capped, from a commit's blob (a regular file only), and
 * parse it without trusting its shape. Each test names the defence it fails
 * without.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_TASKS, outOfScope, parseTaskList } from '../../src/run/lanes/tasks.js';
import { Repo } from '../../src/workspace/git.js';
import { tmpDir } from '../helpers/tmp.js';

describe('a hostile TASKS.yaml', () => {
  it('a billion-laughs alias bomb is a problem, not a hang (the alias cap of the YAML parser, maxAliasCount: 50)', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    bomb.push('tasks: *l');
    const t0 = Date.now();
    const r = parseTaskList(bomb.join('\n'));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.tasks).toEqual([]);
    expect(r.problems.join(' ')).toMatch(/alias|not YAML|expected/i);
  });

  it('thousands of tasks are cut at MAX_TASKS, with a problem (fails without the cap)', () => {
    const text = `tasks:\n${Array.from({ length: 5000 }, (_, i) => `  - { title: t${i}, scope: [f${i}] }`).join('\n')}\n`;
    const r = parseTaskList(text);
    expect(r.tasks).toHaveLength(MAX_TASKS);
    expect(r.problems).toContain(`TASKS.yaml lists 5000 tasks; the first ${MAX_TASKS} are used`);
  });

  it('wrong shapes are problems, one per task, and the good tasks stay (fails without the schema)', () => {
    const r = parseTaskList(
      [
        'tasks:',
        '  - { title: ok, scope: [src/**] }',
        '  - { title: no scope }',
        '  - { title: "x", scope: "src/**" }',
        '  - { title: "y", scope: [src], __proto__: { polluted: true } }',
        '  - { title: "z", scope: [src], id: "../../etc" }',
        '  - "just a string"',
      ].join('\n'),
    );
    expect(r.tasks.map((t) => t.id)).toEqual(['ok']);
    expect(r.problems).toHaveLength(5);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('read from a commit, a TASKS.yaml that is a link (to /etc/passwd) or too big is no task list (fails reading the work tree)', async () => {
    const dir = path.join(tmpDir('baton-tasks-attack-'), 'ws');
    fs.mkdirSync(dir, { recursive: true });
    fs.symlinkSync('/etc/passwd', path.join(dir, 'TASKS.yaml'));
    fs.writeFileSync(path.join(dir, 'BIG.yaml'), `tasks:\n${'#'.repeat(300_000)}\n`);
    const repo = await Repo.init(dir);
    const commit = await repo.commitAll('hostile');
    expect(await repo.blobText(commit, 'TASKS.yaml', 256 * 1024)).toBeUndefined();
    expect(await repo.blobText(commit, 'BIG.yaml', 256 * 1024)).toBeUndefined();
    expect(await repo.blobText(commit, 'missing.yaml', 256 * 1024)).toBeUndefined();
  });

  it('a scope glob that would backtrack for hours (`*a*a*a*a*b` on a long name) is refused, as are extglobs and braces (fails without scopeGlobProblem)', () => {
    const r = parseTaskList(
      [
        'tasks:',
        '  - { title: slow, scope: ["src/*a*a*a*a*a*a*b"] }',
        '  - { title: ext, scope: ["src/+(a|b)"] }',
        '  - { title: fine, scope: ["src/**/*.py", "a*b*"] }',
      ].join('\n'),
    );
    expect(r.tasks.map((t) => t.title)).toEqual(['fine']);
    expect(r.problems.join(' ')).toMatch(/at most two \* in a path segment/);
    expect(r.problems.join(' ')).toMatch(/braces, parentheses/);
    const t0 = Date.now();
    expect(outOfScope(r.tasks[0], [`src/${'a'.repeat(5000)}`])).toHaveLength(1);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('scope globs match paths only, dot files included; NOTES.md and PLAN.md are always in scope', () => {
    expect(outOfScope({ scope: ['src/**'] }, ['src/a.py', 'src/.hidden', 'NOTES.md', 'PLAN.md', 'tests/t.py', '.gitattributes'])).toEqual([
      'tests/t.py',
      '.gitattributes',
    ]);
  });
});
