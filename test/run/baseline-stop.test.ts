/**
 * Issue 15: a baseline that cannot be measured stops `baton run` before any
 * session (no paid session wasted on "the measurement failed"), records and
 * commits nothing, and the run after the fix starts clean: a baseline
 * measured afresh, no false crashed iteration. Real Docker, real git, the CLI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { baton } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { discardBatonLeftovers } from '../../src/run/preflight.js';
import { Repo } from '../../src/workspace/git.js';

const dockerUp = (await execa('docker', ['info'], { reject: false })).exitCode === 0;
const need = dockerUp || process.env.BATON_REQUIRE_DOCKER === '1' ? describe : describe.skip;

const git = async (dir: string, args: string[]) => (await execa('git', ['-C', path.join(dir, 'workspace'), ...args])).stdout;
const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

need('a baseline that cannot be measured', () => {
  it('stops the run before any session; after the fix the run starts clean', async () => {
    const dir = path.join(tmpDir(), 'exp');
    expect((await baton(['init', dir], { cwd: path.dirname(dir) })).exitCode).toBe(0);
    const ref = path.join(dir, 'oracle', 'reference.csv');
    const good = fs.readFileSync(ref, 'utf8');
    const bad = good.split('\n');
    bad[4] = '0.20,abc';
    fs.writeFileSync(ref, bad.join('\n'));
    const head = await git(dir, ['rev-parse', 'HEAD']);

    const r = await baton(['run', dir], { cwd: dir, timeout: 300_000 });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('the baseline could not be measured, so no session was started');
    expect(r.stderr).toMatch(/oracle\/reference\.csv.*line 5/);
    expect(r.stderr).not.toMatch(/session 1 starts/);
    expect(lines(path.join(dir, '.baton', 'ledger.jsonl'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, '.baton', 'transcripts'))).toEqual([]);
    expect(lines(path.join(dir, '.baton', 'journal.jsonl')).some((l) => l.includes('"iteration-start"'))).toBe(false);
    expect(await git(dir, ['rev-parse', 'HEAD'])).toBe(head);
    expect(await git(dir, ['status', '--porcelain', '-uall'])).toBe('');

    fs.writeFileSync(ref, good);
    const again = await baton(['run', dir], { cwd: dir, timeout: 300_000 });
    expect(again.exitCode, again.stderr).toBe(0);
    const ledger = lines(path.join(dir, '.baton', 'ledger.jsonl')).map((l) => JSON.parse(l));
    expect(ledger[0].iteration).toBe(0);
    expect(ledger[0].measurements[0].status).not.toBe('error');
    expect(ledger[0].metrics['accuracy.solution.y.max_abs']).toBeGreaterThan(0);
    expect(ledger.filter((x) => x.verdict.kind === 'crashed')).toEqual([]);
    expect(ledger.at(-1).verdict.kind).toBe('met');
  }, 600_000);
});

describe("baton's own leftovers before a session", () => {
  it("restores PROGRESS.md, removes an untracked reports/report.html, leaves the user's files alone", async () => {
    const ws = path.join(tmpDir(), 'ws');
    const repo = await Repo.init(ws);
    fs.mkdirSync(path.join(ws, 'reports'));
    fs.writeFileSync(path.join(ws, 'PROGRESS.md'), 'v1\n');
    fs.writeFileSync(path.join(ws, 'reports', 'REPORT.md'), 'r1\n');
    fs.writeFileSync(path.join(ws, 'solve.py'), 'x = 1\n');
    await repo.commitAll('init');
    fs.writeFileSync(path.join(ws, 'PROGRESS.md'), 'v2\n');
    fs.writeFileSync(path.join(ws, 'reports', 'report.html'), '<html>');
    fs.writeFileSync(path.join(ws, 'solve.py'), 'x = 2\n');
    const discarded = await discardBatonLeftovers(repo, ws);
    expect(discarded.sort()).toEqual(['PROGRESS.md', 'reports/report.html']);
    expect(fs.readFileSync(path.join(ws, 'PROGRESS.md'), 'utf8')).toBe('v1\n');
    expect(fs.existsSync(path.join(ws, 'reports', 'report.html'))).toBe(false);
    expect(await repo.dirtyPaths()).toEqual(['solve.py']);
  });
});
