/**
 * Guards of the infrastructure tests (issue 17): the one-machine Slurm cluster
 * of scripts/ci/slurm-up.sh and the loopback SSH host of scripts/ci/sshd-up.sh.
 * Without them the tests skip with a visible notice, or FAIL when
 * BATON_REQUIRE_SLURM=1 / BATON_REQUIRE_SSH=1 (CI).
 */
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';

export const SSH_ENV_FILE = '/etc/baton-test/ssh.env';

export interface Ready {
  ok: boolean;
  reason?: string;
}

/** Whether a Slurm controller answers and has at least one usable node. */
export async function slurmReady(): Promise<Ready> {
  const r = await execa('sinfo', ['-h', '-N', '-o', '%N %t'], { reject: false, timeout: 15_000 });
  if (r.failed)
    return verdict('SLURM', 'Slurm', `sinfo failed (${(r.stderr || r.message || 'no output').trim().split('\n')[0]}); start it with scripts/ci/slurm-up.sh`);
  const usable = r.stdout.split('\n').filter((l) => /\s(idle|mix|alloc)\*?$/.test(l));
  if (usable.length === 0) return verdict('SLURM', 'Slurm', `no node is up (sinfo: ${r.stdout.trim() || 'nothing'})`);
  return { ok: true };
}

/** The loopback SSH host's connection details, as scripts/ci/sshd-up.sh wrote them. */
export interface SshHost {
  host: string;
  port: number;
  username: string;
  privateKey: Buffer;
  /** The host key's type and base64 blob, from the known_hosts file the script wrote. */
  hostKey: { type: string; blob: Buffer };
  dockerHost: string;
  /** The files themselves, for a spec's sandbox.ssh. */
  keyFile: string;
  knownHostsFile: string;
}

export async function sshReady(): Promise<Ready & { host?: SshHost }> {
  let text: string;
  try {
    text = await readFile(SSH_ENV_FILE, 'utf8');
  } catch (e) {
    return verdict('SSH', 'SSH Docker', `${SSH_ENV_FILE} is unreadable (${(e as NodeJS.ErrnoException).code}); start it with scripts/ci/sshd-up.sh`);
  }
  const env = Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const missing = ['BATON_SSH_HOST', 'BATON_SSH_PORT', 'BATON_SSH_USER', 'BATON_SSH_KEY', 'BATON_SSH_KNOWN_HOSTS', 'BATON_SSH_DOCKER_HOST'].filter(
    (k) => !env[k],
  );
  if (missing.length) return verdict('SSH', 'SSH Docker', `${SSH_ENV_FILE} lacks ${missing.join(', ')}`);
  try {
    const privateKey = await readFile(env.BATON_SSH_KEY);
    const [, type, blob] = (await readFile(env.BATON_SSH_KNOWN_HOSTS, 'utf8')).trim().split(/\s+/);
    if (!type || !blob) return verdict('SSH', 'SSH Docker', `${env.BATON_SSH_KNOWN_HOSTS}: expected "[host]:port type key", found no key`);
    return {
      ok: true,
      host: {
        host: env.BATON_SSH_HOST,
        port: Number(env.BATON_SSH_PORT),
        username: env.BATON_SSH_USER,
        privateKey,
        hostKey: { type, blob: Buffer.from(blob, 'base64') },
        dockerHost: env.BATON_SSH_DOCKER_HOST,
        keyFile: env.BATON_SSH_KEY,
        knownHostsFile: env.BATON_SSH_KNOWN_HOSTS,
      },
    };
  } catch (e) {
    return verdict('SSH', 'SSH Docker', `cannot read the SSH key files named in ${SSH_ENV_FILE}: ${(e as Error).message}`);
  }
}

function verdict(what: 'SLURM' | 'SSH', name: string, reason: string): Ready {
  if (process.env[`BATON_REQUIRE_${what}`] === '1') throw new Error(`BATON_REQUIRE_${what}=1 but ${reason}`);
  console.warn(`\n[baton] NOTICE: skipping ${name} tests: ${reason}. Set BATON_REQUIRE_${what}=1 to make this a failure.\n`);
  return { ok: false, reason };
}
