/** `baton sandbox build|sweep|doctor`. */
import type { Command } from 'commander';
import { experimentPaths } from '../../experiment.js';
import { formatDuration } from '../../spec/units.js';
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from '../context.js';

export function registerSandbox(program: Command, { io, setCode }: CommandContext): void {
  const sandbox = program.command('sandbox').description('the sandbox images and containers');
  sandbox
    .command('build')
    .description('build the baton-base and baton-browser images (reused when their recipe is unchanged)')
    .option('--force', 'rebuild even when the recipe is unchanged')
    .option('--only <image>', 'build only baton-base or baton-browser')
    .option('--host <url>', "build on a Docker engine over SSH (ssh://user@host[:port]), as sandbox.hosts names it, instead of this machine's")
    .option('--identity <file>', 'with --host: the private key (default: ~/.ssh/id_ed25519, id_ecdsa or id_rsa, and ssh-agent)')
    .option('--known-hosts <file>', "with --host: the file with the host's key (default ~/.ssh/known_hosts)")
    .action(async (opts: { force?: boolean; only?: string; host?: string; identity?: string; knownHosts?: string }) => {
      const { buildImages } = await import('../../sandbox/index.js');
      const started = Date.now();
      const engine = opts.host
        ? (await import('../../sandbox/remote-docker-probe.js')).sshEngines(
            [opts.host],
            { identity: opts.identity, known_hosts: opts.knownHosts },
            () => '--host',
          )[0]
        : undefined;
      try {
        const result = await buildImages({
          force: opts.force,
          images: opts.only ? [opts.only as 'baton-base'] : undefined,
          onProgress: (p) => io.err(`[${p.image}] ${p.message}`),
          ...(engine ? { docker: engine.docker } : {}),
        });
        for (const image of result.images) io.out(`${image.name}: ${image.status} (${image.id.slice(0, 19)})${opts.host ? ` on ${opts.host}` : ''}`);
        io.out(`done in ${formatDuration(Date.now() - started)}`);
      } finally {
        await engine?.close();
      }
    });
  sandbox
    .command('sweep')
    .description("remove baton's containers whose owner process is gone")
    .action(async () => {
      const { sweep } = await import('../../sandbox/index.js');
      const r = await sweep();
      io.out(`removed ${r.removed.length} container(s)${r.removed.length ? `: ${r.removed.join(', ')}` : ''}; left ${r.kept.length} of live owners`);
    });
  sandbox
    .command('doctor [dir]')
    .description('what works, what is missing, and what to do about it; with an experiment folder, which isolation its spec gets here')
    .action(async (dir?: string) => {
      const { doctor } = await import('../../sandbox/index.js');
      const { loadExperiment } = await import('../../spec/check.js');
      const experiment = dir ? loadExperiment(dir) : undefined;
      const report = await doctor(
        undefined,
        experiment && { specFile: experimentPaths(dir!).spec, sandbox: experiment.sandbox, workspace: experimentPaths(dir!).workspace },
      );
      for (const f of report.findings) {
        io.out(`${f.status === 'ok' ? 'ok  ' : f.status === 'warn' ? 'warn' : 'FAIL'}  ${f.check}: ${f.message}`);
        if (f.fix) io.out(`      fix: ${f.fix}`);
      }
      io.out(
        report.dockerReady
          ? 'Docker sandboxes are ready.'
          : report.localIsolated
            ? 'Docker is not ready: specs with sandbox.kind docker will not run; kind local runs under bubblewrap.'
            : 'Neither Docker nor bubblewrap is ready: no spec will run unless it opts in to plain processes.',
      );
      if (report.spec) {
        if ('refused' in report.spec) {
          io.out(`FAIL  ${report.spec.spec}: baton run would refuse: ${report.spec.refused}`);
          setCode(EXIT.badInput);
          return;
        }
        io.out(`ok    ${report.spec.spec} gets: ${report.spec.text}`);
        return;
      }
      if (!report.dockerReady) setCode(EXIT.internal);
    });
}
