/** `baton status`, `baton log`, `baton report`: read the run's state, never change it (report writes outside the workspace only). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { experimentPaths, iterationTag } from '../../experiment.js';
import { fmt } from '../../judge/judge.js';
import { primaryMetric } from '../../judge/metrics.js';
import { formatDuration } from '../../spec/units.js';
import { runStateOf } from '../../state/run-state.js';
import type { CommandContext } from '../context.js';
import { table } from '../table.js';

export function registerStatus(program: Command, { io }: CommandContext): void {
  program
    .command('status')
    .description('the run: state, iteration, metrics against thresholds, budget used and left, last verdicts')
    .argument('[dir]', 'the experiment folder', '.')
    .option('--json', 'machine-readable output')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const { spec, readStatus } = await loadForReading(dir);
      const s = readStatus(spec, experimentPaths(dir));
      for (const w of s.warnings) io.err(`baton: warning: ${w}`);
      if (opts.json) return io.out(JSON.stringify(s, null, 2));
      const who = s.holder ? ` (pid ${s.holder.pid} on ${s.holder.host})` : '';
      io.out(`${s.name}: ${s.state}${who}${s.reason ? `: ${s.reason}` : ''}`);
      const money = s.budget.usd !== undefined ? `, $${s.used.usd.toFixed(2)} of $${s.budget.usd}` : s.used.usd ? `, $${s.used.usd.toFixed(2)}` : '';
      io.out(
        `iteration ${s.iteration} of ${s.budget.iterations}, ${formatDuration(s.elapsedMs)} of ${formatDuration(s.budget.timeMs)}${money}, ${s.used.tokens} tokens`,
      );
      io.out('');
      io.out(
        table(
          ['metric', 'baseline', 'best', 'latest', 'threshold', 'holds'],
          s.metrics.map((m) => [m.metric, fmt(m.baseline), fmt(m.best), fmt(m.latest), m.threshold, m.holds ? 'yes' : 'no']),
        ),
      );
      if (s.lanes.length) {
        io.out('');
        const ago = (at: string) => formatDuration(Math.max(0, Date.now() - new Date(at).getTime()));
        io.out(
          table(
            ['lane', 'session', 'task', 'step', 'since'],
            s.lanes.map((l) => [
              String(l.lane),
              l.key,
              l.task ?? '(the whole goal)',
              l.step === 'judged' ? `judged as iteration ${l.iteration}` : l.step,
              `${ago(l.since)} ago`,
            ]),
          ),
        );
      }
      const last = s.entries.slice(-5).reverse();
      if (last.length) {
        io.out('');
        for (const e of last) io.out(`#${e.iteration}${e.lane !== undefined ? ` (lane ${e.lane})` : ''} ${e.verdict}: ${e.reason}`);
      }
    });
}

export function registerLog(program: Command, { io }: CommandContext): void {
  program
    .command('log')
    .description('one line per iteration: verdict, key metric and its change, cost, duration, summary')
    .argument('[dir]', 'the experiment folder', '.')
    .option('--session <n>', 'print the transcript of session N instead')
    .action(async (dir: string, opts: { session?: string }) => {
      const { spec, readStatus } = await loadForReading(dir);
      const paths = experimentPaths(dir);
      if (opts.session !== undefined) {
        const n = Number(opts.session);
        if (!/^\d+$/.test(opts.session) || !Number.isSafeInteger(n) || n < 1) {
          throw new UserError(`--session ${opts.session}: expected a session number such as 1 (found ${JSON.stringify(opts.session)})`, {
            code: 'BATON_INPUT_INVALID',
          });
        }
        const file = path.join(paths.transcripts, `${iterationTag(n)}.jsonl`);
        if (!Number.isInteger(n) || !fs.existsSync(file)) {
          throw new UserError(`no transcript of session ${opts.session} (looked for ${file})`, { code: 'BATON_FILE_NOT_FOUND' });
        }
        const { readTranscript } = await import('../../workers/transcript.js');
        for (const e of readTranscript(file)) {
          const { v: _v, at, type, ...rest } = e;
          io.out(`${at} ${type} ${JSON.stringify(rest)}`);
        }
        return;
      }
      const s = readStatus(spec, paths);
      const primary = primaryMetric(spec);
      // The lane column only when some iteration has one (a run with lanes).
      const lanes = s.entries.some((e) => e.lane !== undefined);
      io.out(
        table(
          ['#', ...(lanes ? ['lane'] : []), 'verdict', primary, 'change', 'cost', 'duration', 'summary'],
          s.entries.map((e) => [
            String(e.iteration),
            ...(lanes ? [e.lane === undefined ? '' : String(e.lane)] : []),
            e.verdict,
            fmt(e.primary),
            e.previous !== undefined && e.primary !== undefined && e.previous !== 0 ? `×${fmt(e.primary / e.previous)}` : '',
            `$${e.usd.toFixed(2)}`,
            formatDuration(e.durationMs),
            e.summary.split('\n')[0].slice(0, 60),
          ]),
        ),
      );
    });
}

export function registerReport(program: Command, { io }: CommandContext): void {
  program
    .command('report')
    .description('regenerate REPORT.md, metrics.csv and the plots from the ledger alone')
    .argument('[dir]', 'the experiment folder', '.')
    .option('--out <dir>', 'write here instead of <experiment>/reports (never inside the workspace)')
    .option('--html', 'also write a self-contained, interactive report.html')
    .action(async (dir: string, opts: { out?: string; html?: boolean }) => {
      const { spec, readStatus } = await loadForReading(dir);
      const paths = experimentPaths(dir);
      const { readJsonl } = await import('../../state/jsonl.js');
      const { LedgerRecord } = await import('../../ledger/record.js');
      const { records, warnings } = readJsonl(paths.ledger, LedgerRecord);
      for (const w of warnings) io.err(`baton: warning: ${w}`);
      if (records.length === 0) throw new UserError(`${paths.ledger}: no measurements yet; run \`baton run ${dir}\` first`, { code: 'BATON_FILE_NOT_FOUND' });
      const s = readStatus(spec, paths);
      // Never into the workspace: a file there is the next session's change (judged tamper), or a live session's.
      // The run keeps workspace/reports (binned) current itself.
      const { reportTarget } = await import('../../report/out-dir.js');
      const outDir = await reportTarget(paths, opts.out);
      // The run's own report step: the same function and inputs, so this report equals the one the run committed.
      const { regenerateReport } = await import('../../report/index.js');
      const result = await regenerateReport({
        spec,
        records,
        state: runStateOf(s.state),
        paths,
        outDir,
        detail: 'full',
        html: opts.html,
        onProgress: io.isTTY ? (done, total, label) => io.err(`[${done}/${total}] ${label}`) : undefined,
      });
      for (const w of result.warnings) io.err(`baton: warning: ${w}`);
      io.out(`wrote ${result.files.length} files to ${outDir}`);
      io.out(`report: ${path.join(outDir, 'REPORT.md')}`);
    });
}

/** The spec and the state reader, imported on use (start-up loads only what the command runs). */
async function loadForReading(dir: string) {
  const [{ loadExperiment }, { readStatus }] = await Promise.all([import('../../spec/check.js'), import('../../run/status.js')]);
  return { spec: loadExperiment(dir), readStatus };
}
