/**
 * Attacks on the host's handling of the workspace (security audit, issue
 * 12, findings 1-4 and the host half of 2), against real git: each plants
 * what a hostile worker would and asserts the host neither follows it nor
 * runs it. Each test names the defence it fails without.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa, execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { generateReport } from '../../src/report/index.js';
import { protectedTouched } from '../../src/run/integrity.js';
import { Spec } from '../../src/spec/schema.js';
import { Repo } from '../../src/workspace/git.js';
import { copyListedFiles } from '../../src/workspace/tree-files.js';
import { removeHazards, scanHazards } from '../../src/workspace/hazards.js';
import { safeReadFile, safeWriteFile } from '../../src/workspace/safe-fs.js';
import { tmpDir } from '../helpers/tmp.js';

/** A git repository with one commit, made with the test's own git (not baton's). */
async function repoWith(files: Record<string, string>): Promise<{ dir: string; repo: Repo; first: string }> {
  const dir = path.join(tmpDir('baton-host-attack-'), 'ws');
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  const repo = await Repo.init(dir);
  const first = await repo.commitAll('first');
  return { dir, repo, first };
}

/** Runs git as a worker would inside its sandbox: plain git, the worker's own config. */
function workerGit(cwd: string, args: string[]) {
  return execa('git', ['-c', 'user.name=w', '-c', 'user.email=w@w', ...args], { cwd });
}

function spec(protect: string[] = []): Spec {
  return Spec.parse({
    name: 'x',
    goal: 'g',
    protected: protect,
    oracles: [{ id: 'c', kind: 'command', run: 'true' }],
    thresholds: { 'c.x': '< 1' },
  });
}

describe('host git never runs what the workspace configures', () => {
  it('a nested repository with core.fsmonitor is found, removed, and never run by host git (fails without the hazard scan)', async () => {
    const { dir, repo } = await repoWith({ 'a.txt': 'a\n' });
    const canary = path.join(tmpDir('baton-canary-'), 'ran');
    const nested = path.join(dir, 'vendor', 'lib');
    fs.mkdirSync(nested, { recursive: true });
    await workerGit(nested, ['init', '-q']);
    fs.writeFileSync(path.join(nested, 'x'), 'x');
    await workerGit(nested, ['add', 'x']);
    await workerGit(nested, ['commit', '-q', '-m', 'x']);
    await workerGit(nested, ['config', 'core.fsmonitor', `touch ${canary}; false`]);
    const found = scanHazards(dir, { fileBytes: 1e9 });
    expect(found.nestedGit).toEqual(['vendor/lib/.git']);
    removeHazards(dir, found);
    expect(fs.existsSync(path.join(nested, '.git'))).toBe(false);
    await repo.commitAll('candidate');
    await repo.dirtyPaths();
    expect(fs.existsSync(canary)).toBe(false);
    // The files of the planted repository are plain files now: no gitlink was recorded.
    const tree = await repo.run(['ls-tree', '-r', 'HEAD']);
    expect(tree).not.toContain('commit ');
    expect(tree).toContain('vendor/lib/x');
  });

  it('a .git file (gitdir: link) and a .GIT folder below the root are hazards too', async () => {
    const { dir } = await repoWith({ 'a.txt': 'a\n' });
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', '.git'), 'gitdir: /etc\n');
    fs.mkdirSync(path.join(dir, 'deep', '.GIT'), { recursive: true });
    expect(scanHazards(dir, { fileBytes: 1e9 }).nestedGit.sort()).toEqual(['deep/.GIT', 'sub/.git']);
  });

  it("host git ignores fsmonitor, hooks and external diff in the repository's own config (fails without HOST_GIT_CONFIG)", async () => {
    const { dir, repo, first } = await repoWith({ 'a.txt': 'a\n' });
    const canaries = tmpDir('baton-canary-');
    await workerGit(dir, ['config', 'core.fsmonitor', `touch ${canaries}/fsmonitor; false`]);
    await workerGit(dir, ['config', 'core.hooksPath', canaries]);
    fs.writeFileSync(path.join(canaries, 'post-commit'), `#!/bin/sh\ntouch ${canaries}/hook\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(canaries, 'ext-diff'), `#!/bin/sh\ntouch ${canaries}/ext-diff\n`, { mode: 0o755 });
    await workerGit(dir, ['config', 'diff.external', `${canaries}/ext-diff`]);
    fs.writeFileSync(path.join(dir, 'b.txt'), 'b\n');
    await repo.dirtyPaths();
    const second = await repo.commitAll('second');
    await repo.changedPaths(first, second);
    await repo.diff(first, second);
    expect(fs.readdirSync(canaries).sort()).toEqual(['ext-diff', 'post-commit']);
  });

  it('a new non-ASCII file under a protected folder is matched (fails without -z path lists)', async () => {
    const { repo, dir, first } = await repoWith({ 'tests/test_a.py': 'def test_a(): pass\n' });
    fs.writeFileSync(path.join(dir, 'tests', 'tëst_pätch.py'), 'import builtins\n');
    expect(await repo.dirtyPaths()).toEqual(['tests/tëst_pätch.py']);
    const second = await repo.commitAll('candidate');
    const changed = await repo.changedPaths(first, second);
    expect(changed).toEqual(['tests/tëst_pätch.py']);
    expect(protectedTouched(spec(['tests/**']), changed)).toEqual(['tests/tëst_pätch.py']);
  });

  it('the snapshot is the committed tree: export-ignore and export-subst in .gitattributes have no effect (fails with git archive)', async () => {
    const { repo } = await repoWith({
      '.gitattributes': 'tests/test_fail.py export-ignore\nversion.txt export-subst\n',
      'tests/test_fail.py': 'def test_fail(): assert False\n',
      'version.txt': '$Format:%H$\n',
      'run.sh': '#!/bin/sh\necho hi\n',
    });
    fs.chmodSync(path.join(repo.dir, 'run.sh'), 0o755);
    const head = await repo.commitAll('exec bit');
    const out = path.join(tmpDir('baton-snap-'), 'snap');
    await repo.exportTree(head, out);
    expect(fs.readFileSync(path.join(out, 'tests', 'test_fail.py'), 'utf8')).toBe('def test_fail(): assert False\n');
    expect(fs.readFileSync(path.join(out, 'version.txt'), 'utf8')).toBe('$Format:%H$\n');
    expect(fs.statSync(path.join(out, 'run.sh')).mode & 0o111).not.toBe(0);
  });

  it('a committed link is exported as a link, never followed, and a large file streams', async () => {
    const { repo, dir } = await repoWith({ 'a.txt': 'a\n' });
    fs.symlinkSync('/etc/hostname', path.join(dir, 'host'));
    fs.writeFileSync(path.join(dir, 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 7));
    const head = await repo.commitAll('link and big file');
    const out = path.join(tmpDir('baton-snap-'), 'snap');
    await repo.exportTree(head, out);
    expect(fs.lstatSync(path.join(out, 'host')).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(path.join(out, 'host'))).toBe('/etc/hostname');
    expect(fs.statSync(path.join(out, 'big.bin')).size).toBe(8 * 1024 * 1024);
  });
});

describe('host reads and writes never follow a link out of the workspace', () => {
  it('PLAN.md linked to /proc/self/environ or another file is refused, not read (fails with readFileSync)', () => {
    const ws = tmpDir('baton-ws-');
    const secret = path.join(tmpDir('baton-secret-'), 'shadow');
    fs.writeFileSync(secret, 'SECRET=hunter2\n');
    fs.symlinkSync('/proc/self/environ', path.join(ws, 'PLAN.md'));
    fs.symlinkSync(secret, path.join(ws, 'NOTES.md'));
    fs.mkdirSync(path.join(ws, 'docs'));
    fs.symlinkSync(path.dirname(secret), path.join(ws, 'docs', 'inner'));
    for (const rel of ['PLAN.md', 'NOTES.md', 'docs/inner/shadow']) {
      const r = safeReadFile(ws, rel);
      expect(r.ok, rel).toBe(false);
      expect(JSON.stringify(r)).not.toContain('hunter2');
    }
    expect(safeReadFile(ws, '../outside').ok).toBe(false);
  });

  it('a FIFO in place of NOTES.md does not hang the host', () => {
    const ws = tmpDir('baton-ws-');
    execaSync('mkfifo', [path.join(ws, 'NOTES.md')]);
    const r = safeReadFile(ws, 'NOTES.md');
    expect(r).toMatchObject({ ok: false, missing: false });
  });

  it('writing PLAN.md through a dangling link replaces the link and creates nothing outside (fails with writeFileSync)', () => {
    const ws = tmpDir('baton-ws-');
    const canary = path.join(tmpDir('baton-canary-'), 'created-by-root');
    fs.symlinkSync(canary, path.join(ws, 'PLAN.md'));
    safeWriteFile(ws, 'PLAN.md', '# Plan\n', tmpDir('baton-scratch-'));
    expect(fs.existsSync(canary)).toBe(false);
    expect(fs.lstatSync(path.join(ws, 'PLAN.md')).isFile()).toBe(true);
    // A folder on the way that is a link is refused outright.
    const elsewhere = tmpDir('baton-elsewhere-');
    fs.symlinkSync(elsewhere, path.join(ws, 'reports'));
    expect(() => safeWriteFile(ws, 'reports/REPORT.md', 'x')).toThrow(/symbolic link/);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });

  it("the report writer's temporary files are unguessable: links at pid-named temporary paths are not written through (fails with `${file}.tmp-${pid}`)", async () => {
    const out = tmpDir('baton-reports-');
    const canaries = tmpDir('baton-canary-');
    for (const name of ['REPORT.md', 'metrics.csv']) {
      fs.symlinkSync(path.join(canaries, name), path.join(out, `${name}.tmp-${process.pid}`));
    }
    await generateReport({
      spec: spec(),
      records: [],
      notes: '',
      state: 'running',
      artifactRoot: tmpDir('baton-art-'),
      outDir: out,
      now: new Date(0),
    } as Parameters<typeof generateReport>[0]);
    expect(fs.readdirSync(canaries)).toEqual([]);
    expect(fs.lstatSync(path.join(out, 'REPORT.md')).isFile()).toBe(true);
  });

  it('copying the live working tree never goes through a folder swapped for a link (fails with cpSync)', async () => {
    const { dir } = await repoWith({ 'etc/secret': 'mine\n', 'a.txt': 'a\n' });
    const hostDir = tmpDir('baton-hostroot-');
    fs.writeFileSync(path.join(hostDir, 'secret'), 'root-only\n');
    fs.rmSync(path.join(dir, 'etc'), { recursive: true });
    fs.symlinkSync(hostDir, path.join(dir, 'etc'));
    const dest = tmpDir('baton-copy-');
    copyListedFiles(dir, new Set(['etc/secret', 'a.txt', 'etc']), dest);
    expect(fs.readFileSync(path.join(dest, 'a.txt'), 'utf8')).toBe('a\n');
    expect(fs.lstatSync(path.join(dest, 'etc')).isSymbolicLink()).toBe(true);
    expect(fs.existsSync(path.join(hostDir, 'secret'))).toBe(true);
    const all = execaSync('grep', ['-r', 'root-only', dest], { reject: false });
    expect(all.stdout).toBe('');
  });
});

describe('names that shadow protected Python modules', () => {
  it('a package, extension module or bytecode beside a protected X.py is protected too (fails without moduleShadows)', () => {
    const s = spec(['grader.py', 'lib/check.py']);
    const changed = [
      'grader/__init__.py',
      'grader.cpython-311-x86_64-linux-gnu.so',
      '__pycache__/grader.cpython-311.pyc',
      'lib/check/__init__.py',
      'lib/__pycache__/check.cpython-311.pyc',
      'other.py',
    ];
    expect(protectedTouched(s, changed)).toEqual(changed.slice(0, 5));
  });
});

describe('a FIFO where the table oracle expects a table', () => {
  it('is refused at once instead of blocking the harness forever (fails without O_NONBLOCK)', async () => {
    const { readTable } = await import('../../oracles/table/read.js');
    const dir = tmpDir('baton-fifo-');
    const fifo = path.join(dir, 'out.dat');
    execaSync('mkfifo', [fifo]);
    await expect(readTable(fifo, 'auto', { worker: false })).rejects.toThrow(/not a regular file/);
  }, 10_000);
});

describe('lending the workspace to the sandbox user', () => {
  it.runIf(process.getuid?.() === 0)("never lends the repository itself: .git stays the harness's (fails if .git is chowned)", async () => {
    const { lend, giveBack } = await import('../../src/sandbox/ownership.js');
    const { dir } = await repoWith({ 'a.txt': 'a\n' });
    const user = { uid: 1000, gid: 1000, lend: [{ path: dir, uid: 0, gid: 0 }] };
    await lend(user);
    expect(fs.statSync(path.join(dir, 'a.txt')).uid).toBe(1000);
    expect(fs.statSync(path.join(dir, '.git')).uid).toBe(0);
    expect(fs.statSync(path.join(dir, '.git', 'config')).uid).toBe(0);
    await giveBack(user.lend, user);
    expect(fs.statSync(path.join(dir, 'a.txt')).uid).toBe(0);
  });
});
