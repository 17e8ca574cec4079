/**
 * After every session, before any host git command touches the workspace:
 * find what the session planted that the host must never meet (a nested
 * .git, files past the size limits), record it on the session (journalled
 * with it, so a crash cannot lose the evidence), and remove it.
 */
import type { SessionRecord } from '../ledger/record.js';
import { parseSize } from '../spec/units.js';
import { describeHazards, removeHazards, scanHazards } from '../workspace/hazards.js';
import type { RunContext } from './context.js';

function limitsOf(ctx: Pick<RunContext, 'spec'>): { fileBytes: number; workspaceBytes: number } {
  return { fileBytes: parseSize(ctx.spec.limits.file), workspaceBytes: parseSize(ctx.spec.limits.workspace) };
}

/** The session record with what the scan found: planted repositories as tamper, limits as a crash cause. */
export function inspectWorkspace(ctx: Pick<RunContext, 'spec' | 'paths'>, session: SessionRecord): SessionRecord {
  const limits = limitsOf(ctx);
  const found = describeHazards(scanHazards(ctx.paths.workspace, limits), limits);
  if (!found.tamper.length && !found.crash) return session;
  const out: SessionRecord = { ...session };
  if (found.tamper.length) out.tamper = [...new Set([...(session.tamper ?? []), ...found.tamper])];
  if (found.crash && !out.cause) out.cause = found.crash;
  return out;
}

/** Removes every nested .git and oversized file; safe to call again (a resume does). */
export function cleanWorkspace(ctx: Pick<RunContext, 'spec' | 'paths'>): void {
  const limits = limitsOf(ctx);
  removeHazards(ctx.paths.workspace, scanHazards(ctx.paths.workspace, limits));
}
