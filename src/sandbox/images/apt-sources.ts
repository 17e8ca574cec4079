/**
 * Reads the machine's own apt configuration to find the Debian mirror the
 * rootfs is bootstrapped from. Nothing here names a host: a machine behind a
 * private mirror or a snapshot archive gets that mirror. Pure parsing, plus one
 * reader at the edge.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

/** One apt source: a URI and the suites and components it serves. */
export interface AptSource {
  uris: string[];
  suites: string[];
  components: string[];
  signedBy?: string;
}

/** Sources in deb822 form (`*.sources`): paragraphs of `Key: value`. */
export function parseDeb822Sources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    let last: string | undefined;
    for (const raw of para.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^\s/.test(raw) && last) {
        fields[last] += ' ' + raw.trim();
        continue;
      }
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(raw);
      if (m) {
        last = m[1].toLowerCase();
        fields[last] = m[2].trim();
      }
    }
    if (fields.enabled?.toLowerCase() === 'no') continue;
    const types = (fields.types ?? '').split(/\s+/);
    if (!types.includes('deb') || !fields.uris) continue;
    out.push({
      uris: fields.uris.split(/\s+/),
      suites: (fields.suites ?? '').split(/\s+/).filter(Boolean),
      components: (fields.components ?? '').split(/\s+/).filter(Boolean),
      signedBy: fields['signed-by'],
    });
  }
  return out;
}

/** Sources in one-line form (`sources.list`): `deb [opts] URI SUITE COMPONENT...`. */
export function parseOneLineSources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const signed = /signed-by=(\S+)/.exec(m[1] ?? '');
    out.push({ uris: [m[2]], suites: [m[3]], components: m[4].split(/\s+/).filter(Boolean), signedBy: signed?.[1] });
  }
  return out;
}

/** The mirrors to build a `suite` rootfs from: the main archive, and the security archive if configured. */
export interface DebianMirrors {
  main: string;
  /** Suites the main archive serves for this release (e.g. bookworm, bookworm-updates). */
  mainSuites: string[];
  security?: string;
}

/** Picks the mirror serving `suite` (and its -security archive) from parsed sources; undefined when none does. */
export function pickDebianMirrors(sources: AptSource[], suite: string): DebianMirrors | undefined {
  const main = sources.find((s) => s.suites.includes(suite) && s.components.includes('main'));
  if (!main) return undefined;
  const mainSuites = [...new Set(sources.filter((s) => s.uris[0] === main.uris[0]).flatMap((s) => s.suites))].filter(
    (s) => s === suite || s === `${suite}-updates`,
  );
  const sec = sources.find((s) => s.suites.includes(`${suite}-security`));
  return { main: main.uris[0].replace(/\/+$/, ''), mainSuites, security: sec?.uris[0].replace(/\/+$/, '') };
}

/** Renders the rootfs's own deb822 sources file for `mirrors`. */
export function renderSources(mirrors: DebianMirrors, suite: string): string {
  const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
  let text = `Types: deb\nURIs: ${mirrors.main}\nSuites: ${mirrors.mainSuites.join(' ') || suite}\nComponents: main\nSigned-By: ${keyring}\n`;
  if (mirrors.security) {
    text += `\nTypes: deb\nURIs: ${mirrors.security}\nSuites: ${suite}-security\nComponents: main\nSigned-By: ${keyring}\n`;
  }
  return text;
}

/** Every apt source configured on this machine (`/etc/apt/sources.list` and `sources.list.d/`). */
export async function readHostAptSources(root = '/etc/apt'): Promise<AptSource[]> {
  const out: AptSource[] = [];
  const list = await readFile(path.join(root, 'sources.list'), 'utf8').catch(() => '');
  out.push(...parseOneLineSources(list));
  const dir = path.join(root, 'sources.list.d');
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.sort()) {
    const text = await readFile(path.join(dir, name), 'utf8').catch(() => '');
    if (name.endsWith('.sources')) out.push(...parseDeb822Sources(text));
    else if (name.endsWith('.list')) out.push(...parseOneLineSources(text));
  }
  return out;
}

/**
 * The apt options of this machine the rootfs must share to reach the same
 * mirror (a proxy; a snapshot archive whose Release files are past their
 * Valid-Until date), from `apt-config dump` output.
 */
export function carriedAptOptions(aptConfigDump: string): string {
  const keep = /^(Acquire::(?:https?::Proxy|Check-Valid-Until|Check-Date)(?:::\S+)?)\s+"([^"]*)";$/;
  return aptConfigDump
    .split('\n')
    .map((l) => keep.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} "${m[2]}";`)
    .join('\n');
}
