/**
 * The isolation a run got, as recorded in .baton/isolation.json and in every
 * ledger record. Its own module so a kind's descriptor can name the type
 * without importing isolation.ts, which reads the registry.
 */
import { z } from 'zod';

export const Isolation = z.object({
  /** The sandbox kind (registry.ts): docker, local. */
  provider: z.string().min(1),
  /** docker: the engine's default runtime (runc); local: bubblewrap, or none (plain processes on the host). */
  runtime: z.string(),
  /** docker: the endpoint and version of the engine. */
  engine: z.string().optional(),
  image: z.string().optional(),
  /** docker: the id of `image` on that engine when the run started. */
  imageId: z.string().optional(),
  /** uid:gid of the sandbox's commands. */
  user: z.string(),
  network: z.enum(['none', 'bridge']),
});
export type Isolation = z.infer<typeof Isolation>;
