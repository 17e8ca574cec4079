/** Shared by the model-worker tests that run `baton run` with real Docker against the fake Messages API. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execa, type Result } from 'execa';
import { parse, stringify } from 'yaml';
import { LedgerRecord } from '../../src/ledger/record.js';
import { readJournal, type JournalEntry } from '../../src/run/journal.js';
import { readJsonl } from '../../src/state/jsonl.js';
import { costOf, priceOf } from '../../src/workers/pricing.js';
import { readTranscript, type TranscriptEvent } from '../../src/workers/transcript.js';
import { BATON_BIN } from '../helpers/cli.js';
import { fixtureExperiment } from '../helpers/experiment.js';
import { ROOT } from '../helpers/tmp.js';
import type { FakeAnthropic, FakeUsage, RecordedRequest } from '../helpers/fake-anthropic.js';

/** The API key the harness holds in these tests; it must never show up inside a sandbox. */
export const SECRET_KEY = 'sk-ant-baton-test-0123456789-SECRET';
export const RK4 = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'experiments', 'agent', 'files', 'solve_rk4.py'), 'utf8');

const made: string[] = [];

/** Removes the temporary experiments this file made (call from afterAll). */
export function removeExperiments(): void {
  for (const d of made.splice(0)) fs.rmSync(path.dirname(d), { recursive: true, force: true });
}

/** A copy of the `agent` fixture with baton.yaml changed by `edit`. */
export async function agentExperiment(edit: (spec: Record<string, any>) => void = () => undefined): Promise<string> {
  const dir = await fixtureExperiment('agent');
  made.push(dir);
  const file = path.join(dir, 'baton.yaml');
  const spec = parse(fs.readFileSync(file, 'utf8')) as Record<string, any>;
  edit(spec);
  fs.writeFileSync(file, stringify(spec));
  return dir;
}

/** `baton run DIR ...` as a user types it, with the key and the fake's URL in the harness environment. */
export function batonRun(
  dir: string,
  fake: FakeAnthropic,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<Result<{ reject: false; stdin: 'ignore' }>> {
  return execa('node', [BATON_BIN, 'run', dir, ...args], {
    reject: false,
    timeout: 400_000,
    stdin: 'ignore',
    env: { ANTHROPIC_API_KEY: SECRET_KEY, ANTHROPIC_BASE_URL: fake.url, ...env },
  });
}

export function ledgerOf(dir: string): LedgerRecord[] {
  return readJsonl(path.join(dir, '.baton', 'ledger.jsonl'), LedgerRecord).records;
}

export function journalOf(dir: string): JournalEntry[] {
  return readJournal(path.join(dir, '.baton', 'journal.jsonl')).records;
}

export function transcriptOf(dir: string, n: number): TranscriptEvent[] {
  return readTranscript(path.join(dir, '.baton', 'transcripts', `${String(n).padStart(4, '0')}.jsonl`));
}

/** Whether a request belongs to the initializer session. */
export function isInitializer(req: RecordedRequest): boolean {
  return JSON.stringify(req.body.messages[0]).includes('initializer session');
}

/** The model turn of a request within its session: how many assistant messages it carries. */
export function turnOf(req: RecordedRequest): number {
  return req.body.messages.filter((m) => m.role === 'assistant').length;
}

/** The session number the prompt of a worker request names ("You are session N"). */
export function sessionOf(req: RecordedRequest): number {
  const m = /You are session (\d+)/.exec(JSON.stringify(req.body.messages[0]));
  return m ? Number(m[1]) : 0;
}

/** USD of `turns` turns of `usage` at the built-in price of `model`: what the ledger must say. */
export function expectedUsd(model: string, usage: FakeUsage, turns: number): number {
  const t = {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
  };
  return costOf(t, priceOf(model)!) * turns;
}
