/** `sandbox.hosts` entries (pure, no dependency: the spec's schema checks them). */

/** The engine's socket on a host when the URL names none. */
export const DEFAULT_REMOTE_SOCKET = '/var/run/docker.sock';
export interface SshTarget {
  /** As written in the spec, for messages and the isolation record. */
  url: string;
  user: string;
  host: string;
  port: number;
  /** The engine's unix socket on the host. */
  socket: string;
}

/** `ssh://user@host[:port][/socket]` parsed, or what is wrong with it (pure). */
export function parseSshUrl(text: string): SshTarget | string {
  const m = /^ssh:\/\/([A-Za-z0-9._][A-Za-z0-9._-]*)@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(\/[^\s]*)?$/.exec(text);
  if (!m) return `expected ssh://user@host, ssh://user@host:port or ssh://user@host/path/to/docker.sock; found ${JSON.stringify(text)}`;
  const port = m[3] === undefined ? 22 : Number(m[3]);
  if (port < 1 || port > 65535) return `port ${m[3]} of ${text} is not between 1 and 65535`;
  const socket = m[4] && m[4] !== '/' ? m[4] : DEFAULT_REMOTE_SOCKET;
  if (socket.split('/').includes('..')) return `the socket path of ${text} must not contain ..`;
  return { url: text, user: m[1], host: m[2].replace(/^\[|\]$/g, ''), port, socket };
}
