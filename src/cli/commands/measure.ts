/** `baton measure`: every metric with its threshold and pass/fail, or JSON. */
import type { Command } from 'commander';
import { fmt } from '../../judge/judge.js';
import { holds, parseThreshold } from '../../spec/threshold.js';
import { formatDuration } from '../../spec/units.js';
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from '../context.js';
import { table } from '../table.js';

export function registerMeasure(program: Command, { io, setCode }: CommandContext): void {
  program
    .command('measure')
    .description('measure the workspace once with every oracle, no agent (exit 0 met, 5 not met, 1 infrastructure failure)')
    .argument('[dir]', 'the experiment folder', '.')
    .option('--json', 'machine-readable output')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const { measureOnce } = await import('../../run/measure-once.js');
      const r = await measureOnce(dir);
      for (const w of r.sandboxWarnings) io.err(`baton: warning: ${w}`);
      const rows = Object.entries(r.spec.thresholds).map(([metric, text]) => {
        const value = r.metrics[metric];
        return { metric, value, threshold: text, pass: holds(parseThreshold(text)!, value) };
      });
      const met = rows.every((x) => x.pass) && r.measurements.every((m) => m.status === 'ok');
      const infra = r.measurements.some((m) => m.status === 'error' && /sandbox/i.test(m.reason ?? ''));
      if (opts.json) {
        io.out(JSON.stringify({ met, thresholds: rows, metrics: r.metrics, measurements: r.measurements, durationMs: r.durationMs }, null, 2));
      } else {
        for (const m of r.measurements) {
          io.out(`${m.oracle}: ${m.status} in ${formatDuration(m.durationMs)}${m.reason ? `: ${m.reason}` : ''}`);
        }
        io.out('');
        io.out(
          table(
            ['metric', 'value', 'threshold', 'pass'],
            rows.map((x) => [x.metric, fmt(x.value), x.threshold, x.pass ? 'yes' : 'NO']),
          ),
        );
        const others = Object.keys(r.metrics)
          .filter((k) => !(k in r.spec.thresholds))
          .sort();
        if (others.length) {
          io.out('');
          io.out(
            table(
              ['other metric', 'value'],
              others.map((k) => [k, fmt(r.metrics[k])]),
            ),
          );
        }
      }
      setCode(infra ? EXIT.internal : met ? EXIT.ok : EXIT.notMet);
    });
}
