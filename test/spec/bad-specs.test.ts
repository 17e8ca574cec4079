import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { validateSpecText } from '../../src/spec/validate.js';
import type { Problem } from '../../src/errors.js';

const BASE = {
  name: 'pk',
  goal: 'Reproduce P(k).',
  protected: ['tests/**'],
  oracles: [
    {
      id: 'accuracy',
      kind: 'table',
      run: 'python3 pk.py',
      tables: [{ name: 'pk', candidate: 'pk.dat', reference: 'oracle/ref.dat', x: 'k', columns: ['P'], interpolate: 'loglog' }],
    },
    { id: 'tests', kind: 'tests', run: 'pytest', report: 'junit.xml' },
  ],
  thresholds: { 'accuracy.pk.P.max_rel': '< 0.01', 'tests.pass_rate': '>= 1' },
  worker: { kind: 'replay', script: 'replay.yaml' },
  judge: { keep: 'improve', confirm: 2 },
  budget: { iterations: 10, time: '2h', session: { time: '30m' } },
  sandbox: { kind: 'docker', memory: '4g' },
};

type Mutate = (spec: any) => void;
const clone = (): any => structuredClone(BASE);

function problemsOf(mutate: Mutate): Problem[] {
  const spec = clone();
  mutate(spec);
  return validateSpecText(stringify(spec), 'baton.yaml').problems;
}

// [title, mutation, expected where (without line), expected message fragment, expected/found/hint fragments]
const CASES: [string, Mutate, string, string, Partial<Record<'expected' | 'found' | 'hint', string>>?][] = [
  ['missing name', (s) => delete s.name, 'name', 'missing required key "name"', { expected: 'a string' }],
  ['missing goal', (s) => delete s.goal, 'goal', 'missing required key "goal"'],
  ['empty goal', (s) => (s.goal = ''), 'goal', 'expected a goal in words'],
  ['name with a space', (s) => (s.name = 'my pk'), 'name', 'expected an identifier', { found: '"my pk"' }],
  ['unknown top key', (s) => (s.oracels = []), 'oracels', 'unknown key "oracels"', { hint: 'did you mean "oracles"?' }],
  [
    'misspelt threshold key',
    (s) => {
      s.treshold = s.thresholds;
    },
    'treshold',
    'unknown key "treshold"',
    { hint: 'did you mean "thresholds"?' },
  ],
  ['no oracles', (s) => (s.oracles = []), 'oracles', 'expected at least one oracle'],
  ['oracles not a list', (s) => (s.oracles = 'table'), 'oracles', 'wrong type', { expected: 'a list', found: '"table"' }],
  [
    'unknown oracle kind',
    (s) => (s.oracles[0].kind = 'tabel'),
    'oracles[0].kind',
    'unknown kind',
    { expected: 'one of table, benchmark, tests, browser, command', hint: 'did you mean "table"?' },
  ],
  ['missing oracle kind', (s) => delete s.oracles[1].kind, 'oracles[1].kind', 'missing "kind"'],
  ['bad oracle id', (s) => (s.oracles[0].id = '1acc'), 'oracles[0].id', 'expected an identifier', { found: '"1acc"' }],
  ['table without run', (s) => delete s.oracles[0].run, 'oracles[0].run', 'missing required key "run"'],
  [
    'unknown table key',
    (s) => (s.oracles[0].tables[0].x_rnage = [0, 1]),
    'oracles[0].tables[0].x_rnage',
    'unknown key "x_rnage"',
    { hint: 'did you mean "x_range"?' },
  ],
  [
    'bad interpolate',
    (s) => (s.oracles[0].tables[0].interpolate = 'cubic'),
    'oracles[0].tables[0].interpolate',
    'not an allowed value',
    { expected: 'one of none, linear, loglog', found: '"cubic"' },
  ],
  ['no columns', (s) => (s.oracles[0].tables[0].columns = []), 'oracles[0].tables[0].columns', 'expected at least one column to compare'],
  ['column index zero', (s) => (s.oracles[0].tables[0].columns = [0]), 'oracles[0].tables[0].columns[0]', 'expected number to be >=1', { found: 'number 0' }],
  [
    'x_range reversed',
    (s) => (s.oracles[0].tables[0].x_range = [1, 0]),
    'oracles[0].tables[0].x_range',
    'x_range must be [lo, hi] with lo < hi',
    { found: '[1,0]' },
  ],
  ['x_range of one number', (s) => (s.oracles[0].tables[0].x_range = [1]), 'oracles[0].tables[0].x_range', 'expected array to have >=2 items'],
  ['duplicate oracle id', (s) => (s.oracles[1].id = 'accuracy'), 'oracles[1].id', 'duplicate oracle id "accuracy"', { found: 'the same id as oracles[0]' }],
  [
    'duplicate table name',
    (s) => s.oracles[0].tables.push({ ...s.oracles[0].tables[0] }),
    'oracles[0].tables[1].name',
    'duplicate table name "pk" in oracle "accuracy"',
  ],
  [
    'malformed threshold',
    (s) => (s.thresholds['tests.pass_rate'] = '=> 1'),
    'thresholds["tests.pass_rate"]',
    'expected a threshold such as "< 1e-3" or ">= 1"',
    { found: '"=> 1"' },
  ],
  [
    'threshold without operator',
    (s) => (s.thresholds['tests.pass_rate'] = 1),
    'thresholds["tests.pass_rate"]',
    'wrong type',
    { expected: 'string', found: 'number 1' },
  ],
  [
    'threshold on an unknown stat',
    (s) => (s.thresholds['accuracy.pk.P.max_rell'] = '< 1'),
    'thresholds["accuracy.pk.P.max_rell"]',
    'no oracle produces the metric "accuracy.pk.P.max_rell"',
    { hint: 'did you mean "accuracy.pk.P.max_rel"?' },
  ],
  [
    'threshold on an unknown oracle',
    (s) => (s.thresholds['speed.median_s'] = '< 1'),
    'thresholds["speed.median_s"]',
    'no oracle produces the metric "speed.median_s"',
  ],
  [
    'threshold on an uncompared column',
    (s) => (s.thresholds['accuracy.pk.Q.max_rel'] = '< 1'),
    'thresholds["accuracy.pk.Q.max_rel"]',
    'no oracle produces the metric "accuracy.pk.Q.max_rel"',
  ],
  ['metric name without dot', (s) => (s.thresholds.score = '> 1'), 'thresholds.score', 'expected a dotted metric name', { found: '"score"' }],
  ['no thresholds', (s) => (s.thresholds = {}), 'thresholds', 'no thresholds: the goal could never be met'],
  ['unknown worker kind', (s) => (s.worker = { kind: 'claude' }), 'worker.kind', 'unknown kind', { expected: 'one of replay, anthropic, command' }],
  ['replay without script', (s) => (s.worker = { kind: 'replay' }), 'worker.script', 'missing required key "script"'],
  ['unknown keep policy', (s) => (s.judge.keep = 'better'), 'judge.keep', 'not an allowed value', { expected: 'one of improve, no-regress, always' }],
  ['confirm zero', (s) => (s.judge.confirm = 0), 'judge.confirm', 'expected number to be >=1', { found: 'number 0' }],
  [
    'primary not a threshold',
    (s) => (s.judge.primary = 'tests.pass_rat'),
    'judge.primary',
    'the primary metric must be one of the thresholds',
    { hint: 'did you mean "tests.pass_rate"?' },
  ],
  ['bad duration', (s) => (s.budget.time = '2 hours'), 'budget.time', 'expected a duration such as 30s, 10m, 24h', { found: '"2 hours"' }],
  ['bad session duration', (s) => (s.budget.session.time = 30), 'budget.session.time', 'wrong type', { expected: 'string', found: 'number 30' }],
  ['iterations not an integer', (s) => (s.budget.iterations = 2.5), 'budget.iterations', 'wrong type', { expected: 'an integer', found: 'number 2.5' }],
  ['unknown budget key', (s) => (s.budget.hours = 24), 'budget.hours', 'unknown key "hours"', { expected: 'one of iterations, time, usd, tokens, session' }],
  ['bad memory size', (s) => (s.sandbox.memory = 'lots'), 'sandbox.memory', 'expected a size such as 512m or 4g', { found: '"lots"' }],
  ['unknown network', (s) => (s.sandbox.network = 'host'), 'sandbox.network', 'not an allowed value', { expected: 'one of none, bridge' }],
  ['unknown sandbox kind', (s) => (s.sandbox.kind = 'dokcer'), 'sandbox.kind', 'not an allowed value', { hint: 'did you mean "docker"?' }],
  ['bad env name', (s) => (s.sandbox.env = ['MY-KEY']), 'sandbox.env[0]', 'expected an environment variable name'],
  [
    'benchmark with too few repeats',
    (s) => s.oracles.push({ id: 'speed', kind: 'benchmark', run: 'x', repeat: 2 }),
    'oracles[2].repeat',
    'expected number to be >=3',
  ],
  [
    'benchmark that could never keep anything',
    (s) => {
      s.oracles.push({ id: 'speed', kind: 'benchmark', run: 'x', repeat: 5 });
      s.thresholds['speed.speedup'] = '>= 2';
    },
    'oracles[2].repeat',
    '5 timed runs cannot show a significant change',
    { expected: 'repeat: 10 or more', hint: 'or judge.keep: always' },
  ],
  [
    'browser port out of range',
    (s) => s.oracles.push({ id: 'e2e', kind: 'browser', serve: 'x', port: 70000, tests: 'oracle/e2e' }),
    'oracles[2].port',
    'expected number to be <=65535',
  ],
  ['tests format unknown', (s) => (s.oracles[1].format = 'xunit'), 'oracles[1].format', 'not an allowed value', { expected: 'one of junit, tap' }],
];

describe('bad specs are refused with the key path, what was expected and what was found', () => {
  it('has at least 25 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(25));

  it.each(CASES)('%s', (_title, mutate, where, message, extra) => {
    const problems = problemsOf(mutate);
    const match = problems.find((p) => p.where.replace(/ \(line \d+\)$/, '') === where);
    expect(match, `problems were: ${JSON.stringify(problems, null, 1)}`).toBeDefined();
    expect(match!.file).toBe('baton.yaml');
    expect(match!.message).toContain(message);
    for (const [k, v] of Object.entries(extra ?? {})) expect(match![k as 'expected']).toContain(v);
  });

  it('reports every problem at once, with line numbers', () => {
    const problems = problemsOf((s) => {
      s.oracles[0].kind = 'tabel';
      s.budget.time = 'soon';
      s.sandbox.memory = 'lots';
    });
    expect(problems.map((p) => p.where)).toEqual([
      expect.stringMatching(/^oracles\[0\]\.kind \(line \d+\)$/),
      expect.stringMatching(/^budget\.time \(line \d+\)$/),
      expect.stringMatching(/^sandbox\.memory \(line \d+\)$/),
    ]);
  });

  it('names the line of a YAML syntax error', () => {
    const { problems } = validateSpecText('name: x\ngoal: [unclosed\n', 'exp/baton.yaml');
    expect(problems).toHaveLength(1);
    expect(problems[0].file).toBe('exp/baton.yaml');
    expect(problems[0].where).toMatch(/^line \d$/);
    expect(problems[0].message).toMatch(/^YAML syntax: /);
  });

  it('refuses a spec that is not a mapping', () => {
    const { problems } = validateSpecText('- a\n- b\n', 'baton.yaml');
    expect(problems[0].message).toBe('the spec must be a YAML mapping');
    expect(problems[0].found).toContain('a list');
  });

  it('points at the line of the offending key', () => {
    const text = 'name: x\ngoal: g\noracles:\n  - id: a\n    kind: command\n    run: echo\n    tiemout: 10s\nthresholds:\n  a.score: "> 1"\n';
    const { problems } = validateSpecText(text, 'baton.yaml');
    expect(problems).toEqual([
      expect.objectContaining({ where: 'oracles[0].tiemout (line 7)', message: 'unknown key "tiemout"', hint: 'did you mean "timeout"?' }),
    ]);
  });
});

describe('valid specs', () => {
  it('round-trip: validating the parsed-and-serialised spec gives the same spec', () => {
    const first = validateSpecText(stringify(BASE), 'baton.yaml');
    expect(first.problems).toEqual([]);
    const second = validateSpecText(stringify(first.spec), 'baton.yaml');
    expect(second.problems).toEqual([]);
    expect(second.spec).toEqual(first.spec);
  });

  it('fills defaults', () => {
    const { spec } = validateSpecText(
      stringify({ name: 'x', goal: 'g', oracles: [{ id: 'c', kind: 'command', run: 'echo' }], thresholds: { 'c.score': '> 1' } }),
      'b.yaml',
    );
    expect(spec?.sandbox).toMatchObject({ kind: 'docker', network: 'none', image: 'baton-base' });
    expect(spec?.judge).toMatchObject({ keep: 'improve', confirm: 1, stall_after: 8 });
    expect(spec?.prompt.max_chars).toBe(24000);
    expect(parse(stringify(spec))).toEqual(spec);
  });
});
