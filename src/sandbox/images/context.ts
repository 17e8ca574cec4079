/** Build contexts as tar streams (tar-stream), from files on disk. */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pack, type Pack } from 'tar-stream';

/** A file or folder to put in a context: `from` on disk, at `to` in the archive. */
export interface ContextEntry {
  from: string;
  to: string;
}

/** A tar stream of the entries (folders recursively, symlinks kept as links). */
export function contextTar(entries: ContextEntry[]): NodeJS.ReadableStream {
  const tar = pack();
  (async () => {
    for (const e of entries) await addPath(tar, e.from, e.to);
    tar.finalize();
  })().catch((err: unknown) => tar.destroy(err as Error));
  return tar as unknown as NodeJS.ReadableStream;
}

async function addPath(tar: Pack, from: string, to: string): Promise<void> {
  const st = await stat(from);
  if (st.isDirectory()) {
    tar.entry({ name: to, type: 'directory', mode: 0o755 });
    for (const name of (await readdir(from)).sort()) await addPath(tar, path.join(from, name), `${to}/${name}`);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const entry = tar.entry({ name: to, size: st.size, mode: st.mode & 0o777 }, (err) => (err ? reject(err) : resolve()));
    createReadStream(from).on('error', reject).pipe(entry);
  });
}
