/**
 * The local sandbox (bubblewrap) under a root harness, as in CI: a worker's
 * commands must not run as uid 0 nor keep any capability, or they read every
 * root-only host file bound read-only (/etc/shadow, other experiments'
 * oracles) and, with CAP_SYS_ADMIN, remount their way out. Asserted on the
 * provider directly (the hostile command's own view: id, capabilities, a
 * root-only file, mounting) and through a real `baton run` with the replay
 * worker, after which the workspace is root's again and nothing stays lent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalSandboxProvider, type SandboxHandle } from '../../src/sandbox/index.js';
import { describeIsolation } from '../../src/sandbox/isolation.js';
import { bwrapWorks } from '../../src/sandbox/local.js';
import { resolveSandbox } from '../../src/sandbox/resolve.js';
import { BATON_BIN } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { REQUIRED, spec } from '../sandbox/guard.js';

const hasBwrap = await bwrapWorks();
const isRoot = process.getuid?.() === 0;
if (!hasBwrap) {
  if (REQUIRED) throw new Error('BATON_REQUIRE_DOCKER=1 but bubblewrap (bwrap) does not work here: install bubblewrap');
  console.warn('\n[baton] NOTICE: bubblewrap does not work here; skipping the local sandbox attack tests.\n');
}
if (hasBwrap && !isRoot) console.warn('\n[baton] NOTICE: not root; skipping the local sandbox tests of a root harness.\n');

/** Every path under `dir` (links not followed) whose owner is not `uid`. */
function notOwnedBy(dir: string, uid: number): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    const st = fs.lstatSync(p);
    if (st.uid !== uid) out.push(`${p} (${st.uid}:${st.gid})`);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
  };
  walk(dir);
  return out;
}

const started: SandboxHandle[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

describe.runIf(hasBwrap && isRoot)('local sandbox under a root harness (real bubblewrap)', () => {
  async function start(ws: string, lendRecords?: string): Promise<SandboxHandle> {
    const sb = await new LocalSandboxProvider('bwrap').start({
      spec: spec({ kind: 'local' }),
      role: 'worker',
      mounts: [{ hostPath: ws, containerPath: '/workspace', readOnly: false }],
      env: {},
      labels: { experiment: 'local-attack', run: 'r', iteration: 1 },
      lendRecords,
    });
    started.push(sb);
    return sb;
  }

  it('runs the worker as a user that is not root, with no capability, and cannot read /etc/shadow', async () => {
    const ws = tmpDir('baton-local-attack-ws-');
    const sb = await start(ws);
    const r = await sb.exec(
      "id -u; id -g; id -G; grep -E '^Cap(Eff|Prm|Bnd|Amb):' /proc/self/status; grep NoNewPrivs /proc/self/status; " +
        'cat /etc/shadow >/dev/null 2>&1 && echo SHADOW-READ || echo shadow-denied; ' +
        'mount -t tmpfs none /mnt 2>/dev/null && echo MOUNTED || echo mount-denied; ' +
        'stat -c \'%u\' /tmp "$HOME"',
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const [uid, gid, groups, ...rest] = r.stdout.trim().split('\n');
    expect(uid).toBe('1000');
    expect(gid).toBe('1000');
    expect(groups).toBe('1000');
    expect(rest.slice(0, 4)).toEqual(['CapPrm:\t0000000000000000', 'CapEff:\t0000000000000000', 'CapBnd:\t0000000000000000', 'CapAmb:\t0000000000000000']);
    expect(rest[4]).toBe('NoNewPrivs:\t1');
    expect(rest.slice(5)).toEqual(['shadow-denied', 'mount-denied', '1000', '1000']);
  });

  it('lends a root-owned workspace to the sandbox user, recorded before, and hands everything back at stop', async () => {
    const ws = tmpDir('baton-local-attack-ws-');
    fs.writeFileSync(path.join(ws, 'old.txt'), 'old\n');
    const records = path.join(tmpDir('baton-local-attack-state-'), 'lent');
    const sb = await start(ws, records);
    expect(fs.readdirSync(records)).toHaveLength(1);
    const r = await sb.exec('echo new > new.txt && mkdir -p d/e && echo x > d/e/f && echo more >> old.txt && id -u');
    expect(r, r.stderr).toMatchObject({ exitCode: 0, stdout: '1000\n' });
    expect(fs.statSync(path.join(ws, 'd', 'e', 'f')).uid).toBe(1000);
    await sb.stop();
    expect(notOwnedBy(ws, 0)).toEqual([]);
    expect(fs.readFileSync(path.join(ws, 'old.txt'), 'utf8')).toBe('old\nmore\n');
    expect(fs.readdirSync(records)).toEqual([]);
  });

  it('runs as the owner of a workspace that belongs to an unprivileged user, lending nothing', async () => {
    const ws = tmpDir('baton-local-attack-ws-');
    fs.chownSync(ws, 4242, 4343);
    const sb = await start(ws);
    const r = await sb.exec('touch mine && id -u && id -g');
    expect(r, r.stderr).toMatchObject({ exitCode: 0, stdout: '4242\n4343\n' });
    await sb.stop();
    expect(fs.statSync(path.join(ws, 'mine'))).toMatchObject({ uid: 4242, gid: 4343 });
    expect(fs.statSync(ws)).toMatchObject({ uid: 4242, gid: 4343 });
  });

  it('reports the sandbox user as the isolation, not root', async () => {
    const ws = tmpDir('baton-local-attack-ws-');
    const resolved = await resolveSandbox({ kind: 'local' }, ws);
    expect(resolved.isolation.user).toBe('1000:1000');
    expect(describeIsolation(resolved.isolation)).toBe('local sandbox under bubblewrap, user 1000:1000, network none');
  });

  it("a baton run with the local sandbox: the worker is not root, the run ends met, the workspace is root's afterwards", async () => {
    const dir = path.join(tmpDir('baton-local-run-'), 'exp');
    const ws = path.join(dir, 'workspace');
    fs.mkdirSync(ws, { recursive: true });
    fs.writeFileSync(path.join(ws, 'score.json'), '{"score": 5}\n');
    const run = `python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))' < score.json`;
    fs.writeFileSync(
      path.join(dir, 'baton.yaml'),
      [
        'name: local-root',
        'goal: bring the score down',
        'oracles:',
        `  - { id: s, kind: command, run: ${JSON.stringify(run)}, timeout: 1m }`,
        'thresholds: { s.score: "< 1" }',
        'worker: { kind: replay, script: replay.yaml }',
        'judge: { keep: improve, confirm: 1, stall_after: 8 }',
        'budget: { iterations: 3, time: 10m, session: { time: 2m } }',
        'sandbox: { kind: local, memory: 512m, network: none }',
        '',
      ].join('\n'),
    );
    const probe = "{ id -u; grep '^CapEff:' /proc/self/status; cat /etc/shadow >/dev/null 2>&1 && echo SHADOW-READ || echo shadow-denied; } > probe.txt";
    const sessions = [{ summary: 'probe and fix', steps: [{ exec: probe }, { write: 'score.json', content: '{"score": 0}\n' }] }];
    fs.writeFileSync(path.join(dir, 'replay.yaml'), JSON.stringify({ sessions }, null, 2));
    await execa('git', ['init', '-q'], { cwd: ws });
    await execa('git', ['add', '-A'], { cwd: ws });
    await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'baseline'], { cwd: ws });

    const check = await execa('node', [BATON_BIN, 'check', dir], { reject: false, timeout: 120_000, stdin: 'ignore' });
    expect(`${check.stdout}\n${check.stderr}`).toContain('local sandbox under bubblewrap, user 1000:1000');

    const r = await execa('node', [BATON_BIN, 'run', dir], { reject: false, timeout: 300_000, stdin: 'ignore' });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.exitCode, out).toBe(0);
    expect(fs.readFileSync(path.join(ws, 'probe.txt'), 'utf8')).toBe('1000\nCapEff:\t0000000000000000\nshadow-denied\n');
    expect(notOwnedBy(ws, 0)).toEqual([]);
    const lent = path.join(dir, '.baton', 'lent');
    expect(fs.existsSync(lent) ? fs.readdirSync(lent) : []).toEqual([]);
  });
});
