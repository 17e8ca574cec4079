/**
 * Red-team regression: the ownership hand-over of a root-owned workspace
 * (lend: `chown -R 1000:1000`, giveBack: `chown -R --from=1000:1000`) runs
 * as root over a tree the worker wrote. Asserted against the real engine:
 * a symlink the worker plants to a root-owned host file (or folder) is
 * chowned as a link, never followed, by the give-back and by the next
 * session's lend; and the worker cannot hardlink a file of the read-only
 * `.git` mount into the writable workspace (EXDEV), nor move `.git` away.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerSandboxProvider, type SandboxHandle } from '../../src/sandbox/index.js';
import { dockerReady, spec } from '../sandbox/guard.js';
import { tmpDir } from '../helpers/tmp.js';

const ready = await dockerReady();
const asRoot = process.getuid?.() === 0;
const started: SandboxHandle[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop().catch(() => undefined)));
});

describe.runIf(ready.ok && asRoot)('red team: ownership hand-over over a hostile tree (real Docker)', () => {
  it('chown never follows a planted link; .git cannot be hardlinked or moved', async () => {
    const root = tmpDir('baton-redteam-own-');
    const ws = path.join(root, 'workspace');
    const hostDir = path.join(root, 'host');
    fs.mkdirSync(path.join(ws, '.git'), { recursive: true });
    fs.writeFileSync(path.join(ws, '.git', 'config'), '[core]\n');
    fs.mkdirSync(hostDir);
    const canary = path.join(hostDir, 'canary');
    fs.writeFileSync(canary, 'root only\n');
    const provider = new DockerSandboxProvider();
    const options = (iteration: number) => ({
      spec: spec(),
      role: 'worker' as const,
      mounts: [
        { hostPath: ws, containerPath: '/workspace', readOnly: false },
        { hostPath: path.join(ws, '.git'), containerPath: '/workspace/.git', readOnly: true },
      ],
      env: {},
      labels: { experiment: 'redteam-own', run: 'r1', iteration },
    });

    const sb = await provider.start(options(1));
    started.push(sb);
    const planted = await sb.exec(
      [
        `ln -s ${canary} /workspace/file-link`,
        `mkdir -p /workspace/sub && ln -s ${hostDir} /workspace/sub/dir-link`,
        'ln /workspace/.git/config /workspace/hard 2>&1; echo "ln=$?"',
        'mv /workspace/.git /workspace/moved 2>&1; echo "mv=$?"',
      ].join('; '),
    );
    expect(planted.stdout).toMatch(/Invalid cross-device link/);
    expect(planted.stdout).toMatch(/ln=1/);
    expect(planted.stdout).toMatch(/mv=1/);
    await sb.stop();
    started.pop();

    // give-back: the links became root's, their targets never changed owner
    expect(fs.lstatSync(path.join(ws, 'file-link')).uid).toBe(0);
    expect(fs.statSync(canary).uid).toBe(0);
    expect(fs.statSync(hostDir).uid).toBe(0);
    expect(fs.existsSync(path.join(ws, 'hard'))).toBe(false);

    // the next session's lend chowns the tree to 1000 again: still not through the links
    const next = await provider.start(options(2));
    started.push(next);
    expect(fs.lstatSync(path.join(ws, 'file-link')).uid).toBe(1000);
    expect(fs.statSync(canary).uid).toBe(0);
    expect(fs.statSync(hostDir).uid).toBe(0);
    await next.stop();
    started.pop();
    fs.rmSync(root, { recursive: true, force: true });
  }, 120_000);
});
