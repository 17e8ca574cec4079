/**
 * TAP reports (node --test --test-reporter=tap, tap, any TAP 13/14
 * producer) to per-test results, with tap-parser. Pure.
 *
 * Leaves are tests: a test point with subtests (a node:test `describe`) is a
 * group, and only its children count. In node's diagnostics a
 * `failureType` other than `testCodeFailure` (a hook that failed, a test
 * cancelled by its parent, an uncaught exception) is an error, not a failure.
 * TODO points are skipped, as TAP says their failures do not count.
 */
import { Parser, type Result } from 'tap-parser';
import { firstLine, uniqueIds, type ParsedReport, type TestResult, type TestStatus } from './results.js';

function statusOf(a: Result): TestStatus {
  if (a.todo !== false || a.skip !== false) return 'skipped';
  if (a.ok) return 'passed';
  const failureType = (a.diag as Record<string, unknown> | null | undefined)?.failureType;
  return failureType === undefined || failureType === 'testCodeFailure' ? 'failed' : 'error';
}

function messageOf(a: Result): string | undefined {
  if (a.ok && a.skip === false && a.todo === false) return undefined;
  if (typeof a.skip === 'string' && a.skip) return firstLine(a.skip);
  const diag = a.diag as Record<string, unknown> | null | undefined;
  return firstLine(diag?.error) ?? firstLine(diag?.message);
}

/** Parses TAP text; a bail-out, a missing plan or a plan the points do not match is a reason, never a pass. */
export function parseTap(text: string): ParsedReport {
  if (text.trim() === '') return { ok: false, reason: 'the TAP report is empty' };
  const tests: TestResult[] = [];
  const problems: string[] = [];

  const attach = (p: Parser) => {
    // tap-parser emits a subtest's `child` before the test point that closes it.
    let nextIsGroup = false;
    p.on('child', (c: Parser) => {
      const childTests = tests.length;
      attach(c);
      c.on('complete', () => {
        if (tests.length > childTests) nextIsGroup = true;
      });
    });
    p.on('assert', (a: Result) => {
      if (nextIsGroup) {
        nextIsGroup = false;
        return;
      }
      tests.push({ id: a.fullname || a.name || `#${a.id}`, status: statusOf(a), message: messageOf(a) });
    });
  };
  const parser = new Parser();
  attach(parser);
  let final: { bailout: string | boolean; plan: { start: number | null; end: number | null; skipAll: boolean }; count: number } | undefined;
  parser.on('complete', (r) => {
    final = r as never;
  });
  parser.end(text);
  if (final === undefined) return { ok: false, reason: 'the TAP report did not parse to completion' };
  if (final.bailout !== false) problems.push(`the suite bailed out${typeof final.bailout === 'string' && final.bailout ? `: ${final.bailout}` : ''}`);
  const { start, end, skipAll } = final.plan;
  if (start === null || end === null) {
    problems.push('the TAP report has no plan line (1..N); the run may have been cut short');
  } else if (!skipAll && final.count !== end - start + 1) {
    problems.push(`the TAP plan ${start}..${end} promises ${end - start + 1} test points but ${final.count} were reported`);
  }
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return { ok: true, tests: uniqueIds(tests) };
}
