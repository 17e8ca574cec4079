import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baton } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

describe('baton init / check / schema, as a user types them', () => {
  it('init creates a valid experiment that check accepts', async () => {
    const cwd = tmpDir();
    const init = await baton(['init', 'pk'], { cwd });
    expect(init.exitCode).toBe(0);
    expect(init.stdout).toMatch(/^created .*pk from template "table"/);
    expect(fs.readFileSync(path.join(cwd, 'pk', 'baton.yaml'), 'utf8')).toMatch(/^# yaml-language-server: \$schema=.*baton\.schema\.json\n/);
    expect(fs.existsSync(path.join(cwd, 'pk', 'workspace', '.git'))).toBe(true);
    expect(fs.readFileSync(path.join(cwd, 'pk', 'workspace', 'PROMPT.md'), 'utf8')).toContain('accuracy.solution.y.max_abs');
    const check = await baton(['check', 'pk'], { cwd });
    const [ok, isolation] = check.stdout.split('\n');
    // Which isolation the spec gets on this machine: Docker, or (exit 2, no "ok") that `baton run` would refuse.
    if (ok) {
      expect(ok).toBe('ok: pk: 1 oracle, 1 threshold, worker replay, sandbox docker');
      expect(isolation).toMatch(/^isolation on this machine: Docker \(/);
      expect(check.exitCode).toBe(0);
    } else {
      expect(check.stderr).toMatch(/pk\/baton\.yaml: sandbox: baton run would refuse on this machine: sandbox.kind is docker/);
      expect(check.exitCode).toBe(2);
    }
  });

  it('init refuses a non-empty folder unless --force, and writes nothing', async () => {
    const cwd = tmpDir();
    fs.mkdirSync(path.join(cwd, 'exp'));
    fs.writeFileSync(path.join(cwd, 'exp', 'mine.txt'), 'keep');
    const r = await baton(['init', 'exp'], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('exp is not empty');
    expect(fs.readdirSync(path.join(cwd, 'exp'))).toEqual(['mine.txt']);
    const forced = await baton(['init', 'exp', '--force', '-t', 'blank'], { cwd });
    expect(forced.exitCode).toBe(0);
    expect(fs.readFileSync(path.join(cwd, 'exp', 'mine.txt'), 'utf8')).toBe('keep');
  });

  it('an unknown template lists the known ones', async () => {
    const r = await baton(['init', 'x', '--template', 'nope'], { cwd: tmpDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('baton: unknown template "nope"; the templates are: benchmark, blank, browser, table, tests');
  });

  it('check lists every problem with file, key path, line, expected and found; exit 2; nothing written', async () => {
    const cwd = tmpDir();
    await baton(['init', 'exp'], { cwd });
    const specFile = path.join(cwd, 'exp', 'baton.yaml');
    const bad = fs.readFileSync(specFile, 'utf8').replace('kind: table', 'kind: tabel').replace('memory: 1g', 'memory: lots');
    fs.writeFileSync(specFile, bad);
    const before = fs.readdirSync(path.join(cwd, 'exp')).sort();
    const r = await baton(['check', 'exp'], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('2 problems found:');
    expect(r.stderr).toMatch(
      /exp\/baton\.yaml: oracles\[0\]\.kind \(line \d+\): unknown kind\n {4}expected: one of table, benchmark, tests, browser, command\n {4}found: {4}"tabel"\n {4}hint: {5}did you mean "table"\?/,
    );
    expect(r.stderr).toMatch(/exp\/baton\.yaml: sandbox\.memory \(line \d+\): expected a size such as 512m or 4g\n {4}found: {4}"lots"/);
    expect(fs.readdirSync(path.join(cwd, 'exp')).sort()).toEqual(before);
  });

  it('schema prints the JSON Schema; --replay prints the replay script schema', async () => {
    const r = await baton(['schema'], { cwd: tmpDir() });
    expect(r.exitCode).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.title).toBe('baton.yaml');
    expect(Object.keys(schema.properties)).toContain('thresholds');
    const replay = JSON.parse((await baton(['schema', '--replay'], { cwd: tmpDir() })).stdout);
    expect(replay.title).toBe('baton replay script');
  });

  it('an unknown command exits 2 with a hint', async () => {
    const r = await baton(['frobnicate'], { cwd: tmpDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });
});
