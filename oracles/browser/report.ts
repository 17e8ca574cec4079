/**
 * Reads Playwright's JSON report into per-test results (the shape of the
 * tests oracle), the screenshots each test left, and the run's own errors.
 * Pure: the text comes from the sandbox through the oracle.
 */
import { z } from 'zod';
import { firstLine, uniqueIds, type TestResult, type TestStatus } from '../tests/results.js';

const Attachment = z.looseObject({ name: z.string(), contentType: z.string(), path: z.string().optional() });
const ErrorInfo = z.looseObject({ message: z.string().optional(), value: z.string().optional() });
const Result = z.looseObject({
  status: z.string(),
  error: ErrorInfo.optional(),
  errors: z.array(ErrorInfo).optional(),
  attachments: z.array(Attachment).default([]),
});
const Test = z.looseObject({
  expectedStatus: z.string(),
  status: z.enum(['expected', 'unexpected', 'flaky', 'skipped']),
  results: z.array(Result),
});
const SpecEntry = z.looseObject({ title: z.string(), file: z.string(), tests: z.array(Test) });

interface SuiteShape {
  title: string;
  file?: string;
  specs?: z.infer<typeof SpecEntry>[];
  suites?: SuiteShape[];
}
const Suite: z.ZodType<SuiteShape> = z.lazy(() =>
  z.looseObject({
    title: z.string(),
    file: z.string().optional(),
    specs: z.array(SpecEntry).optional(),
    suites: z.array(Suite).optional(),
  }),
);
const Report = z.looseObject({
  suites: z.array(Suite),
  errors: z.array(ErrorInfo).default([]),
  stats: z.looseObject({ expected: z.number(), unexpected: z.number(), flaky: z.number(), skipped: z.number() }),
});

/** A test of the browser suite with the screenshots Playwright attached to its last run (paths inside the sandbox). */
export interface BrowserTest extends TestResult {
  screenshots: string[];
}

export type ParsedPlaywrightReport = { ok: true; tests: BrowserTest[]; errors: string[] } | { ok: false; reason: string };

// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what ANSI colour codes start with
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** A message without terminal colours, its first line only. */
export function cleanMessage(text: string | undefined): string | undefined {
  return firstLine(text?.replace(ANSI, ''));
}

/**
 * A test's status as the tests oracle counts it. Playwright's own verdict
 * (`expected` also covers a `test.fail()` that failed) decides pass or
 * fail; an `interrupted` last run (the whole run was stopped) is an error,
 * not a failure of the candidate.
 */
function statusOf(test: z.infer<typeof Test>): TestStatus {
  if (test.status === 'skipped') return 'skipped';
  if (test.status === 'expected' || test.status === 'flaky') return 'passed';
  return test.results.at(-1)?.status === 'interrupted' ? 'error' : 'failed';
}

function messageOf(test: z.infer<typeof Test>): string | undefined {
  const last = test.results.at(-1);
  if (!last) return undefined;
  const error = last.error ?? last.errors?.[0];
  return cleanMessage(error?.message ?? error?.value);
}

function collect(suite: SuiteShape, file: string, titles: string[], out: BrowserTest[]): void {
  for (const spec of suite.specs ?? []) {
    for (const test of spec.tests) {
      const status = statusOf(test);
      const message = status === 'passed' ? undefined : messageOf(test);
      const screenshots = (test.results.at(-1)?.attachments ?? [])
        .filter((a) => a.contentType === 'image/png' && a.path !== undefined)
        .map((a) => a.path as string);
      out.push({ id: `${file}::${[...titles, spec.title].join(' > ')}`, status, ...(message ? { message } : {}), screenshots });
    }
  }
  for (const child of suite.suites ?? []) collect(child, file, [...titles, child.title], out);
}

/** Parses the text of a Playwright JSON report; ids are `<file>::<describe> > <title>`. */
export function parsePlaywrightReport(text: string): ParsedPlaywrightReport {
  if (text.trim() === '') return { ok: false, reason: 'the Playwright JSON report is empty' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `the Playwright JSON report is not JSON: ${(e as Error).message}` };
  }
  const parsed = Report.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `not a Playwright JSON report: ${issue?.path.join('.') || '(root)'}: ${issue?.message}` };
  }
  const tests: BrowserTest[] = [];
  for (const fileSuite of parsed.data.suites) collect(fileSuite, fileSuite.file ?? fileSuite.title, [], tests);
  const unique = uniqueIds(tests) as BrowserTest[];
  const errors = parsed.data.errors.map((e) => cleanMessage(e.message ?? e.value) ?? 'an error without a message');
  return { ok: true, tests: unique, errors };
}

/** Whether one of the run's errors says Playwright's global timeout ended it. */
export function hitGlobalTimeout(errors: readonly string[]): boolean {
  return errors.some((e) => /Timed out waiting [\d.]+s for the .+ to run/.test(e));
}
