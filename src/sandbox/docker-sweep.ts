/**
 * Removing Docker sandboxes: one container whatever its state, and the
 * leftovers of runs whose owner process is gone (sweep.ts decides which),
 * with the folders they were lent handed back.
 */
import type Docker from 'dockerode';
import { ENGINE_CALL_MS, statusCodeOf, withTimeout } from './engine.js';
import { isProcessAlive } from './owner.js';
import { giveBack, type Lent } from './ownership.js';
import { LABEL, selectOrphans } from './sweep.js';
import type { SweepResult } from './types.js';

/** Removes baton containers whose owner is gone from this host; hands lent folders back. */
export async function sweepDocker(docker: Docker, host: string, filter: { experiment?: string } = {}): Promise<SweepResult> {
  const labelFilter: string[] = [LABEL.ownerPid];
  if (filter.experiment !== undefined) labelFilter.push(`${LABEL.experiment}=${filter.experiment}`);
  const list = await withTimeout(docker.listContainers({ all: true, filters: { label: labelFilter } }), ENGINE_CALL_MS, 'listing containers');
  const decision = selectOrphans(
    list.map((c) => ({ id: c.Id, labels: c.Labels ?? {} })),
    host,
    isProcessAlive,
    filter,
  );
  const removed: string[] = [];
  for (const s of decision.remove) {
    try {
      await forceRemove(docker.getContainer(s.id));
    } catch (e) {
      if (statusCodeOf(e) !== 404) continue;
    }
    removed.push(s.id);
    const lent = parseLent(s.labels[LABEL.lent]);
    if (lent) await giveBack(lent.lent, lent).catch(() => undefined);
  }
  return { removed, kept: decision.keep.map((k) => k.sandbox.id) };
}

/** Removes a container whatever its state; a paused one is thawed first, or the kill would wait for the thaw. */
export async function forceRemove(container: Docker.Container): Promise<void> {
  const info = await withTimeout(container.inspect(), ENGINE_CALL_MS, 'inspecting the container');
  if (info.State.Paused) await withTimeout(container.unpause(), ENGINE_CALL_MS, 'unpausing the container').catch(() => undefined);
  await withTimeout(container.remove({ force: true, v: true }), ENGINE_CALL_MS, 'removing the container');
}

function parseLent(text: string | undefined): { uid: number; gid: number; lent: Lent[] } | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as { uid: number; gid: number; lent: Lent[] };
  } catch {
    return undefined;
  }
}
