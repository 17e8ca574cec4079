/**
 * The trusted side of a two-phase command oracle (`run` then `evaluate`),
 * as the text it runs in the sandbox, plus the packing of oracle/ on the
 * host. The reasons are in oracle.ts's module comment; in short:
 *  - root (no capabilities) receives oracle/ over stdin, as a tar, before
 *    any candidate code runs, and unpacks it into /tmp/baton-oracle-<A>/<B>:
 *    <A> is root-only (0700), so the candidate, which can list /tmp and so
 *    learn <A>, can neither read the files nor learn <B>, and a symlink it
 *    plants in $BATON_OUT cannot name them for root to follow; $HOME and
 *    $TMPDIR of evaluate are under another random name in <A>, for the same
 *    reason (evaluate may write what it knows there);
 *  - after `run`, the sandbox user kills every process of its own uid but
 *    the container's main one, until none is left;
 *  - `evaluate` runs as root with $HOME, $TMPDIR and caches in the private
 *    folder, never the candidate's.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

/** Who runs `evaluate` and the installer: root, still without capabilities and with no-new-privileges. */
export const EVALUATOR_USER = '0:0';
/** Largest oracle/ folder (as a tar) sent into the sandbox; it lands in the /tmp tmpfs. */
export const MAX_ORACLE_TAR_BYTES = 64 * 1024 * 1024;
/** Exit code of the kill step when processes of the candidate survive every round. */
export const SURVIVORS_EXIT = 3;

export interface PrivatePaths {
  /** Root-only parent, its name visible in /tmp. */
  root: string;
  /** The copy of oracle/ ($BATON_ORACLE), its name known only to the harness and root. */
  oracle: string;
  home: string;
  tmp: string;
}

/** Fresh random private paths for one measurement. */
export function privatePaths(random: () => string = () => randomBytes(12).toString('hex')): PrivatePaths {
  const root = `/tmp/baton-oracle-${random()}`;
  // The scratch folders are as unguessable as the oracle's: evaluate may write what it knows there.
  const scratch = `${root}/${random()}`;
  return { root, oracle: `${root}/${random()}`, home: `${scratch}/home`, tmp: `${scratch}/tmp` };
}

/** Environment of root's execs: nothing of the candidate's ($HOME, /tmp) is on any lookup path. */
export function evaluatorEnv(p: PrivatePaths): Record<string, string> {
  return {
    BATON_ORACLE: p.oracle,
    HOME: p.home,
    TMPDIR: p.tmp,
    XDG_CONFIG_HOME: `${p.home}/.config`,
    XDG_CACHE_HOME: `${p.home}/.cache`,
    PYTHONNOUSERSITE: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  };
}

/** The experiment's oracle/ folder as a base64 tar (links followed), or '' when there is none. */
export async function packOracleDir(experimentDir: string): Promise<{ ok: true; base64: string; bytes: number } | { ok: false; reason: string }> {
  const dir = path.join(experimentDir, 'oracle');
  if (!existsSync(dir)) return { ok: true, base64: '', bytes: 0 };
  const r = await execa('tar', ['-C', dir, '--dereference', '--numeric-owner', '-cf', '-', '.'], {
    encoding: 'buffer',
    reject: false,
    maxBuffer: MAX_ORACLE_TAR_BYTES + 1,
  });
  const out = r.stdout as Uint8Array;
  if (r.isMaxBuffer || out.length > MAX_ORACLE_TAR_BYTES) {
    return { ok: false, reason: `the experiment's oracle/ folder is over ${MAX_ORACLE_TAR_BYTES / 1024 / 1024} MiB as a tar; keep large data out of it` };
  }
  if (r.exitCode !== 0)
    return {
      ok: false,
      reason: `could not pack oracle/ (tar exited with ${r.exitCode}): ${Buffer.from(r.stderr as Uint8Array)
        .toString('utf8')
        .trim()}`,
    };
  return { ok: true, base64: Buffer.from(out).toString('base64'), bytes: out.length };
}

/**
 * Bash, run as root with cwd / and the base64 tar on stdin, before any
 * candidate code: makes the private folder (failing if its name exists),
 * unpacks oracle/, claims /tmp/node_modules (the one folder on node's
 * upward module lookup from the private folder that the candidate could
 * otherwise create), checks the folder is root's and 0700, and prints the
 * pid of the container's main process (the child of init, the only process
 * of the sandbox's uid the kill step must spare).
 */
export const INSTALL_SCRIPT = `set -eu
umask 077
mkdir -m 700 -- "$BATON_PRIVATE"
mkdir -- "$BATON_ORACLE"
mkdir -p -- "$HOME" "$TMPDIR"
if [ "$BATON_HAS_ORACLE" = 1 ]; then base64 -d | tar -x -f - --no-same-owner -C "$BATON_ORACLE"; fi
chmod 700 -- "$BATON_PRIVATE"
mkdir -m 755 /tmp/node_modules
owner=$(stat -c %u:%a -- "$BATON_PRIVATE")
[ "$owner" = 0:700 ] || { echo "the private oracle folder is $owner, not 0:700" >&2; exit 1; }
for d in /proc/[0-9]*; do
  read -r line < "$d/stat" || continue
  rest=\${line##*) }
  set -- $rest
  if [ "$2" = 1 ]; then echo "main \${d#/proc/}"; fi
done
echo installed`;

/** The pids of the container's main process(es), from the installer's output. */
export function mainPids(installStdout: string): number[] {
  return [...installStdout.matchAll(/^main (\d+)$/gm)].map((m) => Number(m[1]));
}

/**
 * Bash, run as the sandbox user after `run`: kills every process it may
 * signal (its own uid) except init, the main process, itself and its parent
 * (the exec's `timeout`), in rounds until none is left; exits SURVIVORS_EXIT
 * if some outlive every round. Builtins only in the loop, so it forks
 * nothing a round would have to skip. A zombie still counts until init reaps
 * it, which takes a moment, hence the short sleeps.
 */
export function killScript(keep: number[]): string {
  return `[ "$(id -u)" != 0 ] || { echo "refusing to kill every process as root" >&2; exit 2; }
keep=" 1 ${keep.join(' ')} $$ $PPID "
for round in $(seq 1 40); do
  left=0
  for d in /proc/[0-9]*; do
    p=\${d#/proc/}
    case "$keep" in *" $p "*) continue ;; esac
    kill -9 "$p" 2>/dev/null || continue
    left=$((left + 1))
  done
  if [ "$left" = 0 ]; then echo "none left after $round rounds"; exit 0; fi
  sleep 0.05
done
echo "$left processes survive" >&2
exit ${SURVIVORS_EXIT}`;
}
