import * as path from 'node:path';
import { execa, type Result } from 'execa';
import { ROOT } from './tmp.js';

export const BATON_BIN = path.join(ROOT, 'bin', 'baton.js');

/** Runs the built `baton` as a user types it; never throws on a non-zero exit. */
export function baton(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeout?: number },
): Promise<Result<{ reject: false; stdin: 'ignore' }>> {
  return execa('node', [BATON_BIN, ...args], {
    cwd: options.cwd,
    env: options.env,
    reject: false,
    timeout: options.timeout ?? 120_000,
    stdin: 'ignore',
  });
}
