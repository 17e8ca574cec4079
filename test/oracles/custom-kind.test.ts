/**
 * Issue 14: an oracle kind is one descriptor. This test registers a small
 * kind of its own, `wordcount` (the words of a workspace file against a
 * reference word list outside oracle/), and shows that the spec admits it,
 * `baton check` looks for the file it references, the run hashes that file
 * for tamper checks, the judge reads its details, and the report draws its
 * chart and writes its section, without any change outside this file.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { judge } from '../../src/judge/judge.js';
import { defineOracleKind, type OracleSpecBase } from '../../src/oracles/descriptor.js';
import { oracleFor, oracleKinds, registerOracleKind, staticKinds } from '../../src/oracles/registry.js';
import type { Oracle } from '../../src/oracles/types.js';
import { planCharts } from '../../src/report/charts.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildModel } from '../../src/report/model.js';
import { compileSpec, renderSvg } from '../../src/report/render.js';
import { changedHashes, oracleFileHashes, protectedTouched } from '../../src/run/integrity.js';
import { checkExperiment } from '../../src/spec/check.js';
import { defaultProtectedGroups } from '../../src/spec/protected.js';
import { OracleSpec, oracleCommon, type Spec } from '../../src/spec/schema.js';
import { validateSpecText } from '../../src/spec/validate.js';
import { rec } from '../helpers/ledger.js';
import { tmpDir } from '../helpers/tmp.js';

const WordcountSpec = z
  .object({
    kind: z.literal('wordcount'),
    ...oracleCommon,
    file: z.string().min(1).describe('Workspace file whose words are counted.'),
    reference: z.string().min(1).describe('Word list, relative to the experiment folder.'),
  })
  .strict();
type WordcountSpec = z.infer<typeof WordcountSpec> & OracleSpecBase;

/** Words of a text. */
const words = (text: string) => text.split(/\s+/).filter(Boolean);

const wordcountOracle: Oracle = {
  kind: 'wordcount',
  async measure(ctx) {
    const o = ctx.oracle as unknown as WordcountSpec;
    const started = Date.now();
    const ref = new Set(words(fs.readFileSync(path.join(ctx.experimentDir, o.reference), 'utf8')));
    const found = words(fs.readFileSync(path.join(ctx.snapshotDir, o.file), 'utf8'));
    const unknown = found.filter((w) => !ref.has(w));
    return {
      oracle: o.id,
      status: 'ok',
      metrics: { [`${o.id}.words`]: found.length, [`${o.id}.unknown`]: unknown.length },
      details: { unknown },
      artifacts: [],
      durationMs: Date.now() - started,
    };
  },
};

/** The unknown words a measurement's details hold, parsed (the ledger stores plain JSON). */
function unknownWords(details: Record<string, unknown>): string[] {
  return Array.isArray(details.unknown) ? details.unknown.filter((w): w is string => typeof w === 'string') : [];
}

const wordcountKind = defineOracleKind<WordcountSpec>({
  kind: 'wordcount',
  schema: WordcountSpec,
  metrics: (o) => [
    { oracle: o.id, parts: ['words'] },
    { oracle: o.id, parts: ['unknown'] },
  ],
  referencedFiles: (o) => [{ path: o.reference, key: ['reference'], type: 'file' }],
  // A configuration file the counting reads from the workspace: the worker may not write one.
  protectedGlobs: () => ['**/.wordcountrc'],
  protectedReason: 'wordcount oracle: its configuration',
  metricUnit: (_o, parts) => (parts[0] === 'words' ? 'words' : undefined),
  charts: (model, o) => [
    {
      kind: 'wordcount',
      section: 'Word counts',
      subject: o.id,
      file: `wordcount-${o.id}`,
      title: `${o.id}: words`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        data: { values: model.iterations.map((it) => ({ iteration: it.iteration, words: it.records.at(-1)?.metrics[`${o.id}.words`] ?? 0 })) },
        mark: 'line',
        encoding: { x: { field: 'iteration', type: 'quantitative' }, y: { field: 'words', type: 'quantitative' } },
      },
    },
  ],
  sections: (model, o) => {
    const last = model.iterations
      .at(-1)
      ?.records.at(-1)
      ?.measurements.find((m) => m.oracle === o.id);
    const unknown = last ? unknownWords(last.details) : [];
    return unknown.length
      ? [{ heading: 'Unknown words', order: 30, markdown: ['', `**${o.id}**: ${unknown.join(', ')}`], html: [`<p>${o.id}: ${unknown.length}</p>`] }]
      : [];
  },
  judgeFacts: (details) => ({ failingTests: unknownWords(details) }),
  load: async () => wordcountOracle,
});

const SPEC_TEXT = `name: essay
goal: Write an essay of at least 5 known words.
oracles:
  - id: wc
    kind: wordcount
    file: essay.txt
    reference: data/words.txt
thresholds:
  wc.words: ">= 5"
  wc.unknown: "<= 0"
`;

function parsed(): Spec {
  const { spec, problems } = validateSpecText(SPEC_TEXT, 'baton.yaml');
  if (!spec) throw new Error(JSON.stringify(problems));
  return spec;
}

describe('the built-in oracle kinds', () => {
  it("are the kinds of the spec's static union, each with its descriptor's own schema (what `baton schema` prints)", () => {
    const builtIn = oracleKinds().filter((d) => d.kind !== 'wordcount');
    expect(builtIn.map((d) => d.kind).sort()).toEqual(staticKinds().sort());
    for (const d of builtIn) expect(OracleSpec.options).toContain(d.schema);
  });
});

describe('an oracle kind registered by a test', () => {
  let unregister: () => void = () => {};
  beforeAll(() => {
    unregister = registerOracleKind(wordcountKind);
  });
  afterAll(() => unregister());

  it('is refused by the spec before it is registered, and admitted after, with its metric names', () => {
    unregister();
    expect(validateSpecText(SPEC_TEXT, 'baton.yaml').problems.map((p) => p.message)).toEqual(['unknown kind']);
    unregister = registerOracleKind(wordcountKind);
    expect(parsed().oracles[0]).toMatchObject({ kind: 'wordcount', id: 'wc', timeout: '10m', reference: 'data/words.txt' });
    const bad = validateSpecText(SPEC_TEXT.replace('wc.unknown', 'wc.lines'), 'baton.yaml');
    expect(bad.problems.map((p) => p.message)).toEqual(['no oracle produces the metric "wc.lines"']);
    expect(() => registerOracleKind(wordcountKind)).toThrow(/already registered/);
  });

  it('baton check looks for the file it references, outside oracle/', () => {
    const dir = tmpDir('custom-kind-check');
    fs.writeFileSync(path.join(dir, 'baton.yaml'), SPEC_TEXT);
    fs.writeFileSync(path.join(dir, 'replay.yaml'), 'steps: []\n');
    fs.mkdirSync(path.join(dir, 'workspace'));
    execFileSync('git', ['init', '-q', path.join(dir, 'workspace')]);
    const missing = checkExperiment(dir).problems.filter((p) => p.where.startsWith('oracles'));
    expect(missing.map((p) => [p.where, p.message])).toEqual([['oracles[0].reference', 'file not found: data/words.txt']]);
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data/words.txt'), 'a b c\n');
    expect(checkExperiment(dir).problems.filter((p) => p.where.startsWith('oracles'))).toEqual([]);
  });

  it('the run hashes the file it references: a change to it is seen as tamper', () => {
    const dir = tmpDir('custom-kind-hash');
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data/words.txt'), 'the cat sat on a mat\n');
    const spec = parsed();
    const before = oracleFileHashes(spec, dir);
    expect(Object.keys(before)).toEqual(['data/words.txt']);
    fs.writeFileSync(path.join(dir, 'data/words.txt'), 'the cat sat on a mat hat\n');
    const changed = changedHashes(before, oracleFileHashes(spec, dir));
    expect(changed).toEqual(['data/words.txt']);
    const verdict = judge({
      spec,
      history: [rec(0, 'baseline', {})],
      measurements: [],
      metrics: {},
      confirmations: 1,
      diff: { changedPaths: ['essay.txt'], protectedTouched: [], oracleFilesChanged: changed },
    });
    expect(verdict.kind).toBe('tamper');
  });

  it('the files it protects are tamper when the worker changes them, and baton check names them with its reason', () => {
    const spec = parsed();
    expect(protectedTouched(spec, ['essay.txt', 'notes/.wordcountrc'])).toEqual(['notes/.wordcountrc']);
    expect(defaultProtectedGroups(spec)).toEqual([{ reason: 'wordcount oracle: its configuration', globs: ['**/.wordcountrc'] }]);
  });

  it('is loaded through the registry and measures', async () => {
    const dir = tmpDir('custom-kind-measure');
    fs.mkdirSync(path.join(dir, 'data'));
    fs.mkdirSync(path.join(dir, 'snap'));
    fs.writeFileSync(path.join(dir, 'data/words.txt'), 'the cat sat on a mat\n');
    fs.writeFileSync(path.join(dir, 'snap/essay.txt'), 'the cat sat on a hat\n');
    const spec = parsed();
    const oracle = await oracleFor('wordcount');
    const m = await oracle!.measure({
      spec,
      oracle: spec.oracles[0],
      experimentDir: dir,
      snapshotDir: path.join(dir, 'snap'),
      outDir: dir,
      artifactDir: dir,
      startSandbox: () => Promise.reject(new Error('not used')),
    });
    expect(m.metrics).toEqual({ 'wc.words': 6, 'wc.unknown': 1 });
  });

  it('the judge reads its details through the kind (the ids it fails on)', () => {
    const spec = parsed();
    const measurement = {
      oracle: 'wc',
      status: 'ok' as const,
      metrics: { 'wc.words': 6, 'wc.unknown': 1 },
      details: { unknown: ['hat'] },
      artifacts: [],
      durationMs: 1,
    };
    const verdict = judge({
      spec,
      history: [
        rec(
          0,
          'baseline',
          { 'wc.words': 6, 'wc.unknown': 0 },
          { measurements: [{ ...measurement, metrics: { 'wc.words': 6, 'wc.unknown': 0 }, details: {} }] },
        ),
      ],
      measurements: [measurement],
      metrics: measurement.metrics,
      confirmations: 1,
      diff: { changedPaths: ['essay.txt'], protectedTouched: [], oracleFilesChanged: [] },
    });
    expect(verdict).toEqual({ kind: 'revert', reason: 'wc.unknown = 1 no longer meets <= 0; failing: hat' });
  });

  it('the report draws its chart and writes its section, in REPORT.md and report.html', async () => {
    const spec = parsed();
    const m = (words: number, unknown: string[]) => [
      { oracle: 'wc', status: 'ok' as const, metrics: { 'wc.words': words, 'wc.unknown': unknown.length }, details: { unknown }, artifacts: [], durationMs: 1 },
    ];
    const records = [
      rec(0, 'baseline', { 'wc.words': 2, 'wc.unknown': 0 }, { measurements: m(2, []) }),
      rec(1, 'keep', { 'wc.words': 4, 'wc.unknown': 0 }, { measurements: m(4, []) }),
      rec(2, 'revert', { 'wc.words': 6, 'wc.unknown': 1 }, { measurements: m(6, ['hat']) }),
    ];
    const model = buildModel(spec, records, 'running');
    const charts = planCharts(model, []);
    const mine = charts.filter((c) => c.kind === 'wordcount');
    expect(mine.map((c) => [c.file, c.section, c.title])).toEqual([['wordcount-wc', 'Word counts', 'wc: words']]);
    expect(compileSpec(mine[0].spec).warnings).toEqual([]);
    expect(await renderSvg(compileSpec(mine[0].spec).vega)).toContain('<svg');
    // its unit reaches the timeline's axis title
    const timeline = charts.find((c) => c.kind === 'timeline' && c.subject === 'wc.words');
    expect(JSON.stringify(timeline?.spec)).toContain('"words [words]"');
    const md = renderMarkdown({ model, charts });
    expect(md).toContain('### Word counts\n\n[![wc: words](plots/wordcount-wc.png)](plots/wordcount-wc.svg)');
    expect(md).toContain('## Unknown words\n\n**wc**: hat');
    const html = renderHtml({ model, charts, scripts: { vega: '', vegaLite: '', vegaEmbed: '' } });
    expect(html).toContain('<h2>Unknown words</h2>\n<p>wc: 1</p>');
  });
});
