/**
 * The `browser` oracle's spec: how the app is served and where its tests are.
 * `baton schema` prints it as part of baton.yaml's schema (src/spec/schema.ts).
 */
import { z } from 'zod';
import { command, duration, oracleCommon } from '../../src/spec/schema-parts.js';

export const BrowserOracleSpec = z
  .object({
    kind: z.literal('browser'),
    ...oracleCommon,
    setup: command.optional().describe('Run once before serving (e.g. a build).'),
    serve: command.describe('Starts the app in the oracle sandbox; must listen on `port`.'),
    port: z.number().int().min(1).max(65535),
    tests: z.string().min(1).describe('Folder of Playwright tests, relative to the experiment folder (usually oracle/e2e).'),
    ready_timeout: duration.default('30s'),
  })
  .strict();
