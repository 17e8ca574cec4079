/**
 * Attacks by a hostile lane session (test/fixtures/experiments/lanes-attack/replay.yaml),
 * with real Docker and git: a lane's work comes back through copyOut and is
 * committed by host git, so everything in it is the attacker's. Each test
 * names the defence it fails without.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { experimentId } from '../../src/experiment.js';
import { LedgerRecord } from '../../src/ledger/record.js';
import { readJsonl } from '../../src/state/jsonl.js';
import { Repo } from '../../src/workspace/git.js';
import { BATON_BIN } from '../helpers/cli.js';
import { fixtureExperiment } from '../helpers/experiment.js';
import { dockerReady } from '../sandbox/guard.js';

const ready = await dockerReady();
const CANARY = '/tmp/baton-lane-pwned';

describe.runIf(ready.ok)('a hostile lane session', () => {
  let dir: string;
  let repo: Repo;
  let ledger: LedgerRecord[];
  let stderr: string;
  const bySummary = (s: string) => ledger.find((r) => r.phase === 'candidate' && r.session?.summary === s);

  beforeAll(async () => {
    fs.rmSync(CANARY, { force: true });
    dir = await fixtureExperiment('lanes-attack');
    const r = await execa('node', [BATON_BIN, 'run', dir], { reject: false, timeout: 240_000 });
    stderr = String(r.stderr);
    repo = new Repo(path.join(dir, 'workspace'));
    ledger = readJsonl(path.join(dir, '.baton', 'ledger.jsonl'), LedgerRecord).records;
  }, 240_000);

  it('ran all five sessions to a verdict', () => {
    for (const s of ['plant a repository', 'a 2 GB sparse file', 'links out', 'rewrite the tasks', 'attributes'])
      expect(bySummary(s), `${s}\n${stderr}`).toBeDefined();
  });

  it('a planted .git (config with hooksPath and fsmonitor, a hook) is not copied out, is tamper, and nothing of it runs (fails without the .git skip in tree-extract)', async () => {
    const r = bySummary('plant a repository');
    expect(r?.verdict.kind).toBe('tamper');
    expect(r?.verdict.reason).toMatch(/planted a repository at \.git/);
    expect(r?.verdict.reason).toMatch(/sub\/\.git/);
    expect(fs.existsSync(CANARY)).toBe(false);
    const config = fs.readFileSync(path.join(dir, 'workspace', '.git', 'config'), 'utf8');
    expect(config).not.toMatch(/hooksPath|fsmonitor/);
    // The lane's own commit holds its a.txt but no repository.
    const tree = await repo.run(['ls-tree', '-r', '--name-only', r!.commit]);
    expect(tree.split('\n')).toContain('a.txt');
    expect(tree).not.toMatch(/(^|\/)\.git\//m);
  });

  it('a 2 GB sparse file stops the copy at limits.file: the session crashed, nothing integrated (fails without the copy limits)', () => {
    const r = bySummary('a 2 GB sparse file');
    expect(r?.verdict.kind).toBe('crashed');
    expect(r?.session?.cause).toMatch(/^limits: big\.bin is 2147483648 bytes, over the 1048576-byte file limit/);
  });

  it("links that read as inside but resolve outside, and one to /etc, are not in the lane's commit (fails without linkStaysInside)", async () => {
    const r = bySummary('links out');
    expect(r).toBeDefined();
    const entries = await repo.run(['ls-tree', '-r', r!.commit]);
    expect(entries).toMatch(/^120000 blob \S+\td\/up$/m);
    expect(entries).not.toMatch(/\tx$/m);
    expect(entries).not.toMatch(/\tetc$/m);
  });

  it('a session that rewrites TASKS.yaml to widen its scope is tamper, not merely out-of-scope (fails without TASKS.yaml protected)', () => {
    const r = bySummary('rewrite the tasks');
    expect(r?.verdict.kind).toBe('tamper');
    expect(r?.verdict.reason).toMatch(/protected paths \(TASKS\.yaml\)/);
    expect(fs.existsSync(path.join(dir, 'workspace', 'TASKS.yaml'))).toBe(false);
  });

  it('.gitattributes naming a filter and a merge driver changes nothing host git does (fails without pinned attributes)', async () => {
    const r = bySummary('attributes');
    expect(r?.verdict.kind).not.toBe('crashed');
    expect(await repo.run(['show', `${r!.commit}:b.txt`])).toBe('2\n');
  });

  it('leaves no container', async () => {
    const left = await new Docker().listContainers({ all: true, filters: { label: [`baton.experiment=${experimentId(dir, 'lanes-attack')}`] } });
    expect(left).toEqual([]);
  });
});
