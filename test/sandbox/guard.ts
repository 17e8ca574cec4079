/**
 * The Docker guard of the sandbox integration tests: with an engine and the
 * image they run; without, they skip with a visible notice, or FAIL when
 * BATON_REQUIRE_DOCKER=1 (CI).
 */
import { buildImages, probeEngine } from '../../src/sandbox/index.js';
import { SandboxSpec } from '../../src/spec/schema.js';

export const REQUIRED = process.env.BATON_REQUIRE_DOCKER === '1';

/** Whether the Docker tests can run; builds baton-base when it is missing. */
export async function dockerReady(): Promise<{ ok: boolean; reason?: string }> {
  const engine = await probeEngine();
  if (!engine.reachable) return verdict(`no Docker engine is reachable (${engine.error})`);
  try {
    await buildImages({
      images: ['baton-base'],
      onProgress: (e) => {
        if (/missing|outdated|waiting/.test(e.message)) console.warn(`[baton images] ${e.image}: ${e.message}`);
      },
    });
  } catch (e) {
    return verdict(`baton-base is missing and could not be built: ${(e as Error).message}`);
  }
  return { ok: true };
}

function verdict(reason: string): { ok: boolean; reason: string } {
  if (REQUIRED) throw new Error(`BATON_REQUIRE_DOCKER=1 but ${reason}`);
  console.warn(`\n[baton] NOTICE: skipping Docker sandbox tests: ${reason}. Set BATON_REQUIRE_DOCKER=1 to make this a failure.\n`);
  return { ok: false, reason };
}

/** A sandbox spec with small limits, overridable per test. */
export function spec(over: Partial<SandboxSpec> = {}): SandboxSpec {
  return { ...SandboxSpec.parse({ kind: 'docker', image: 'baton-base', memory: '256m', cpus: 1, pids: 128, tmp: '64m' }), ...over };
}
