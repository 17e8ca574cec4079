/** Per-test results of a suite and the TEST_STATS metrics computed from them. Pure. */

export type TestStatus = 'passed' | 'failed' | 'error' | 'skipped';

/** One test case as the report names it; `id` is stable across runs so flips can be found. */
export interface TestResult {
  id: string;
  status: TestStatus;
  /** First line of the failure or error message, for the report. */
  message?: string;
}

/** What a report parser returns: the tests, or why the report cannot be trusted. */
export type ParsedReport = { ok: true; tests: TestResult[] } | { ok: false; reason: string };

export interface TestCounts {
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  total: number;
  /**
   * passed / total, skipped tests included in the total: skipping a failing
   * test never raises the pass rate, so a candidate cannot win by skipping.
   */
  pass_rate: number;
}

/** Counts by status; pass_rate is 0 for an empty list. */
export function countTests(tests: readonly TestResult[]): TestCounts {
  const c = { passed: 0, failed: 0, errors: 0, skipped: 0 };
  for (const t of tests) {
    if (t.status === 'passed') c.passed++;
    else if (t.status === 'failed') c.failed++;
    else if (t.status === 'error') c.errors++;
    else c.skipped++;
  }
  const total = tests.length;
  return { ...c, total, pass_rate: total === 0 ? 0 : c.passed / total };
}

/** Makes ids unique by suffixing repeats `#2`, `#3` (parametrized or re-run tests with one name). */
export function uniqueIds(tests: TestResult[]): TestResult[] {
  const seen = new Map<string, number>();
  return tests.map((t) => {
    const n = (seen.get(t.id) ?? 0) + 1;
    seen.set(t.id, n);
    return n === 1 ? t : { ...t, id: `${t.id}#${n}` };
  });
}

/** The first non-empty line of a message, at most 200 characters. */
export function firstLine(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  if (line === undefined) return undefined;
  return line.length <= 200 ? line : `${line.slice(0, 200)}…`;
}

/** A test whose status differs between two runs; `undefined` means absent from that run. */
export interface TestFlip {
  id: string;
  from: TestStatus | undefined;
  to: TestStatus | undefined;
}

/** The tests whose status changed from `before` to `after`, in `after`'s order then the removed ones. */
export function flippedTests(before: readonly TestResult[], after: readonly TestResult[]): TestFlip[] {
  const was = new Map(before.map((t) => [t.id, t.status]));
  const now = new Set(after.map((t) => t.id));
  const flips: TestFlip[] = after.filter((t) => was.get(t.id) !== t.status).map((t) => ({ id: t.id, from: was.get(t.id), to: t.status }));
  for (const t of before) if (!now.has(t.id)) flips.push({ id: t.id, from: t.status, to: undefined });
  return flips;
}

/** A test that ran in the baseline (passed, failed or errored) and did not run now. */
export interface MissingTest {
  id: string;
  /** Its status in the baseline. */
  baseline: TestStatus;
  /** Absent from this run's report (removed, renamed, deselected, not collected), or skipped. */
  now: 'absent' | 'skipped';
}

/** The tests that ran in `baseline` but are absent from `now` or skipped in it, in the baseline's order. */
export function missingTests(baseline: readonly TestResult[], now: readonly TestResult[]): MissingTest[] {
  const status = new Map(now.map((t) => [t.id, t.status]));
  const out: MissingTest[] = [];
  for (const t of baseline) {
    if (t.status === 'skipped') continue;
    const s = status.get(t.id);
    if (s === undefined) out.push({ id: t.id, baseline: t.status, now: 'absent' });
    else if (s === 'skipped') out.push({ id: t.id, baseline: t.status, now: 'skipped' });
  }
  return out;
}

/**
 * `now` with every missing test counted as not passing: a skipped one turns
 * failed, an absent one is added as failed (errored, if it errored in the
 * baseline, so `errors` cannot drop by deleting an erroring test). Not
 * running a test then never improves passed, failed, errors or pass_rate.
 */
export function countMissingAsFailing(now: readonly TestResult[], missing: readonly MissingTest[]): TestResult[] {
  const byId = new Map(missing.map((m) => [m.id, m]));
  const status = (m: MissingTest): TestStatus => (m.baseline === 'error' ? 'error' : 'failed');
  const message = (m: MissingTest) => `${m.now === 'absent' ? 'did not run (absent from the report)' : 'skipped'}, but it ran in the baseline (${m.baseline})`;
  const out = now.map((t) => {
    const m = byId.get(t.id);
    return m ? { id: t.id, status: status(m), message: message(m) } : t;
  });
  for (const m of missing) if (m.now === 'absent') out.push({ id: m.id, status: status(m), message: message(m) });
  return out;
}

/** The test list an earlier measurement stored in its details, if it is one. */
export function testsOfDetails(details: Record<string, unknown> | undefined): TestResult[] | undefined {
  const tests = details?.tests;
  if (!Array.isArray(tests)) return undefined;
  const ok = tests.every((t) => typeof t === 'object' && t !== null && typeof t.id === 'string' && ['passed', 'failed', 'error', 'skipped'].includes(t.status));
  return ok ? (tests as TestResult[]) : undefined;
}
