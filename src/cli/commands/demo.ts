/** `baton demo`: run a bundled experiment from a clean copy and say where its report is. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { bundledExperiments, WORKER_KINDS } from '../../catalog.js';
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from '../context.js';
import { printEvent } from './run.js';

export function registerDemo(program: Command, { io, setCode }: CommandContext): void {
  program
    .command('demo')
    .description(`run a bundled experiment to the end with its replay worker (${bundledExperiments().join(', ') || 'none bundled'})`)
    .argument('[name]', 'which experiment', 'class-pk')
    .option('--dir <dir>', 'where to put the copy (default ./baton-demo/NAME)')
    .option('--worker <kind>', `use this worker instead of the experiment's replay script (${WORKER_KINDS.join(' | ')})`)
    .option('--model <id>', "the anthropic worker's model")
    .action(async (name: string, opts: { dir?: string; worker?: string; model?: string }) => {
      const { runDemo } = await import('../../run/demo.js');
      const { withWorker } = await import('../../workers/index.js');
      const dir = path.resolve(opts.dir ?? path.join('baton-demo', name));
      let lastBuild = 0;
      const r = await runDemo({
        name,
        dir,
        adjustSpec: opts.worker || opts.model ? (spec) => withWorker(spec, opts.worker ?? spec.worker.kind, opts.model) : undefined,
        onEvent: (e) => printEvent(io, e),
        onBuild: (p) => {
          if (Date.now() - lastBuild > 3000) {
            lastBuild = Date.now();
            io.err(`[${p.image}] ${p.message.slice(0, 120)}`);
          }
        },
      });
      const reports = path.join(dir, 'workspace', 'reports');
      io.out('');
      io.out(`${r.state}: ${r.reason} (after ${r.iterations} iterations, ${r.sandbox} sandbox)`);
      io.out(`report:  ${path.join(reports, 'REPORT.md')}`);
      const plots = fs.existsSync(path.join(reports, 'plots')) ? fs.readdirSync(path.join(reports, 'plots')).filter((f) => f.endsWith('.png')) : [];
      io.out(`plots:   ${plots.map((p) => path.join(reports, 'plots', p)).join('\n         ')}`);
      io.out(`history: git -C ${path.join(dir, 'workspace')} log --stat   ·   baton log ${dir}   ·   baton status ${dir}`);
      setCode(
        r.state === 'met'
          ? EXIT.ok
          : r.state === 'budget'
            ? EXIT.budget
            : r.state === 'stalled'
              ? EXIT.stalled
              : r.state === 'interrupted'
                ? EXIT.interrupted
                : EXIT.internal,
      );
    });
}
