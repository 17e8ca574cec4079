/**
 * What a tests (or browser) measurement's details hold that the judge and
 * the report read back from the ledger: every test's status, and the tests
 * of the baseline that did not run. The ledger stores details as plain JSON,
 * so they are parsed here, by the kind that wrote them, not cast.
 */

/** Each test's status by id, as written (`passed`, `failed`, `error`, `skipped`), or undefined when the details hold no test list. */
export function testStatuses(details: Record<string, unknown> | undefined): Map<string, string> | undefined {
  const tests = details?.tests;
  if (!Array.isArray(tests)) return undefined;
  const map = new Map<string, string>();
  for (const t of tests) if (t && typeof t === 'object' && typeof t.id === 'string') map.set(t.id, String(t.status));
  return map;
}

/** Ids of the tests that failed or errored, in report order. */
export function failingTestIds(details: Record<string, unknown> | undefined): string[] {
  const tests = details?.tests;
  if (!Array.isArray(tests)) return [];
  return tests.filter((t) => t && typeof t === 'object' && (t.status === 'failed' || t.status === 'error')).map((t) => t.id);
}

/** How many tests of the baseline did not run (`details.missing`). */
export function missingTestCount(details: Record<string, unknown> | undefined): number {
  const missing = details?.missing;
  return Array.isArray(missing) ? missing.length : 0;
}
