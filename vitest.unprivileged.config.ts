import * as os from 'node:os';
import * as path from 'node:path';
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// The unprivileged subset (scripts/test-unprivileged.sh): the user cannot write the clone, so caches go to its TMPDIR.
export default mergeConfig(base, defineConfig({ cacheDir: path.join(os.tmpdir(), 'vitest-cache') }));
