/**
 * A Docker engine on another machine, reached over SSH (`sandbox.hosts:
 * [ssh://user@host]`): one SSH connection per host, kept open, and a channel
 * to the engine's socket per API call (OpenSSH's streamlocal forwarding).
 * docker-modem's own ssh transport opens a new connection and runs `docker
 * system dial-stdio` for every call, about 200 ms each against 50 ms here
 * (test/infra/ssh-docker.test.ts measures both).
 *
 * The host's key must be in known_hosts (plain or hashed entries, the file
 * `ssh` itself writes): an unknown or changed key is refused, never learnt.
 * The login uses the identity file named in the spec, or the first of
 * ~/.ssh/id_ed25519, id_ecdsa, id_rsa that parses without a passphrase, and
 * ssh-agent when SSH_AUTH_SOCK is set.
 */
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import ssh2, { type ConnectConfig } from 'ssh2';
import { UserError } from '../errors.js';
import type { SshTarget } from './ssh-url.js';

/** Bound on one SSH handshake (connect, key exchange, login). */
const SSH_READY_MS = 15_000;
const { Client, utils } = ssh2;
type Client = InstanceType<typeof Client>;

/** The name known_hosts files use for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** One host pattern of known_hosts (`*` and `?` wildcards) matched against a name. */
function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(name);
}

/**
 * The keys known_hosts text gives `host`:`port` (pure): `keys` accepted,
 * `revoked` refused whatever else says. `@cert-authority` lines are not
 * understood and ignored (no key from them is accepted).
 */
export function hostKeysFor(text: string, host: string, port: number): { keys: Buffer[]; revoked: Buffer[] } {
  const name = knownHostsName(host, port);
  const keys: Buffer[] = [];
  const revoked: Buffer[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0].startsWith('@')) [marker, ...fields] = fields;
    if (fields.length < 3 || marker === '@cert-authority') continue;
    const [patterns, , blob] = fields;
    let matched = false;
    let negated = false;
    for (const p of patterns.split(',')) {
      if (p.startsWith('!')) negated ||= patternMatches(p.slice(1), name);
      else matched ||= patternMatches(p, name);
    }
    if (!matched || negated) continue;
    const key = Buffer.from(blob, 'base64');
    if (key.length === 0) continue;
    (marker === '@revoked' ? revoked : keys).push(key);
  }
  return { keys, revoked };
}

/** Where keys and host keys come from: the spec's `sandbox.ssh`, with ~ expanded; defaults are the user's own files. */
export interface SshSettings {
  identity?: string;
  known_hosts?: string;
}

export interface SshAuth {
  privateKey?: Buffer;
  agent?: string;
  /** The file the private key came from (messages). */
  identityFile?: string;
  knownHostsFile: string;
}

const expandHome = (p: string) => (p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p);

/**
 * The login and host-key files for the SSH hosts; a UserError naming the
 * file and what to do when no way to log in exists or a file is unreadable.
 */
export function sshAuth(settings: SshSettings = {}, env: NodeJS.ProcessEnv = process.env): SshAuth {
  const knownHostsFile = expandHome(settings.known_hosts ?? '~/.ssh/known_hosts');
  const agent = env.SSH_AUTH_SOCK || undefined;
  if (settings.identity !== undefined) {
    const file = expandHome(settings.identity);
    const key = readKey(file);
    if (typeof key === 'string') throw new UserError(`sandbox.ssh.identity: ${key}`, { code: 'BATON_SANDBOX', context: { file } });
    return { privateKey: key, identityFile: file, agent, knownHostsFile };
  }
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const file = path.join(os.homedir(), '.ssh', name);
    const key = fs.existsSync(file) ? readKey(file) : undefined;
    if (key instanceof Buffer) return { privateKey: key, identityFile: file, agent, knownHostsFile };
  }
  if (agent) return { agent, knownHostsFile };
  throw new UserError(
    'No SSH identity for sandbox.hosts: none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa is a private key without a passphrase, and SSH_AUTH_SOCK (ssh-agent) is not set. Name a key in sandbox.ssh.identity, or run ssh-agent and ssh-add.',
    { code: 'BATON_SANDBOX' },
  );
}

/** A private key file's bytes, or why it cannot be used. */
function readKey(file: string): Buffer | string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    return `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
  const parsed = utils.parseKey(bytes);
  if (parsed instanceof Error) {
    return /encrypted|passphrase/i.test(parsed.message)
      ? `${file} needs a passphrase; load it into ssh-agent (ssh-add ${file}) and leave sandbox.ssh.identity unset`
      : `${file} is not a private key ssh2 can read: ${parsed.message}`;
  }
  return bytes;
}

/**
 * The host keys known_hosts accepts for `target`; a UserError saying how to
 * record the key when there is none (never learnt on first use).
 */
export function acceptedHostKeys(target: SshTarget, knownHostsFile: string): Buffer[] {
  let text: string;
  try {
    text = fs.readFileSync(knownHostsFile, 'utf8');
  } catch (e) {
    throw new UserError(
      `Cannot read ${knownHostsFile} (${(e as NodeJS.ErrnoException).code ?? String(e)}), where the key of ${target.url}'s host must be. Connect once with \`ssh -p ${target.port} ${target.user}@${target.host}\` and check the key it shows, or name the file in sandbox.ssh.known_hosts.`,
      { code: 'BATON_SANDBOX', context: { file: knownHostsFile } },
    );
  }
  const { keys, revoked } = hostKeysFor(text, target.host, target.port);
  const accepted = keys.filter((k) => !revoked.some((r) => r.equals(k)));
  if (accepted.length === 0) {
    throw new UserError(
      `${knownHostsFile} has no key for ${knownHostsName(target.host, target.port)} (host of ${target.url}); baton does not trust a host key on first use. Connect once with \`ssh -p ${target.port} ${target.user}@${target.host}\`, check the key it shows and accept it, then run again.`,
      { code: 'BATON_SANDBOX', context: { file: knownHostsFile, host: target.host } },
    );
  }
  return accepted;
}

/**
 * One remote engine: a dockerode client whose every call is a channel of one
 * SSH connection to the engine's socket. The connection is opened on the
 * first call and again after it drops.
 */
export class SshEngine {
  readonly docker: Docker;
  private conn: Promise<Client> | undefined;
  private closed = false;

  constructor(
    readonly target: SshTarget,
    private readonly auth: SshAuth,
    private readonly hostKeys: Buffer[],
  ) {
    const agent = new http.Agent();
    // Returns nothing: the socket comes through cb (a returned value would be taken for the socket).
    (agent as unknown as { createConnection: unknown }).createConnection = (_o: unknown, cb: (err: Error | null, s?: unknown) => void): void => {
      this.connection().then(
        (c) => c.openssh_forwardOutStreamLocal(this.target.socket, (err, stream) => (err ? cb(forwardError(err, this.target)) : cb(null, stream))),
        (err: Error) => cb(err),
      );
    };
    this.docker = new Docker({ protocol: 'http', host: 'docker', port: 80, agent } as Docker.DockerOptions);
  }

  private connection(): Promise<Client> {
    if (this.closed) return Promise.reject(new Error(`the connection to ${this.target.url} was closed`));
    this.conn ??= new Promise<Client>((resolve, reject) => {
      const c = new Client();
      const timer = setTimeout(() => {
        c.end();
        reject(new Error(`no SSH session with ${this.target.url} within ${SSH_READY_MS} ms`));
      }, SSH_READY_MS);
      const forget = () => {
        if (this.conn === pending) this.conn = undefined;
      };
      c.once('ready', () => {
        clearTimeout(timer);
        resolve(c);
      });
      c.once('error', (e) => {
        clearTimeout(timer);
        forget();
        reject(new Error(`SSH to ${this.target.url}: ${e.message}`));
      });
      c.once('close', forget);
      const config: ConnectConfig = {
        host: this.target.host,
        port: this.target.port,
        username: this.target.user,
        readyTimeout: SSH_READY_MS,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 4,
        hostVerifier: (key: Buffer) => this.hostKeys.some((k) => k.equals(key)),
        ...(this.auth.privateKey ? { privateKey: this.auth.privateKey } : {}),
        ...(this.auth.agent ? { agent: this.auth.agent } : {}),
      };
      c.connect(config);
    });
    const pending = this.conn;
    return pending;
  }

  /** Ends the SSH connection; later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    const c = await this.conn?.catch(() => undefined);
    this.conn = undefined;
    c?.end();
  }
}

/** A refused forward, with what the host's sshd needs. */
function forwardError(err: Error, target: SshTarget): Error {
  return new Error(
    /prohibited|denied|refused/i.test(err.message)
      ? `${target.url}: the SSH server refused to forward to ${target.socket} (${err.message}); its sshd_config needs AllowStreamLocalForwarding yes (or AllowTcpForwarding local), and the login must be allowed to use the engine (the docker group)`
      : `${target.url}: could not reach ${target.socket} through SSH: ${err.message}`,
  );
}
