/** Defaults every sandbox kind shares. */

/** Timeout of an exec when the caller gives none. */
export const DEFAULT_EXEC_TIMEOUT_MS = 10 * 60_000;
/** Cap of each of stdout and stderr when the caller gives none. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
/** Seconds between `timeout`'s TERM and its KILL inside the sandbox. */
export const KILL_GRACE_S = 2;
/** $HOME inside a sandbox (a tmpfs in Docker, a private folder under bwrap). */
export const SANDBOX_HOME = '/home/baton';
