/** `baton sandbox build|sweep|doctor`. */
import type { Command } from 'commander';
import { buildImages, doctor, sweep } from '../../sandbox/index.js';
import { formatDuration } from '../../spec/units.js';
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from '../main.js';

export function registerSandbox(program: Command, { io, setCode }: CommandContext): void {
  const sandbox = program.command('sandbox').description('the sandbox images and containers');
  sandbox
    .command('build')
    .description('build the baton-base and baton-browser images (reused when their recipe is unchanged)')
    .option('--force', 'rebuild even when the recipe is unchanged')
    .option('--only <image>', 'build only baton-base or baton-browser')
    .action(async (opts: { force?: boolean; only?: string }) => {
      const started = Date.now();
      const result = await buildImages({
        force: opts.force,
        images: opts.only ? [opts.only as 'baton-base'] : undefined,
        onProgress: (p) => io.err(`[${p.image}] ${p.message}`),
      });
      for (const image of result.images) io.out(`${image.name}: ${image.status} (${image.id.slice(0, 19)})`);
      io.out(`done in ${formatDuration(Date.now() - started)}`);
    });
  sandbox
    .command('sweep')
    .description("remove baton's containers whose owner process is gone")
    .action(async () => {
      const r = await sweep();
      io.out(`removed ${r.removed.length} container(s)${r.removed.length ? `: ${r.removed.join(', ')}` : ''}; left ${r.kept.length} of live owners`);
    });
  sandbox
    .command('doctor')
    .description('what works, what is missing, and what to do about it')
    .action(async () => {
      const report = await doctor();
      for (const f of report.findings) {
        io.out(`${f.status === 'ok' ? 'ok  ' : f.status === 'warn' ? 'warn' : 'FAIL'}  ${f.check}: ${f.message}`);
        if (f.fix) io.out(`      fix: ${f.fix}`);
      }
      io.out(report.dockerReady ? 'Docker sandboxes are ready.' : report.localIsolated ? 'Docker is not ready; runs will use the local bubblewrap sandbox.' : 'Neither Docker nor bubblewrap is ready: commands would run without isolation.');
      if (!report.dockerReady) setCode(EXIT.internal);
    });
}
