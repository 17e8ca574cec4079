/**
 * vitest globalSetup: makes sure the sandbox images exist before the Docker
 * integration tests run (a no-op in seconds when their recipe hashes match).
 * Without an engine it prints a notice, or fails when BATON_REQUIRE_DOCKER=1.
 */
import { buildImages, probeEngine, type BuildResult } from '../../src/sandbox/index.js';

export default async function setup(): Promise<void> {
  const engine = await probeEngine();
  if (!engine.reachable) {
    const msg = `No Docker engine (${engine.error}); Docker integration tests will be skipped.`;
    if (process.env.BATON_REQUIRE_DOCKER === '1') throw new Error(`BATON_REQUIRE_DOCKER=1 but ${msg}`);
    console.warn(`\n[baton] NOTICE: ${msg}\n`);
    return;
  }
  const images = process.env.BATON_TEST_IMAGES === 'base' ? (['baton-base'] as const) : (['baton-base', 'baton-browser'] as const);
  let last = 0;
  const result: BuildResult = await buildImages({
    images: [...images],
    onProgress: (e) => {
      // A line every few seconds is enough to show a cold build is alive.
      if (Date.now() - last > 5000) {
        last = Date.now();
        console.log(`[baton images] ${e.image}: ${e.message.slice(0, 160)}`);
      }
    },
  });
  for (const img of result.images) console.log(`[baton images] ${img.name} ${img.status} (${img.recipe}) in ${img.durationMs} ms`);
}
