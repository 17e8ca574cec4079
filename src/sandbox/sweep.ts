/**
 * Which baton sandboxes to remove: a pure decision over their labels. Only
 * sandboxes carrying baton's owner labels are ever considered, and only those
 * whose owner ran on this host and is gone are removed.
 */
export const LABEL = {
  experiment: 'baton.experiment',
  run: 'baton.run',
  iteration: 'baton.iteration',
  lane: 'baton.lane',
  session: 'baton.session',
  role: 'baton.role',
  ownerPid: 'baton.owner-pid',
  ownerHost: 'baton.owner-host',
  ownerStart: 'baton.owner-start',
  lent: 'baton.lent',
} as const;

export interface LabelledSandbox {
  id: string;
  labels: Record<string, string>;
}

export interface SweepDecision {
  remove: LabelledSandbox[];
  keep: { sandbox: LabelledSandbox; reason: string }[];
}

/** Splits sandboxes into orphans (owner gone from this host) and the rest, with the reason each is kept. */
export function selectOrphans(
  sandboxes: LabelledSandbox[],
  host: string,
  isAlive: (pid: number, start?: string) => boolean,
  filter: { experiment?: string } = {},
): SweepDecision {
  const decision: SweepDecision = { remove: [], keep: [] };
  for (const s of sandboxes) {
    const pid = Number(s.labels[LABEL.ownerPid]);
    const reason = keepReason(s, pid, host, isAlive, filter);
    if (reason) decision.keep.push({ sandbox: s, reason });
    else decision.remove.push(s);
  }
  return decision;
}

function keepReason(
  s: LabelledSandbox,
  pid: number,
  host: string,
  isAlive: (pid: number, start?: string) => boolean,
  filter: { experiment?: string },
): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return 'no baton owner label';
  if (filter.experiment !== undefined && s.labels[LABEL.experiment] !== filter.experiment) return 'another experiment';
  if (s.labels[LABEL.ownerHost] !== host) return `owned by a process on host ${s.labels[LABEL.ownerHost] ?? '?'}`;
  if (isAlive(pid, s.labels[LABEL.ownerStart])) return `owner process ${pid} is alive`;
  return undefined;
}
