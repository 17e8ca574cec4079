import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh temporary folder, removed by the returned cleanup. */
export function tmpDir(prefix = 'baton-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const CLASS_DIR = path.resolve(ROOT, '..', 'shared', 'reference-data', 'class');
