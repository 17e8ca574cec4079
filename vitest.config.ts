import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the sandbox images once (seconds when unchanged); fails under BATON_REQUIRE_DOCKER=1 without an engine.
    globalSetup: ['test/setup/docker-images.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // Docker and git integration tests share one engine on a 2-core machine.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
