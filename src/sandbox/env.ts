/** The environment of a sandbox: only what the spec allows by name, plus baton's own variables (pure). */

export interface SandboxEnv {
  env: Record<string, string>;
  /** Allowed names the host environment does not define (worth a warning). */
  missing: string[];
}

/** Picks `allowed` names from `hostEnv` and adds `baton` variables (which win); nothing else passes. */
export function sandboxEnv(allowed: string[], hostEnv: NodeJS.ProcessEnv, baton: Record<string, string> = {}): SandboxEnv {
  const env: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of allowed) {
    const value = hostEnv[name];
    if (value === undefined) missing.push(name);
    else env[name] = value;
  }
  return { env: { ...env, ...baton }, missing };
}
