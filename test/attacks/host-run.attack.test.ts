/**
 * Host attacks played by a worker through a real `baton run` (replay
 * worker, real Docker and git, the harness as whoever runs the suite: root
 * in CI). Session 1 plants a nested repository whose core.fsmonitor would
 * run on the host; session 2 links PLAN.md and NOTES.md to the harness's
 * environment and to a host file; session 3 writes a 1 GB file. Asserted:
 * no canary on the host, no secret in any prompt, transcript or workspace
 * file, each attempt named in the ledger, PROGRESS.md and REPORT.md, and a
 * resume that runs instead of wedging.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { LedgerRecord } from '../../src/ledger/record.js';
import { readJsonl } from '../../src/state/jsonl.js';
import { Repo } from '../../src/workspace/git.js';
import { BATON_BIN } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { dockerReady } from '../sandbox/guard.js';

const ready = await dockerReady();
const SECRET = `baton-secret-${process.pid}-d41d8cd9`;

/** Every file under `dir` (links not followed) whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.statSync(p).size < 50e6 && fs.readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

describe.runIf(ready.ok)('host attacks through baton run (real Docker and git)', () => {
  it('a planted fsmonitor never runs, linked state files leak nothing, a 1 GB file crashes the session and the run resumes', async () => {
    const dir = path.join(tmpDir('baton-host-run-'), 'exp');
    const ws = path.join(dir, 'workspace');
    const canaryDir = tmpDir('baton-canary-');
    const hostFile = path.join(tmpDir('baton-hostfile-'), 'shadow');
    fs.writeFileSync(hostFile, `root:${SECRET}:19000:0:99999:7:::\n`);
    fs.mkdirSync(ws, { recursive: true });
    fs.writeFileSync(path.join(ws, 'score.json'), '{"score": 5}\n');
    fs.writeFileSync(
      path.join(dir, 'baton.yaml'),
      [
        'name: host-attack',
        'goal: bring the score down',
        'oracles:',
        '  - { id: s, kind: command, run: "cp score.json $BATON_OUT/score.json", evaluate: "cat $BATON_OUT/score.json", timeout: 1m }',
        'thresholds: { s.score: "< 1" }',
        'worker: { kind: replay, script: replay.yaml }',
        'judge: { keep: improve, confirm: 1, stall_after: 8 }',
        'budget: { iterations: 4, time: 20m, session: { time: 2m } }',
        'limits: { workspace: 200m, file: 100m }',
        'sandbox: { kind: docker, image: baton-base, memory: 256m, cpus: 1, network: none }',
        '',
      ].join('\n'),
    );
    const nestedRepo = [
      'mkdir -p vendor/lib && cd vendor/lib && git init -q',
      'echo x > x && git add x && git -c user.name=w -c user.email=w@w commit -q -m x',
      `git config core.fsmonitor "touch ${canaryDir}/fsmonitor; false"`,
      `git config core.hooksPath ${canaryDir}`,
    ].join(' && ');
    const sessions = [
      { summary: 'vendor a library', steps: [{ exec: nestedRepo }, { write: 'score.json', content: '{"score": 3}\n' }] },
      {
        summary: 'link the plan',
        steps: [
          { exec: `rm -f PLAN.md NOTES.md && ln -s /proc/self/environ PLAN.md && ln -s ${hostFile} NOTES.md` },
          { write: 'score.json', content: '{"score": 2}\n' },
        ],
      },
      { summary: 'a big data file', steps: [{ exec: 'truncate -s 1G big.bin' }, { write: 'score.json', content: '{"score": 0}\n' }] },
      // A name git refuses to add, which no hazard rule knows: `git add -A` fails; it must not fail at every resume.
      {
        summary: 'an odd file',
        steps: [{ exec: "touch '.git::$INDEX_ALLOCATION' && ln -s /etc/passwd .gitmodules" }, { write: 'score.json', content: '{"score": 0}\n' }],
      },
    ];
    fs.writeFileSync(path.join(dir, 'replay.yaml'), JSON.stringify({ sessions }, null, 2));
    const repo = await Repo.init(ws);
    await repo.commitAll('baseline');

    const env = { ...process.env, BATON_TEST_SECRET: SECRET };
    const r = await execa('node', [BATON_BIN, 'run', dir], { reject: false, timeout: 300_000, stdin: 'ignore', env });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.exitCode, out).toBe(3); // budget: four iterations, none met

    // Nothing ran on the host.
    expect(fs.readdirSync(canaryDir), out).toEqual([]);
    // The secret is nowhere a worker or a reader could see it.
    expect(filesContaining(path.join(dir, '.baton'), SECRET)).toEqual([]);
    expect(filesContaining(ws, SECRET)).toEqual([]);

    const ledger = readJsonl(path.join(dir, '.baton', 'ledger.jsonl'), LedgerRecord).records;
    const it1 = ledger.find((x) => x.iteration === 1 && x.phase === 'candidate')!;
    expect(it1.verdict.kind).toBe('tamper');
    expect(it1.verdict.reason).toContain('vendor/lib/.git');
    const it3 = ledger.find((x) => x.iteration === 3 && x.phase === 'candidate')!;
    expect(it3.verdict.kind).toBe('crashed');
    expect(it3.verdict.reason).toMatch(/big\.bin is 1\.1 GB, over the 104\.9 MB file limit/);
    expect(fs.existsSync(path.join(ws, 'vendor', 'lib', '.git'))).toBe(false);
    expect(fs.existsSync(path.join(ws, 'big.bin'))).toBe(false);
    const it4 = ledger.find((x) => x.iteration === 4 && x.phase === 'candidate')!;
    expect(it4.verdict.kind).toBe('tamper'); // the linked .gitmodules is a planted name; the other one git refused
    expect(it4.verdict.reason).toContain('.gitmodules');
    expect(it4.session?.cause).toMatch(/^git-refused: .*invalid path/);
    expect(fs.readdirSync(ws)).not.toContain('.git::$INDEX_ALLOCATION');

    // Named where the researcher and the next session read.
    const progress = fs.readFileSync(path.join(ws, 'PROGRESS.md'), 'utf8');
    expect(progress).toContain('vendor/lib/.git');
    expect(progress).toContain('big.bin');
    const report = fs.readFileSync(path.join(ws, 'reports', 'REPORT.md'), 'utf8');
    expect(report).toContain('vendor/lib/.git');
    expect(report).not.toMatch(/No integrity warnings/);

    // A resume runs (no wedge): more budget, the script is spent, the run stops cleanly.
    fs.writeFileSync(path.join(dir, 'baton.yaml'), fs.readFileSync(path.join(dir, 'baton.yaml'), 'utf8').replace('iterations: 4', 'iterations: 5'));
    const again = await execa('node', [BATON_BIN, 'run', dir], { reject: false, timeout: 300_000, stdin: 'ignore', env });
    expect([0, 3, 4], `${again.stdout}\n${again.stderr}`).toContain(again.exitCode);
    expect(fs.readdirSync(canaryDir)).toEqual([]);
  }, 600_000);
});
