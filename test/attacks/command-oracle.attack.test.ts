/**
 * Attacks on the command oracle (security audit, issue 12, finding 6),
 * against the real Docker engine: candidate code that prints a forged
 * metrics line and exits, that reads or changes the oracle's files, that
 * leaves a process behind to act during the evaluation, and that plants a
 * symlink in $BATON_OUT for root to follow into the oracle's files. Skips
 * with a notice without an engine; fails instead when BATON_REQUIRE_DOCKER=1.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandOracle } from '../../oracles/command/index.js';
import { DockerSandboxProvider } from '../../src/sandbox/index.js';
import { fakeContext, removeFakeContexts } from '../oracles/host-sandbox.js';
import { dockerReady } from '../sandbox/guard.js';
import { type SshHost, sshReady } from '../infra/guard.js';
import { chooseSandboxProvider } from '../../src/sandbox/index.js';
import type { SandboxProvider } from '../../src/sandbox/types.js';
import { SandboxSpec } from '../../src/spec/schema.js';
import { ROOT } from '../helpers/tmp.js';
import { removeTree } from '../../src/workspace/safe-fs.js';

const ready = await dockerReady();
const ssh = await sshReady();
afterAll(removeFakeContexts);

const EXPECTED = 'EXPECTED-42-b7c1';

/** The oracle's script: score 1 when $BATON_OUT/answer.txt holds the expected text, else 0; plus what it saw. */
const SCORE_PY = `import json, os, time
expected = open("expected.txt").read().strip()
try:
    answer = open(os.path.join(os.environ["BATON_OUT"], "answer.txt")).read().strip()
except OSError:
    answer = ""
time.sleep(float(os.environ.get("WAIT", "0")))
bg = os.path.exists(os.path.join(os.environ["BATON_OUT"], "bg-alive"))
print(json.dumps({"score": 1 if answer == expected else 0, "bg_alive": 1 if bg else 0}))
`;

/** An experiment whose oracle/ holds expected.txt and score.py, its workspace the given files. */
function experiment(oracle: Record<string, unknown>, workspace: Record<string, string>, provider: SandboxProvider = new DockerSandboxProvider()) {
  const f = fakeContext({ id: 'check', kind: 'command', timeout: '60s', ...oracle });
  mkdirSync(path.join(f.ctx.experimentDir, 'oracle'));
  writeFileSync(path.join(f.ctx.experimentDir, 'oracle', 'expected.txt'), `${EXPECTED}\n`);
  writeFileSync(path.join(f.ctx.experimentDir, 'oracle', 'score.py'), SCORE_PY);
  for (const [rel, text] of Object.entries(workspace)) writeFileSync(path.join(f.ctx.snapshotDir, rel), text);
  f.ctx.startSandbox = (opts) =>
    provider.start({
      spec: { ...f.ctx.spec.sandbox, memory: '512m' },
      role: 'oracle',
      ...opts,
      labels: { experiment: 'command-oracle-attack', run: 'r1', iteration: 1 },
    });
  return f;
}

/** Candidate code: tries every way at the oracle's files, then prints a forged metrics line and exits. */
const ATTACKER_PY = `import glob, json, os, subprocess, sys
def attempt(what, fn):
    try:
        print(what, "READ", repr(fn())[:80])
    except Exception as e:
        print(what, "DENIED", type(e).__name__)
attempt("mounted", lambda: open("/baton/oracle/expected.txt").read())
attempt("private-list", lambda: [os.listdir(d) for d in glob.glob("/tmp/baton-oracle-*")] or (_ for _ in ()).throw(FileNotFoundError()))
attempt("private-guess", lambda: [open(d + "/oracle/expected.txt").read() for d in glob.glob("/tmp/baton-oracle-*")] or (_ for _ in ()).throw(FileNotFoundError()))
attempt("change", lambda: open("/baton/oracle/score.py", "w").write("print('{\\"score\\": 1}')"))
# whatever the oracle's files say, claim success: the metrics line, then exit before anything else prints
print(json.dumps({"score": 1, "bg_alive": 0}))
sys.stdout.flush()
os._exit(0)
`;

describe.runIf(ready.ok)('command oracle: candidate code never reaches the oracle', () => {
  it('run + evaluate: a forged metrics line from the candidate is ignored, and its reads of oracle/ fail', async () => {
    const { ctx } = experiment({ run: 'python3 solve.py', evaluate: 'python3 score.py' }, { 'solve.py': ATTACKER_PY });
    const m = await commandOracle.measure(ctx);
    expect(m.status, m.reason).toBe('ok');
    expect(m.metrics).toEqual({ 'check.score': 0, 'check.bg_alive': 0 });
    const seen = String((m.details.run as { stdoutTail: string }).stdoutTail);
    expect(seen).toMatch(/^mounted DENIED FileNotFoundError$/m);
    expect(seen).toMatch(/^private-list DENIED PermissionError$/m);
    expect(seen).toMatch(/^private-guess DENIED (PermissionError|FileNotFoundError)$/m);
    expect(seen).toMatch(/^change DENIED/m);
    expect(seen).not.toContain('READ');
    expect(seen).not.toContain(EXPECTED);
    expect(m.details.metricsFrom).toBe('evaluate');
  }, 120_000);

  it('run + evaluate: an honest candidate is measured', async () => {
    const { ctx } = experiment({ run: `echo ${EXPECTED} > $BATON_OUT/answer.txt`, evaluate: 'python3 score.py' }, {});
    const m = await commandOracle.measure(ctx);
    expect(m.status, m.reason).toBe('ok');
    expect(m.metrics).toEqual({ 'check.score': 1, 'check.bg_alive': 0 });
  }, 120_000);

  // Waits until root's evaluate is running, then marks that it lived on into it.
  const WATCHER = 'until pgrep -u 0 -f score.py >/dev/null; do sleep 0.05; done; touch "$BATON_OUT/bg-alive"';

  it('run + evaluate: a process the candidate leaves behind is dead before evaluate starts', async () => {
    const solve = `import os, subprocess
subprocess.Popen(["bash", "-c", ${JSON.stringify(WATCHER)}], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
`;
    const { ctx } = experiment({ run: 'python3 solve.py', evaluate: 'WAIT=2 python3 score.py' }, { 'solve.py': solve });
    const m = await commandOracle.measure(ctx);
    expect(m.status, m.reason).toBe('ok');
    expect(m.metrics['check.bg_alive']).toBe(0);
    expect(m.details.kill).toMatchObject({ exitCode: 0, output: expect.stringMatching(/^none left after \d+ rounds/) });
  }, 120_000);

  it('run + evaluate: a process that keeps forking is dead, children and all, before evaluate starts', async () => {
    const run = `setsid bash -c 'while :; do (${WATCHER}) & sleep 0.02; done' </dev/null >/dev/null 2>&1 & sleep 1`;
    const { ctx } = experiment({ run, evaluate: 'WAIT=2 python3 score.py' }, {});
    const m = await commandOracle.measure(ctx);
    expect(m.status, m.reason).toBe('ok');
    expect(m.metrics['check.bg_alive']).toBe(0);
  }, 120_000);

  it('run + evaluate: a symlink in $BATON_OUT cannot point root at the oracle files', async () => {
    // The candidate sees the private folder's name in /tmp and guesses the rest.
    const solve = `import glob, os
for i, d in enumerate(glob.glob("/tmp/baton-oracle-*")):
    os.symlink(d + "/oracle/expected.txt", os.path.join(os.environ["BATON_OUT"], "answer.txt"))
print("planted", glob.glob("/tmp/baton-oracle-*"))
`;
    const { ctx } = experiment({ run: 'python3 solve.py', evaluate: 'python3 score.py' }, { 'solve.py': solve });
    const m = await commandOracle.measure(ctx);
    expect(String((m.details.run as { stdoutTail: string }).stdoutTail)).toMatch(/planted \['\/tmp\/baton-oracle-[0-9a-f]+'\]/);
    // Refused before evaluate runs: $BATON_OUT may hold plain files and folders only.
    expect(m.status, m.reason).toBe('failed');
    expect(m.reason).toContain('/baton/out/answer.txt (a link to /tmp/baton-oracle-');
    expect(m.metrics['check.score']).toBeUndefined();
  }, 120_000);

  it('run + evaluate: a link inside a folder evaluate can pass through but nobody can list (0111) is refused, as root or not', async () => {
    // As root the host reads the folder and finds the link; unprivileged (scripts/test-unprivileged.sh) it cannot, and
    // an unreadable folder is itself a finding; inside the sandbox, evaluate's root cannot list it either.
    const run = 'mkdir "$BATON_OUT/preds" && ln -s /proc/self/cwd/expected.txt "$BATON_OUT/preds/answer.txt" && chmod 0111 "$BATON_OUT/preds"';
    const { ctx } = experiment({ run, evaluate: 'BATON_OUT=$BATON_OUT/preds python3 score.py' }, {});
    const m = await commandOracle.measure(ctx);
    // The folder is the harness user's (lent): an unprivileged harness cannot list it, and a plain rm -r of the
    // measurement's folder fails (the run stopped there); removeTree gives it back u+rwx first.
    removeTree(ctx.outDir);
    expect(existsSync(ctx.outDir)).toBe(false);
    expect(m.status, m.reason).toBe('failed');
    expect(m.reason).toMatch(/\/baton\/out\/preds/);
    expect(m.metrics['check.score']).toBeUndefined();
  }, 120_000);

  it("the blank template's evaluate (oracle/check.py, as root) reads the workspace as data", async () => {
    const { ctx } = experiment({ run: 'true', evaluate: 'python3 check.py' }, {});
    copyFileSync(path.join(ROOT, 'templates', 'blank', 'oracle', 'check.py'), path.join(ctx.experimentDir, 'oracle', 'check.py'));
    expect((await commandOracle.measure(ctx)).metrics).toEqual({ 'check.done': 0 });
    writeFileSync(path.join(ctx.snapshotDir, 'DONE'), 'done\n');
    const m = await commandOracle.measure(ctx);
    expect(m.status, m.reason).toBe('ok');
    expect(m.metrics).toEqual({ 'check.done': 1 });
  }, 120_000);

  it('run + evaluate: a symlink cannot point root at what evaluate wrote to its own $TMPDIR or $HOME', async () => {
    // This evaluate copies the expected answer to scratch space before reading the candidate's.
    const evaluate = 'cp expected.txt "$TMPDIR/expected.txt" && cp expected.txt "$HOME/expected.txt" && python3 score.py';
    const solve = `import glob, os
out = os.environ["BATON_OUT"]
for d in glob.glob("/tmp/baton-oracle-*"):
    os.symlink(d + "/tmp/expected.txt", out + "/answer.txt")
    os.symlink(d + "/home/expected.txt", out + "/answer-home.txt")
`;
    const { ctx } = experiment({ run: 'python3 solve.py', evaluate }, { 'solve.py': solve });
    const m = await commandOracle.measure(ctx);
    expect(m.status, m.reason).toBe('failed');
    expect(m.metrics['check.score']).toBeUndefined();
  }, 120_000);

  it("run + evaluate: a link through /proc/self/cwd (evaluate's own folder) is refused, in $BATON_OUT and in the tree (red team 2: it was met)", async () => {
    const viaOut = experiment({ run: 'ln -s /proc/self/cwd/expected.txt "$BATON_OUT/answer.txt"', evaluate: 'python3 score.py' }, {});
    const m = await commandOracle.measure(viaOut.ctx);
    expect(m.status, m.reason).toBe('failed');
    expect(m.reason).toContain('/baton/out/answer.txt (a link to /proc/self/cwd/expected.txt)');
    const viaTree = experiment({ run: 'true', evaluate: 'BATON_OUT=/workspace python3 score.py' }, {});
    symlinkSync('../dev/fd/../../proc/self/cwd/expected.txt', path.join(viaTree.ctx.snapshotDir, 'answer.txt'));
    const t = await commandOracle.measure(viaTree.ctx);
    expect(t.status, t.reason).toBe('failed');
    expect(t.reason).toContain('/workspace/answer.txt (a link into /proc/self/cwd/expected.txt)');
    expect(t.metrics['check.score']).toBeUndefined();
  }, 120_000);

  it('the one-command form is the weak one: its metrics are marked as coming from a candidate-controlled process', async () => {
    // The same forged line gets through when one process runs the candidate and prints the metrics.
    const { ctx } = experiment({ run: 'python3 solve.py' }, { 'solve.py': 'import json\nprint(json.dumps({"score": 1}))\n' });
    const m = await commandOracle.measure(ctx);
    expect(m.status).toBe('ok');
    expect(m.details.metricsFrom).toBe('candidate-controlled process');
  }, 120_000);
});

describe.runIf(ssh.ok)('command oracle on a remote engine (sandbox.hosts): $BATON_OUT is a copy on the host', () => {
  const h = ssh.host as SshHost;
  let remote: SandboxProvider;
  beforeAll(async () => {
    remote = (await chooseSandboxProvider(SandboxSpec.parse({ hosts: [h.dockerHost], ssh: { identity: h.keyFile, known_hosts: h.knownHostsFile } }))).provider;
  });
  afterAll(async () => {
    await remote?.stopAll();
    await remote?.close?.();
  });

  it("run + evaluate: a link in $BATON_OUT that the host's copy leaves out is still refused in the sandbox", async () => {
    // The link leads outside $BATON_OUT, so copyOut leaves it out of the host's copy: only a check inside the
    // sandbox sees what evaluate (root) would read.
    const { ctx } = experiment({ run: 'ln -s /proc/self/cwd/expected.txt "$BATON_OUT/answer.txt"', evaluate: 'python3 score.py' }, {}, remote);
    const m = await commandOracle.measure(ctx);
    expect(existsSync(path.join(ctx.outDir, 'answer.txt'))).toBe(false);
    expect(m.status, m.reason).toBe('failed');
    expect(m.reason).toContain('/baton/out/answer.txt (l)');
    expect(m.metrics['check.score']).toBeUndefined();
  }, 120_000);

  it('run + evaluate: a link inside a folder only evaluate can pass through (0111) is refused too (red team of issue 17: it was met)', async () => {
    // Root without capabilities cannot list the folder, but can still walk through it to the link.
    const run = 'mkdir "$BATON_OUT/preds" && ln -s /proc/self/cwd/expected.txt "$BATON_OUT/preds/answer.txt" && chmod 0111 "$BATON_OUT/preds"';
    const { ctx } = experiment({ run, evaluate: 'BATON_OUT=$BATON_OUT/preds python3 score.py' }, {}, remote);
    const m = await commandOracle.measure(ctx);
    if (existsSync(path.join(ctx.outDir, 'preds'))) chmodSync(path.join(ctx.outDir, 'preds'), 0o755);
    expect(m.status, m.reason).toBe('failed');
    expect(m.reason).toMatch(/\/baton\/out\/preds.*Permission denied/);
    expect(m.metrics['check.score']).toBeUndefined();
  }, 120_000);

  it('run + evaluate: an honest candidate is measured there', async () => {
    const { ctx } = experiment({ run: `echo ${EXPECTED} > $BATON_OUT/answer.txt`, evaluate: 'python3 score.py' }, {}, remote);
    const m = await commandOracle.measure(ctx);
    expect(m.status, m.reason).toBe('ok');
    expect(m.metrics['check.score']).toBe(1);
  }, 120_000);
});
