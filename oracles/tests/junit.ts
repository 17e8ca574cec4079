/**
 * JUnit XML reports (pytest --junitxml, vitest --reporter=junit, jest-junit,
 * go-junit-report) to per-test results, with fast-xml-parser. Pure.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { firstLine, uniqueIds, type ParsedReport, type TestResult } from './results.js';

type Node = Record<string, unknown>;

const ARRAYS = new Set(['testsuite', 'testcase', 'failure', 'error', 'skipped']);

function asArray(v: unknown): Node[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'object' && x !== null ? (x as Node) : {}));
}

function attr(n: Node, name: string): string | undefined {
  const v = n[`@_${name}`];
  return v === undefined ? undefined : String(v);
}

function messageOf(nodes: Node[]): string | undefined {
  const n = nodes[0];
  return firstLine(attr(n, 'message')) ?? firstLine(n['#text']) ?? firstLine(attr(n, 'type'));
}

function caseResult(tc: Node): TestResult {
  const name = attr(tc, 'name') ?? '(unnamed)';
  const classname = attr(tc, 'classname');
  const id = classname ? `${classname}::${name}` : name;
  const failures = asArray(tc.failure);
  const errors = asArray(tc.error);
  const skipped = asArray(tc.skipped);
  // A test that failed and then errored in teardown counts once, as failed.
  if (failures.length > 0) return { id, status: 'failed', message: messageOf(failures) };
  if (errors.length > 0) return { id, status: 'error', message: messageOf(errors) };
  if (skipped.length > 0) return { id, status: 'skipped', message: messageOf(skipped) };
  return { id, status: 'passed' };
}

function collect(suite: Node, out: TestResult[]): void {
  for (const tc of asArray(suite.testcase)) out.push(caseResult(tc));
  for (const child of asArray(suite.testsuite)) collect(child, out);
}

/** Parses a JUnit XML report; a malformed file or one without a testsuite is a reason, never an empty pass. */
export function parseJUnit(xml: string): ParsedReport {
  if (xml.trim() === '') return { ok: false, reason: 'the JUnit report is empty' };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    return { ok: false, reason: `the JUnit report is not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})` };
  }
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseAttributeValue: false,
    parseTagValue: false,
    processEntities: true,
    htmlEntities: true,
    isArray: (name) => ARRAYS.has(name),
  }).parse(xml) as Node;
  const roots = doc.testsuites !== undefined ? asArray(doc.testsuites) : [];
  const suites = [...roots.flatMap((r) => asArray(r.testsuite)), ...asArray(doc.testsuite)];
  if (roots.length === 0 && suites.length === 0) {
    const top =
      Object.keys(doc)
        .filter((k) => !k.startsWith('?'))
        .join(', ') || 'nothing';
    return { ok: false, reason: `not a JUnit report: expected a <testsuites> or <testsuite> root element, found ${top}` };
  }
  const tests: TestResult[] = [];
  for (const s of suites) collect(s, tests);
  return { ok: true, tests: uniqueIds(tests) };
}
