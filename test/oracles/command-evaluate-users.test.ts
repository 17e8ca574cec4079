/**
 * The command oracle's `evaluate` runs as another user than the candidate's
 * code; it asks the sandbox whether it can (SandboxHandle.execAsUser), not
 * which kind it is. A sandbox that runs every command as one user (the
 * local one, or any kind that does not say it can) is refused before
 * anything runs. Fails if the oracle stops asking.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { commandOracle } from '../../oracles/command/index.js';
import { fakeContext, removeFakeContexts } from './host-sandbox.js';

afterAll(removeFakeContexts);

describe('command oracle: evaluate needs a sandbox with more than one user', () => {
  it('refuses a sandbox that cannot run a command as another user, running nothing', async () => {
    const { ctx, log } = fakeContext({ id: 'check', kind: 'command', timeout: '60s', run: 'true', evaluate: 'echo \'{"score": 1}\'' });
    const m = await commandOracle.measure(ctx);
    expect(m.status).toBe('error');
    expect(m.reason).toMatch(/evaluate.*another user than the candidate.*the local sandbox cannot/);
    expect(log).toEqual([]);
  });
});
