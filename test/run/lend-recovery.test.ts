/**
 * What a run changes on the host for a sandbox is undone by the next run,
 * whatever instant the kill came at. As root the workspace is lent to the
 * sandbox user (1000) for each session: kills inside the lend (mid-chown),
 * between the lend and the container, between the container's removal and the
 * give-back, and mid-give-back; then during the report and the settle and end
 * commits. The run must still end as an uninterrupted one (helpers/chaos.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { adoptRootEntries, giveBack, lend, restoreLent } from '../../src/sandbox/ownership.js';
import { gitLockFiles } from '../../src/workspace/git-locks.js';
import { BATON_BIN } from '../helpers/cli.js';
import { checkEndState } from '../helpers/chaos.js';
import { fixtureExperiment } from '../helpers/experiment.js';
import { tmpDir } from '../helpers/tmp.js';
import { dockerReady } from '../sandbox/guard.js';

const ready = await dockerReady();
const root = process.getuid?.() === 0;

function run(dir: string, env: Record<string, string> = {}) {
  return execa('node', [BATON_BIN, 'run', dir], { reject: false, timeout: 600_000, env, stdin: 'ignore' });
}

function owners(dir: string): Set<number> {
  const seen = new Set<number>();
  const walk = (p: string): void => {
    const st = fs.lstatSync(p);
    seen.add(st.uid);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
  };
  walk(dir);
  return seen;
}

function ownedBy(dir: string, uid: number): number {
  let n = 0;
  const walk = (p: string): void => {
    const st = fs.lstatSync(p);
    if (st.uid === uid) n++;
    if (st.isDirectory()) for (const x of fs.readdirSync(p)) walk(path.join(p, x));
  };
  walk(dir);
  return n;
}

describe.runIf(ready.ok && root)('kills in the lend and give-back window, the report and the commits (real Docker, git, root)', () => {
  it('each kill leaves a lend record or nothing lent; the next run hands the workspace back and the story ends as uninterrupted', async () => {
    const dir = await fixtureExperiment('chaos');
    const ws = path.join(dir, 'workspace');
    const lent = path.join(dir, '.baton', 'lent');
    const killWith = async (point: string): Promise<void> => {
      const r = await run(dir, { BATON_FAILPOINT: point });
      expect(r.signal, `the run was not killed at ${point}: exit ${r.exitCode}\n${r.stderr}`).toBe('SIGKILL');
    };
    await killWith('journal:baseline-done');
    // Lent, and no container exists yet (nor its label): only the record knows.
    await killWith('sandbox:lent');
    expect(fs.readdirSync(lent).length).toBe(1);
    expect(fs.statSync(ws).uid).toBe(1000);
    // Half handed back by the recovery (ownership:chown counts every entry chowned, the recovery's too).
    await killWith('ownership:chown@3');
    expect(owners(ws)).toEqual(new Set([0, 1000]));
    // Half lent: the recovery hands back the rest, then the session's lend is killed at its third entry.
    await killWith(`ownership:chown@${ownedBy(ws, 1000) + 3}`);
    expect(owners(ws)).toEqual(new Set([0, 1000]));
    expect(ownedBy(ws, 1000)).toBe(3);
    expect(fs.readdirSync(lent).length).toBe(1);
    // The container is gone, its files not handed back: the window that wedged runs for good.
    await killWith('sandbox:removed');
    expect(fs.readdirSync(lent).length).toBe(1);
    expect(owners(ws).has(1000)).toBe(true);
    // Handed back, the record not yet removed: handing back again is harmless.
    await killWith('ownership:given-back');
    expect(owners(ws)).toEqual(new Set([0]));
    // The report and the commits of settling and of the run's end.
    for (const p of ['state:progress', 'settle:report@2', 'settle:commit', 'state:progress@4', 'settle:commit@2', 'run:end-commit']) await killWith(p);
    const last = await run(dir);
    expect(last.exitCode, last.stderr).toBe(0);
    expect(await checkEndState(dir, last.stdout)).toEqual([]);
  }, 900_000);
});

describe.runIf(ready.ok)('git lock files left by a kill that took git with it', () => {
  it('are removed by the next run (saying so), which then ends as uninterrupted', async () => {
    const dir = await fixtureExperiment('chaos');
    const gitDir = path.join(dir, 'workspace', '.git');
    const killed = await run(dir, { BATON_FAILPOINT: 'journal:session-end' });
    expect(killed.signal).toBe('SIGKILL');
    // What `git add` and `git update-ref` killed mid-command leave behind.
    fs.writeFileSync(path.join(gitDir, 'index.lock'), '');
    fs.writeFileSync(path.join(gitDir, 'refs', 'heads', 'main.lock'), '');
    const last = await run(dir);
    expect(last.exitCode, last.stderr).toBe(0);
    expect(last.stderr).toContain('removed git lock files a killed run left in the workspace: .git/index.lock, .git/refs/heads/main.lock');
    expect(await checkEndState(dir, last.stdout)).toEqual([]);
  }, 600_000);
});

describe.runIf(ready.ok)('a state file a recovery cannot read', () => {
  it('an unreadable .baton/isolation.json stops the run with exit 2, naming the file and what to do', async () => {
    const dir = await fixtureExperiment('chaos');
    expect((await run(dir, { BATON_FAILPOINT: 'journal:run-start' })).signal).toBe('SIGKILL');
    const file = path.join(dir, '.baton', 'isolation.json');
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).provider).toBe('docker');
    fs.writeFileSync(file, '{"provider": "dock');
    const r = await run(dir);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${file} is not readable JSON`);
    expect(r.stderr).toContain('start the experiment afresh in a new folder');
  }, 120_000);
});

describe.runIf(ready.ok)('a kill as the met candidate is recorded', () => {
  it('keeps its confirmation with it: both ledger records or neither', async () => {
    const dir = await fixtureExperiment('chaos');
    // Appends: the baseline, iterations 1 to 5, then the met candidate with its confirmation (the 7th).
    const killed = await run(dir, { BATON_FAILPOINT: 'ledger:append@7' });
    expect(killed.signal).toBe('SIGKILL');
    const last = await run(dir);
    expect(last.exitCode, last.stderr).toBe(0);
    expect(await checkEndState(dir, last.stdout)).toEqual([]);
  }, 600_000);
});

describe.runIf(ready.ok && root)('root harness, workspace owned by an ordinary user (1000)', () => {
  it('sessions can write what host git rewrote as root: the story ends as it does in a root-owned workspace', async () => {
    const dir = await fixtureExperiment('chaos');
    const ws = path.join(dir, 'workspace');
    await execa('chown', ['-R', '1000:1000', ws]);
    const r = await run(dir);
    expect(r.exitCode, r.stderr).toBe(0);
    // What baton writes after the last session (the report, PROGRESS.md) is root's until the next session adopts it.
    const problems = await checkEndState(dir, r.stdout, 1000);
    expect(problems.filter((p) => !p.startsWith('files in the workspace not owned by uid 1000'))).toEqual([]);
  }, 600_000);
});

describe('gitLockFiles', () => {
  it('finds lock files at the top, under refs/ and logs/, and follows no link', () => {
    const gitDir = tmpDir('baton-locks-');
    fs.mkdirSync(path.join(gitDir, 'refs', 'baton', 'attempts'), { recursive: true });
    fs.mkdirSync(path.join(gitDir, 'objects'));
    for (const f of ['index.lock', 'HEAD.lock', 'refs/baton/attempts/3.lock', 'objects/x.lock', 'config']) fs.writeFileSync(path.join(gitDir, f), '');
    const outside = tmpDir('baton-outside-');
    fs.writeFileSync(path.join(outside, 'victim.lock'), '');
    fs.symlinkSync(outside, path.join(gitDir, 'refs', 'linked'));
    expect(gitLockFiles(gitDir)).toEqual(['HEAD.lock', 'index.lock', 'refs/baton/attempts/3.lock']);
  });
});

describe.runIf(root)('restoreLent: what a killed run lent goes back to its owner', () => {
  it('hands back only what the sandbox user owns, removes the record, and is idempotent', () => {
    const base = tmpDir('baton-lent-');
    const folder = path.join(base, 'ws');
    fs.mkdirSync(path.join(folder, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'sub', 'a.txt'), 'a');
    fs.writeFileSync(path.join(folder, 'other.txt'), 'b');
    const outside = path.join(tmpDir('baton-outside-'), 'host-file');
    fs.writeFileSync(outside, 'x');
    fs.chownSync(outside, 1000, 1000);
    fs.symlinkSync(outside, path.join(folder, 'link'));
    for (const p of [folder, path.join(folder, 'sub'), path.join(folder, 'sub', 'a.txt'), path.join(folder, 'link')]) fs.lchownSync(p, 1000, 1000);
    fs.lchownSync(path.join(folder, 'other.txt'), 1234, 1234);
    const records = path.join(base, 'lent');
    fs.mkdirSync(records);
    fs.writeFileSync(path.join(records, 'y.json.tmp'), '{"uid": 10');
    fs.writeFileSync(
      path.join(records, 'x.json'),
      JSON.stringify({
        uid: 1000,
        gid: 1000,
        lent: [
          { path: folder, uid: 0, gid: 0 },
          { path: path.join(base, 'gone'), uid: 0, gid: 0 },
        ],
      }),
    );
    expect(restoreLent(records)).toEqual([folder, path.join(base, 'gone')]);
    expect(fs.lstatSync(folder).uid).toBe(0);
    expect(fs.lstatSync(path.join(folder, 'sub', 'a.txt')).uid).toBe(0);
    expect(fs.lstatSync(path.join(folder, 'link')).uid).toBe(0);
    expect(fs.lstatSync(path.join(folder, 'other.txt')).uid).toBe(1234); // not the sandbox user's: left alone
    expect(fs.statSync(outside).uid).toBe(1000); // a link is never followed
    expect(fs.readdirSync(records)).toEqual([]);
    expect(restoreLent(records)).toEqual([]);
  });

  it("lending never follows a link the workspace holds: a host file stays root's", async () => {
    const folder = tmpDir('baton-lend-');
    const hostFile = path.join(tmpDir('baton-host-'), 'secret');
    fs.writeFileSync(hostFile, 'root only');
    fs.symlinkSync(hostFile, path.join(folder, 'evil'));
    const record = path.join(tmpDir('baton-lent-'), 'r.json');
    await lend({ uid: 1000, gid: 1000, lend: [{ path: folder, uid: 0, gid: 0 }] }, record);
    expect(fs.lstatSync(path.join(folder, 'evil')).uid).toBe(1000);
    expect(fs.statSync(hostFile).uid).toBe(0);
    expect(JSON.parse(fs.readFileSync(record, 'utf8'))).toEqual({ uid: 1000, gid: 1000, lent: [{ path: folder, uid: 0, gid: 0 }] });
    await giveBack([{ path: folder, uid: 0, gid: 0 }], { uid: 1000, gid: 1000 }, record);
    expect(fs.lstatSync(folder).uid).toBe(0);
    expect(fs.existsSync(record)).toBe(false);
  });

  it('a file hard-linked into a lent folder keeps its owner (it may be a host file)', async () => {
    const base = tmpDir('baton-hardlink-');
    const folder = path.join(base, 'ws');
    fs.mkdirSync(folder);
    const hostFile = path.join(base, 'host-secret');
    fs.writeFileSync(hostFile, 'root only');
    fs.linkSync(hostFile, path.join(folder, 'linked'));
    fs.writeFileSync(path.join(folder, 'plain'), 'x');
    await lend({ uid: 1000, gid: 1000, lend: [{ path: folder, uid: 0, gid: 0 }] });
    expect(fs.statSync(path.join(folder, 'plain')).uid).toBe(1000);
    expect(fs.statSync(hostFile).uid).toBe(0);
  });

  it("adoptRootEntries hands root's files in a user's folder to that user, never its .git", async () => {
    const folder = tmpDir('baton-adopt-');
    fs.mkdirSync(path.join(folder, '.git'));
    fs.writeFileSync(path.join(folder, '.git', 'config'), '');
    fs.writeFileSync(path.join(folder, 'value.txt'), '1');
    fs.writeFileSync(path.join(folder, 'other.txt'), '1');
    fs.chownSync(folder, 1000, 1000);
    fs.chownSync(path.join(folder, 'other.txt'), 1234, 1234);
    await adoptRootEntries(folder, { uid: 1000, gid: 1000 });
    expect(fs.statSync(path.join(folder, 'value.txt')).uid).toBe(1000);
    expect(fs.statSync(path.join(folder, 'other.txt')).uid).toBe(1234);
    expect(fs.statSync(path.join(folder, '.git')).uid).toBe(0);
    expect(fs.statSync(path.join(folder, '.git', 'config')).uid).toBe(0);
  });

  it('a record it cannot read is a UserError naming the file and the fix', () => {
    const records = tmpDir('baton-lent-');
    fs.writeFileSync(path.join(records, 'bad.json'), '{"uid": 1000, "lent": "x"}');
    let error: unknown;
    try {
      restoreLent(records);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain(path.join(records, 'bad.json'));
    expect((error as Error).message).toMatch(/remove it, and run again/);
  });
});
