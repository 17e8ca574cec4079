/** The installed package's folder (templates/, containers/, baton.schema.json), from src/ or dist/src/ alike. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    // Published as baton-harness (the registry's `baton` is another package); its command is still `baton`.
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).bin?.baton) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`baton's package.json not found above ${start}`);
    dir = up;
  }
}

export const PACKAGE_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));
