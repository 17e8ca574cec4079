/** How every host git command runs: a fixed environment and config the workspace cannot change (docs/security.md). */

/** Settings every host git command runs with, whatever the repository's own config says. */
export const HOST_GIT_CONFIG = [
  'user.name=baton',
  'user.email=baton@localhost',
  'commit.gpgsign=false',
  'tag.gpgsign=false',
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.untrackedCache=false',
  'core.attributesFile=/dev/null',
  'core.excludesFile=/dev/null',
  'core.pager=cat',
  'core.quotePath=false',
  'core.autocrlf=false',
  'core.symlinks=true',
  'submodule.recurse=false',
  'diff.ignoreSubmodules=all',
  'status.submoduleSummary=false',
  'diff.external=',
  'protocol.allow=never',
  'credential.helper=',
  'gc.auto=0',
  'maintenance.auto=false',
  // While a sandbox borrows the workspace its files belong to the sandbox user.
  'safe.directory=*',
];

/** The environment of host git: only what git needs, never the harness's secrets or the user's git config. */
export function hostGitEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: '/nonexistent',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_NO_REPLACE_OBJECTS: '1',
  };
}

/** Arguments that put HOST_GIT_CONFIG in force for one command. */
export function hostGitArgs(args: string[]): string[] {
  return [...HOST_GIT_CONFIG.flatMap((c) => ['-c', c]), ...args];
}
