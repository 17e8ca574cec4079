/**
 * Fault injection for the crash-recovery tests: with BATON_FAILPOINT=NAME or
 * NAME@K, the process kills itself with SIGKILL the K-th time (default the
 * first) it passes the failpoint NAME, exactly as a power cut would stop it
 * there. Without the variable a failpoint costs one comparison.
 */
const wanted = process.env.BATON_FAILPOINT;
let hits = 0;

/** Names of the failpoints, for tests and docs. */
export const FAILPOINTS = [
  'journal:run-start',
  'journal:oracle-hashes',
  'journal:baseline-start',
  'journal:baseline-done',
  'journal:iteration-start',
  'journal:session-end',
  'journal:candidate',
  'journal:settled',
  'journal:run-end',
  'journal:lane-start',
  'journal:lane-end',
  'journal:lane-ready',
  'journal:plan-start',
  'journal:plan',
  'lane:commit',
  'ledger:append',
  'git:add',
  'replay:step',
  'measure:oracle',
  'settle:ref',
  'settle:reset',
  'settle:report',
  'settle:commit',
  'state:progress',
  'run:end-commit',
  // The lend and give-back window of a sandbox (ownership.ts, docker.ts); ownership:chown fires once per entry chowned.
  'sandbox:lent',
  'sandbox:removed',
  'ownership:chown',
  'ownership:given-back',
] as const;

export function failpoint(name: (typeof FAILPOINTS)[number]): void {
  if (!wanted) return;
  const [n, k = '1'] = wanted.split('@');
  if (n === name && ++hits === Number(k)) process.kill(process.pid, 'SIGKILL');
}
