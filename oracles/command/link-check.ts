/**
 * What root's `evaluate` must never read through: a link the candidate left
 * in its snapshot, in the best kept snapshot or in $BATON_OUT that leads
 * into /proc or /dev. `/proc/self/cwd/expected.txt` opened by root's
 * evaluate is evaluate's own working folder, the private copy of oracle/
 * (red team 2, verified: a false `met` without knowing its random name);
 * `/dev/fd/N` and `/proc/self/fd/N` are the files it has open. In $BATON_OUT
 * anything but plain files and folders is refused outright (a FIFO would
 * hang evaluate). Checked on the host, after every candidate process is gone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Sandbox paths a candidate's link must not resolve into. */
const FORBIDDEN = ['/proc', '/dev', '/sys'];

export interface LinkFinding {
  /** Path inside the sandbox. */
  path: string;
  what: string;
}

function forbidden(target: string): boolean {
  return FORBIDDEN.some((f) => target === f || target.startsWith(`${f}/`));
}

/**
 * Walks `hostRoot` (mounted at `sandboxRoot`) without following links, and
 * lists links that resolve (lexically, as the sandbox would) into /proc,
 * /dev or /sys, and, with `plainOnly`, every entry that is neither a regular
 * file nor a folder. At most `max` findings.
 */
export function hostileEntries(hostRoot: string, sandboxRoot: string, options: { plainOnly?: boolean; max?: number } = {}): LinkFinding[] {
  const out: LinkFinding[] = [];
  const max = options.max ?? 20;
  const walk = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(hostRoot, rel), { withFileTypes: true });
    } catch (e) {
      // A folder the host cannot list may hide anything (a non-root harness and a 0111 folder): a finding, not a pass.
      const missingRoot = rel === '' && (e as NodeJS.ErrnoException).code === 'ENOENT';
      if (!missingRoot)
        out.push({ path: path.posix.join(sandboxRoot, rel), what: `a folder that cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
      return;
    }
    for (const e of entries) {
      if (out.length >= max) return;
      const r = rel ? `${rel}/${e.name}` : e.name;
      const inSandbox = path.posix.join(sandboxRoot, r);
      if (e.isDirectory()) walk(r);
      else if (e.isSymbolicLink()) {
        let target = '';
        try {
          target = fs.readlinkSync(path.join(hostRoot, r));
        } catch {
          continue;
        }
        const resolved = path.posix.resolve(path.posix.dirname(inSandbox), target);
        if (options.plainOnly) out.push({ path: inSandbox, what: `a link to ${target}` });
        else if (forbidden(resolved)) out.push({ path: inSandbox, what: `a link into ${resolved}` });
      } else if (!e.isFile() && options.plainOnly) out.push({ path: inSandbox, what: 'not a regular file' });
    }
  };
  walk('');
  return out;
}

/** One sentence naming the findings, for a measurement's reason. */
export function describeFindings(found: LinkFinding[]): string {
  return found.map((f) => `${f.path} (${f.what})`).join(', ');
}
