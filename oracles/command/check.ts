/**
 * `baton check`'s rules for the commands of command oracles (security
 * audit, issue 12, finding 6). The workspace is the worker's: a script there
 * that the oracle runs is a script the worker can rewrite to print whatever
 * metrics it likes. And the one-command form (`run` without `evaluate`) takes
 * its metrics from a process that also runs the candidate's code, which can
 * print a forged line and exit. Pure: which workspace files exist is asked
 * of the context.
 */
import * as path from 'node:path';
import type { Problem } from '../../src/errors.js';
import type { CheckContext, CheckFindings } from '../../src/oracles/descriptor.js';
import type { CommandOracleSpec } from '../../src/spec/schema.js';

/** Words of a shell command that may name files: quotes removed, operators and options dropped. */
export function commandWords(command: string): string[] {
  return command
    .split(/[\s;&|()<>`]+/)
    .map((w) => w.replace(/^['"]+|['"]+$/g, ''))
    .filter((w) => w !== '' && !w.startsWith('-') && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
}

/** Module names after `-m` (python3 -m pkg.mod) as the workspace files they would load. */
function moduleFiles(command: string): string[] {
  return [...command.matchAll(/(?:^|\s)-m\s+([A-Za-z_][\w.]*)/g)].flatMap((m) => {
    const base = m[1].replace(/\./g, '/');
    return [`${base}.py`, `${base}/__init__.py`, `${base}/__main__.py`];
  });
}

const WORKSPACE_PREFIXES = ['/workspace/', '$BATON_WORKSPACE/', '${BATON_WORKSPACE}/'];

/** The workspace-relative path a word names, if it names one: absolute under /workspace, or relative when cwd is the workspace. */
function workspaceRel(word: string, cwdIsWorkspace: boolean): string | undefined {
  const prefix = WORKSPACE_PREFIXES.find((p) => word.startsWith(p));
  const rel =
    prefix !== undefined
      ? word.slice(prefix.length)
      : cwdIsWorkspace && !word.startsWith('/') && !word.startsWith('$') && !word.startsWith('~')
        ? word
        : undefined;
  if (rel === undefined) return undefined;
  const norm = path.posix.normalize(rel);
  return norm.startsWith('..') || norm === '.' ? undefined : norm;
}

/** Extensions of files an interpreter runs; naming a data file (a .json, a .dat) as input is not running it. */
const CODE_EXTENSIONS = /\.(py|pyc|pyw|sh|bash|zsh|js|mjs|cjs|ts|mts|rb|pl|php|lua|r|jl|tcl|awk|sed|so)$/i;

/** Workspace code files a command names (as words or `-m` modules), relative to the workspace; data files it reads are not counted. */
function namedWorkspaceFiles(command: string, ctx: CheckContext, cwdIsWorkspace: boolean): string[] {
  const rels = commandWords(command).map((w) => workspaceRel(w, cwdIsWorkspace));
  const mods = cwdIsWorkspace ? moduleFiles(command) : [];
  // A file runs as code when its extension names a script or it is executable.
  const isCode = (r: string): boolean => {
    const file = ctx.fileAt(path.join(ctx.workspace, r));
    return file !== undefined && (CODE_EXTENSIONS.test(r) || file.executable);
  };
  return [...new Set([...rels, ...mods].filter((r): r is string => r !== undefined && isCode(r)))];
}

/** Every finding about one command oracle's commands, given the experiment's workspace/ and oracle/ folders. */
export function checkOracleCommands(o: CommandOracleSpec, ctx: CheckContext): CheckFindings {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const { workspace, oracleDir, specFile, isProtected, index: i } = ctx;
  const isFile = (abs: string): boolean => ctx.fileAt(abs) !== undefined;
  const id = JSON.stringify(o.id);
  if (o.evaluate === undefined) {
    for (const rel of namedWorkspaceFiles(o.run, ctx, true)) {
      if (isProtected(rel)) continue;
      errors.push({
        file: specFile,
        where: `oracles[${i}].run`,
        message: `oracle ${id} runs the workspace file ${rel} as its oracle: the worker can rewrite it to print any metrics`,
        found: o.run,
        hint: `move ${rel} to oracle/ and measure with \`evaluate:\` (it runs in a root-only copy of oracle/), e.g. run: <the candidate's command>, evaluate: ${o.run}`,
      });
    }
    warnings.push({
      file: specFile,
      where: `oracles[${i}].run`,
      message: `oracle ${id} takes its metrics from a candidate-controlled process: \`run\` alone runs the candidate's code in the process that prints the metrics line, so that code can print a forged line and exit`,
      hint: "split it: `run` writes the candidate's outputs to $BATON_OUT, `evaluate` (a script in oracle/) reads them and prints the metrics",
    });
    return { errors, warnings };
  }
  for (const rel of namedWorkspaceFiles(o.evaluate, ctx, false)) {
    errors.push({
      file: specFile,
      where: `oracles[${i}].evaluate`,
      message: `oracle ${id} evaluates with the workspace file ${rel}: evaluate would run the candidate's code as root`,
      found: o.evaluate,
      hint: `keep the evaluating script in oracle/ and read the workspace only as data`,
    });
  }
  // evaluate runs in the copy of oracle/: a relative script that is only in the workspace was meant to be the workspace's.
  for (const word of commandWords(o.evaluate)) {
    if (/^[/$~]/.test(word)) continue;
    const rel = workspaceRel(word, true);
    if (rel === undefined || isFile(path.join(oracleDir, rel)) || !isFile(path.join(workspace, rel))) continue;
    errors.push({
      file: specFile,
      where: `oracles[${i}].evaluate`,
      message: `oracle ${id}: evaluate runs in the oracle/ folder, which has no ${rel}; the workspace file ${rel} is the worker's, not the oracle's`,
      found: o.evaluate,
      hint: `move ${rel} to oracle/${rel}`,
    });
  }
  return { errors, warnings };
}
