/** `baton check`'s rules for command oracles: a workspace script run as the oracle, and metrics from a candidate-controlled process. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initExperiment } from '../../src/init/init.js';
import { checkExperiment } from '../../src/spec/check.js';
import { baton } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

/** A blank experiment whose command oracle is replaced by `oracle` (YAML lines), with extra workspace files. */
async function experiment(oracle: string, files: Record<string, string> = {}, more = ''): Promise<string> {
  const dir = path.join(tmpDir(), 'exp');
  await initExperiment(dir, { template: 'blank' });
  const specFile = path.join(dir, 'baton.yaml');
  const spec = fs.readFileSync(specFile, 'utf8');
  const start = spec.indexOf('  - id: check');
  const end = spec.indexOf('thresholds:');
  fs.writeFileSync(specFile, spec.slice(0, start) + oracle + more + spec.slice(end));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const ONE_COMMAND = '  - id: check\n    kind: command\n    run: python3 check.py\n';

describe('baton check on command oracles', () => {
  it('the blank template keeps its oracle script in oracle/ and passes with no warning', async () => {
    const dir = path.join(tmpDir(), 'blank');
    await initExperiment(dir, { template: 'blank' });
    expect(fs.existsSync(path.join(dir, 'oracle', 'check.py'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'workspace', 'check.py'))).toBe(false);
    expect(checkExperiment(dir)).toMatchObject({ problems: [], warnings: [] });
  });

  it('refuses an oracle that runs an unprotected workspace script, naming the oracle and the file', async () => {
    const dir = await experiment(ONE_COMMAND, { 'workspace/check.py': 'print("{}")\n' });
    const { spec, problems } = checkExperiment(dir);
    expect(spec).toBeUndefined();
    expect(problems).toEqual([
      expect.objectContaining({
        where: 'oracles[0].run',
        message: 'oracle "check" runs the workspace file check.py as its oracle: the worker can rewrite it to print any metrics',
      }),
    ]);
  });

  it('reading a workspace data file is only the one-command warning, not a refusal (fails if every named file is refused)', async () => {
    const dir = await experiment(
      "  - id: check\n    kind: command\n    run: python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))' < score.json\n",
      { 'workspace/score.json': '{"x": 1}\n' },
    );
    const { problems, warnings } = checkExperiment(dir);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([expect.objectContaining({ where: 'oracles[0].run', message: expect.stringContaining('candidate-controlled process') })]);
  });

  it('finds the script however it is named: /workspace/..., $BATON_WORKSPACE/..., python3 -m module', async () => {
    for (const run of ['python3 /workspace/tools/score.py', 'cd /tmp && python3 "$BATON_WORKSPACE/tools/score.py"', 'python3 -m tools.score']) {
      const dir = await experiment(`  - id: check\n    kind: command\n    run: ${JSON.stringify(run)}\n`, { 'workspace/tools/score.py': '' });
      expect(
        checkExperiment(dir).problems.map((p) => p.message),
        run,
      ).toEqual(['oracle "check" runs the workspace file tools/score.py as its oracle: the worker can rewrite it to print any metrics']);
    }
  });

  it('a protected workspace script is allowed, with the warning every one-command oracle gets', async () => {
    const dir = await experiment(ONE_COMMAND, { 'workspace/check.py': '' }, 'protected: [check.py]\n');
    const { problems, warnings } = checkExperiment(dir);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([
      expect.objectContaining({
        where: 'oracles[0].run',
        message: expect.stringContaining('oracle "check" takes its metrics from a candidate-controlled process'),
      }),
    ]);
  });

  it('refuses an evaluate that runs a workspace file, or a script that is only in the workspace', async () => {
    const dir = await experiment('  - id: check\n    kind: command\n    run: "true"\n    evaluate: python3 /workspace/grade.py && python3 other.py\n', {
      'workspace/grade.py': '',
      'workspace/other.py': '',
    });
    expect(checkExperiment(dir).problems.map((p) => [p.where, p.message])).toEqual([
      ['oracles[0].evaluate', 'oracle "check" evaluates with the workspace file grade.py: evaluate would run the candidate\'s code as root'],
      [
        'oracles[0].evaluate',
        'oracle "check": evaluate runs in the oracle/ folder, which has no other.py; the workspace file other.py is the worker\'s, not the oracle\'s',
      ],
    ]);
  });

  describe('the CLI', () => {
    beforeAll(() => {
      if (!fs.existsSync(path.join(__dirname, '..', '..', 'dist', 'oracles', 'command', 'check.js')))
        throw new Error('build dist/ first: npx tsc -p tsconfig.json');
    });

    it('prints the error naming the oracle id and the file, and exits non-zero', async () => {
      const dir = await experiment(ONE_COMMAND, { 'workspace/check.py': '' });
      const r = await baton(['check', dir], { cwd: path.dirname(dir) });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain('oracles[0].run: oracle "check" runs the workspace file check.py as its oracle');
      expect(r.stderr).toContain('WARNING: ');
    });

    it('warns loudly about metrics from a candidate-controlled process, and still passes', async () => {
      const dir = await experiment('  - id: check\n    kind: command\n    run: python3 /baton/oracle/check.py\n', { 'oracle/check.py': '' });
      const r = await baton(['check', dir], { cwd: path.dirname(dir) });
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toContain('WARNING: exp/baton.yaml: oracles[0].run: oracle "check" takes its metrics from a candidate-controlled process');
      expect(r.stdout).toContain('ok: ');
    });
  });
});

describe('REPORT.md on a one-command oracle', () => {
  it('names its metrics as coming from a candidate-controlled process, and not those of run + evaluate', async () => {
    const { buildModel } = await import('../../src/report/model.js');
    const { integrityWarnings } = await import('../../src/report/summary.js');
    const { Spec } = await import('../../src/spec/schema.js');
    const spec = Spec.parse({
      name: 'r',
      goal: 'g',
      thresholds: {},
      oracles: [
        { id: 'weak', kind: 'command', run: 'python3 /baton/oracle/s.py' },
        { id: 'safe', kind: 'command', run: 'true', evaluate: 'python3 s.py' },
      ],
    });
    const warnings = integrityWarnings(buildModel(spec, [], 'running'));
    expect(warnings).toEqual([expect.stringMatching(/^oracle weak: metrics from candidate-controlled process \(a command oracle with `run` alone/)]);
  });
});
