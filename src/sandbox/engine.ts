/** The connection to the Docker engine: one dockerode client, and a bounded reachability check. */
import Docker from 'dockerode';
import { describeError } from '../errors.js';

let shared: Docker | undefined;

/** Bound on any single engine call that is not a command (create, inspect, remove). */
export const ENGINE_CALL_MS = 30_000;

/** The process-wide dockerode client (DOCKER_HOST, or the local socket). */
export function dockerClient(): Docker {
  shared ??= new Docker();
  return shared;
}

export interface EngineInfo {
  reachable: boolean;
  /** Server version, when reachable. */
  version?: string;
  /** cgroup version of the engine's host (1 or 2), when reported. */
  cgroupVersion?: string;
  /** The runtime containers get by default (runc), when reported. */
  runtime?: string;
  /** Why not, when unreachable. */
  error?: string;
}

/** Whether the engine answers within `timeoutMs`; never throws. */
export async function probeEngine(docker: Docker = dockerClient(), timeoutMs = 3000): Promise<EngineInfo> {
  try {
    const info = (await withTimeout(docker.info(), timeoutMs, 'the Docker engine did not answer')) as {
      ServerVersion?: string;
      CgroupVersion?: string;
      DefaultRuntime?: string;
    };
    return { reachable: true, version: info.ServerVersion, cgroupVersion: info.CgroupVersion, runtime: info.DefaultRuntime };
  } catch (e) {
    return { reachable: false, error: describeError(e) };
  }
}

/** Rejects with `message` when `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The HTTP status of a dockerode error, if any. */
export function statusCodeOf(e: unknown): number | undefined {
  const code = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}
