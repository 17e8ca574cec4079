import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandOracle, parseMetricsLine } from '../../oracles/command/index.js';
import { oracleEnv } from '../../oracles/command/oracle-sandbox.js';
import { killScript, mainPids, privatePaths } from '../../oracles/command/private-oracle.js';
import { execa } from 'execa';
import { chmodSync } from 'node:fs';
import { tmpDir } from '../helpers/tmp.js';
import { fakeContext, removeFakeContexts } from './host-sandbox.js';

afterAll(removeFakeContexts);

describe('parseMetricsLine', () => {
  it('reads the last non-empty line as metrics', () => {
    expect(parseMetricsLine('building...\n{"score": 0.93, "loss": 1.2e-3, "n": -4}\n\n')).toEqual({
      ok: true,
      values: { score: 0.93, loss: 1.2e-3, n: -4 },
      line: '{"score": 0.93, "loss": 1.2e-3, "n": -4}',
    });
    expect(parseMetricsLine('{"pk.max_rel": 1e-3}')).toMatchObject({ ok: true, values: { 'pk.max_rel': 1e-3 } });
  });

  const failures: [string, string][] = [
    ['', 'printed nothing on stdout; its last line must be a JSON object of finite numbers such as {"score": 0.93, "loss": 1.2e-3}'],
    ['{"score": 1}\ndone', 'its last stdout line is not JSON'],
    ['{"loss": NaN, "ok": 1}', 'key "loss" is NaN; metrics must be finite numbers'],
    ['{"a": 1, "b": Infinity}', 'key "b" is Infinity; metrics must be finite numbers'],
    ['{"b": -Infinity}', 'key "b" is -Infinity; metrics must be finite numbers'],
    ['{"big": 1e999}', 'key "big" overflows to Infinity; metrics must be finite numbers'],
    ['{"s": "0.5"}', 'key "s" is a string ("0.5"), not a number'],
    ['{"nested": {"x": 1}}', 'key "nested" is a nested object, not a number; flatten it with dotted keys such as "nested.x"'],
    ['{"flag": true}', 'key "flag" is a boolean (true), not a number'],
    ['{"v": null}', 'key "v" is null, not a number'],
    ['{"v": [1, 2]}', 'key "v" is an array, not a number'],
    ['{"bad key": 1}', 'key "bad key" is not a metric name'],
    ['[1, 2]', 'its last stdout line is an array, not a JSON object'],
    ['42', 'its last stdout line is a number, not a JSON object'],
    ['{}', 'its last stdout line is an empty JSON object'],
  ];
  it.each(failures)('refuses %j', (stdout, reason) => {
    const r = parseMetricsLine(stdout);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(reason);
  });

  it('does not take "NaN" inside a string for a number', () => {
    expect(parseMetricsLine('{"NaN": 1}')).toMatchObject({ ok: true, values: { NaN: 1 } });
    expect(parseMetricsLine('{"x": "Infinity"}')).toMatchObject({ ok: false, reason: 'key "x" is a string ("Infinity"), not a number' });
  });

  it('names every bad key', () => {
    const r = parseMetricsLine('{"a": NaN, "b": "x", "c": 3}');
    expect(r).toEqual({
      ok: false,
      line: '{"a": NaN, "b": "x", "c": 3}',
      reason: 'key "a" is NaN; metrics must be finite numbers; key "b" is a string ("x"), not a number',
    });
  });
});

describe('commandOracle', () => {
  it('turns the last JSON line into <id>.<key> metrics, in the workspace with $BATON_OUT', async () => {
    const { ctx, starts } = fakeContext({ id: 'evalr', kind: 'command', run: 'python3 score.py' });
    writeFileSync(
      path.join(ctx.snapshotDir, 'score.py'),
      'import json, os\nprint("warming up")\nopen(os.environ["BATON_OUT"] + "/log.txt", "w").write("hi")\nprint(json.dumps({"score": 0.5, "rmse": 0.01}))\n',
    );
    const m = await commandOracle.measure(ctx);
    expect(m.status).toBe('ok');
    expect(m.metrics).toEqual({ 'evalr.score': 0.5, 'evalr.rmse': 0.01 });
    expect(m.oracle).toBe('evalr');
    expect(starts[0].mounts.find((x) => x.containerPath === '/workspace')?.readOnly).toBe(true);
    expect(starts[0].env.BATON_OUT).toBe('/baton/out');
  });

  it("fails naming the key when Python's json.dumps writes NaN", async () => {
    const { ctx } = fakeContext({ id: 'e', kind: 'command', run: `python3 -c 'import json; print(json.dumps({"loss": float("nan")}))'` });
    const m = await commandOracle.measure(ctx);
    expect(m.status).toBe('failed');
    expect(m.metrics).toEqual({});
    expect(m.reason).toBe('command oracle e: key "loss" is NaN; metrics must be finite numbers');
  });

  it("runs the experiment's oracle/ scripts from a read-only /baton/oracle", async () => {
    const { ctx, starts } = fakeContext({ id: 'e', kind: 'command', run: 'sh /baton/oracle/eval.sh' });
    mkdirSync(path.join(ctx.experimentDir, 'oracle'));
    writeFileSync(path.join(ctx.experimentDir, 'oracle', 'eval.sh'), 'echo \'{"score": 2}\'\n');
    const m = await commandOracle.measure(ctx);
    expect(m.metrics).toEqual({ 'e.score': 2 });
    expect(starts[0].mounts).toContainEqual({ hostPath: path.join(ctx.experimentDir, 'oracle'), containerPath: '/baton/oracle', readOnly: true });
  });

  it('with `evaluate`, refuses a sandbox that cannot run it as another user, and never mounts oracle/', async () => {
    const { ctx, starts, log } = fakeContext({ id: 'e', kind: 'command', run: 'true', evaluate: 'sh eval.sh' });
    mkdirSync(path.join(ctx.experimentDir, 'oracle'));
    writeFileSync(path.join(ctx.experimentDir, 'oracle', 'eval.sh'), 'echo \'{"score": 2}\'\n');
    const m = await commandOracle.measure(ctx);
    expect(m.status).toBe('error');
    expect(m.reason).toContain('the local sandbox cannot');
    expect(log).toEqual([]);
    expect(starts[0].mounts.map((x) => x.containerPath)).not.toContain('/baton/oracle');
  });

  it('the one-command form marks its metrics as coming from a candidate-controlled process', async () => {
    const { ctx } = fakeContext({ id: 'e', kind: 'command', run: 'echo \'{"x": 1}\'' });
    const m = await commandOracle.measure(ctx);
    expect(m.details.metricsFrom).toBe('candidate-controlled process');
  });

  it('passes only the host variables the oracle names', () => {
    const { ctx } = fakeContext({ id: 'e', kind: 'command', run: 'true', env: ['SEED', 'MISSING'] });
    expect(oracleEnv(ctx, { SEED: '7', SECRET_TOKEN: 'x' })).toEqual({
      BATON_OUT: '/baton/out',
      BATON_WORKSPACE: '/workspace',
      BATON_ORACLE_ID: 'e',
      SEED: '7',
    });
  });

  it('fails on a non-zero exit with the stderr tail', async () => {
    const { ctx } = fakeContext({ id: 'e', kind: 'command', run: 'echo \'{"x": 1}\'; echo oops >&2; exit 3' });
    const m = await commandOracle.measure(ctx);
    expect(m.status).toBe('failed');
    expect(m.reason).toContain('exited with code 3');
    expect(m.reason).toContain('stderr: oops');
  });

  it('times out at the oracle timeout', async () => {
    const { ctx } = fakeContext({ id: 'e', kind: 'command', run: 'sleep 5', timeout: '300ms' });
    const m = await commandOracle.measure(ctx);
    expect(m.status).toBe('timeout');
    expect(m.reason).toMatch(/timed out/);
    expect(m.durationMs).toBeLessThan(3000);
  });

  it('a sandbox that cannot start is an error measurement, not an exception', async () => {
    const { ctx } = fakeContext({ id: 'e', kind: 'command', run: 'true' });
    ctx.startSandbox = async () => {
      throw new Error('docker engine unreachable');
    };
    const m = await commandOracle.measure(ctx);
    expect(m).toMatchObject({ status: 'error', reason: 'could not start the oracle sandbox: docker engine unreachable' });
  });
});

describe('the private side of run + evaluate', () => {
  it('the kill step refuses to run as root: as root, "kill every process" would reach far more than the candidate', async () => {
    // A fake `id` says uid 0, so the script is tried safely whoever runs the tests.
    const bin = tmpDir('baton-fake-id-');
    writeFileSync(path.join(bin, 'id'), '#!/bin/sh\necho 0\n');
    chmodSync(path.join(bin, 'id'), 0o755);
    const r = await execa('bash', ['-c', killScript([])], { env: { PATH: `${bin}:${process.env.PATH}` }, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('refusing to kill every process as root');
  });

  it('private paths: the oracle copy and the scratch folders under random names inside a random root-only folder', () => {
    let n = 0;
    const p = privatePaths(() => `r${++n}`);
    expect(p).toEqual({
      root: '/tmp/baton-oracle-r1',
      oracle: '/tmp/baton-oracle-r1/r3',
      home: '/tmp/baton-oracle-r1/r2/home',
      tmp: '/tmp/baton-oracle-r1/r2/tmp',
    });
    const a = privatePaths();
    const b = privatePaths();
    expect(a.oracle).not.toBe(b.oracle);
    expect(a.oracle).toMatch(/^\/tmp\/baton-oracle-[0-9a-f]{24}\/[0-9a-f]{24}$/);
    expect(mainPids('main 7\nmain 12\ninstalled\n')).toEqual([7, 12]);
  });
});
