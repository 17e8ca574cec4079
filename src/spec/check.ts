/**
 * `baton check`: everything that can be validated without running anything:
 * the spec, the files it references, the workspace repository. Every problem
 * is reported at once; nothing is written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { missingCredentials } from './credentials.js';
import { InputError, type Problem } from '../errors.js';
import { experimentPaths } from '../experiment.js';
import type { CheckFindings } from '../oracles/descriptor.js';
import { oracleKindOf, oraclesByKind } from '../oracles/registry.js';
import { protectedGlobs } from './protected.js';
import type { Spec } from './schema.js';
import { formatPath, lineFinder, validateSpecText } from './validate.js';
import { checkExpose, checkReferences, checkReplayScript } from './check-inputs.js';

export interface CheckResult {
  spec?: Spec;
  problems: Problem[];
  /** What is allowed but weak (e.g. metrics from a candidate-controlled process); shown, never refused. */
  warnings: Problem[];
}

/**
 * What to say when the experiment path is not a folder: a user who names the
 * spec file (`baton run exp/baton.yaml`) is told to name its folder, not to
 * create a new experiment.
 */
function notAFolder(root: string, shown: string): Problem {
  if (fs.existsSync(root)) {
    const folder = path.relative(process.cwd(), path.dirname(root)) || '.';
    const isSpec = path.basename(root) === 'baton.yaml';
    return {
      file: shown,
      where: 'folder',
      message: `expected an experiment folder, found a file`,
      hint: isSpec ? `give the folder that holds it instead: ${folder}` : 'name the folder that holds baton.yaml',
    };
  }
  return { file: shown, where: 'folder', message: 'no such experiment folder', hint: 'create one with: baton init DIR' };
}

/** Validates the experiment at `dir` and returns every problem found. */
export function checkExperiment(dir: string): CheckResult {
  const paths = experimentPaths(dir);
  const rel = (p: string): string => path.relative(process.cwd(), p) || '.';
  if (!fs.existsSync(paths.root) || !fs.statSync(paths.root).isDirectory()) {
    return { warnings: [], problems: [notAFolder(paths.root, rel(paths.root))] };
  }
  if (!fs.existsSync(paths.spec)) {
    return {
      warnings: [],
      problems: [
        {
          file: rel(paths.spec),
          where: 'file',
          message: 'no baton.yaml in the experiment folder',
          hint: `create one with: baton init ${rel(paths.root)} --force`,
        },
      ],
    };
  }
  const specFile = rel(paths.spec);
  const text = readSpecText(paths.spec, specFile);
  if (typeof text !== 'string') return { warnings: [], problems: [text] };
  const { spec, problems } = validateSpecText(text, specFile);
  const lineOf = lineFinder(text);
  const fileProblems = spec
    ? [...checkFiles(spec, paths.root, specFile), ...checkExpose(spec, paths.root, specFile, lineOf), ...checkReplayScript(spec, paths.root)]
    : [];
  const workspaceProblems = checkWorkspace(paths.workspace, rel(paths.workspace));
  const commands = spec ? kindFindings(spec, paths, specFile) : { errors: [], warnings: [] };
  const warnings = commands.warnings;
  const all = [...problems, ...fileProblems, ...commands.errors, ...workspaceProblems];
  return all.length ? { problems: all, warnings } : { spec, problems: [], warnings };
}

/** The regular file at a host path, if there is one, and whether it is executable. */
function fileAt(abs: string): { executable: boolean } | undefined {
  try {
    const st = fs.statSync(abs);
    return st.isFile() ? { executable: (st.mode & 0o111) !== 0 } : undefined;
  } catch {
    return undefined;
  }
}

/** Each oracle kind's own `baton check` rules (a command oracle's commands, a benchmark's `time: json`), kind by kind. */
function kindFindings(spec: Spec, dirs: { workspace: string; oracleDir: string }, specFile: string): CheckFindings {
  const isProtected = picomatch(protectedGlobs(spec), { dot: true });
  const findings = oraclesByKind(spec.oracles).map(
    ({ oracle, index, kind }) =>
      kind.check?.(oracle, { index, specFile, workspace: dirs.workspace, oracleDir: dirs.oracleDir, isProtected, fileAt }) ?? { errors: [], warnings: [] },
  );
  return { errors: findings.flatMap((f) => f.errors), warnings: findings.flatMap((f) => f.warnings) };
}

/**
 * checkExperiment, and then what needs reading the referenced files as the
 * run will (reference tables, their columns): what `baton check` runs.
 */
export async function checkExperimentInputs(dir: string): Promise<CheckResult> {
  const result = checkExperiment(dir);
  if (!result.spec) return result;
  const paths = experimentPaths(dir);
  const specFile = path.relative(process.cwd(), paths.spec) || paths.spec;
  const problems = await checkReferences(result.spec, paths, specFile, lineFinder(fs.readFileSync(paths.spec, 'utf8')));
  const key = missingCredentials(result.spec, process.env);
  if (key) {
    problems.push({
      file: specFile,
      where: key.where,
      message: key.message,
      hint: 'export ANTHROPIC_API_KEY=... in the shell that runs baton (it stays in the harness and never enters a sandbox), or run with another worker: baton run DIR --worker replay',
    });
  }
  return problems.length ? { problems, warnings: result.warnings } : result;
}

/** The text of baton.yaml, or the problem that it is not a readable file. */
function readSpecText(file: string, shown: string): string | Problem {
  try {
    if (!fs.statSync(file).isFile())
      return { file: shown, where: 'file', message: 'baton.yaml is not a file', expected: 'a YAML file', found: 'a folder (or another non-file)' };
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    return {
      file: shown,
      where: 'file',
      message: `cannot read baton.yaml (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      expected: 'a readable YAML file',
    };
  }
}

/** Like checkExperiment, but throws an InputError listing every problem. */
export function loadExperiment(dir: string): Spec {
  const { spec, problems } = checkExperiment(dir);
  if (!spec || problems.length) throw new InputError(problems, { code: 'BATON_SPEC_INVALID' });
  return spec;
}

function checkFiles(spec: Spec, root: string, specFile: string): Problem[] {
  const problems: Problem[] = [];
  const need = (rel: string, where: string, kind: 'file' | 'folder'): void => {
    const abs = path.resolve(root, rel);
    const inside = !path.relative(root, abs).startsWith('..');
    if (!inside) {
      problems.push({
        file: specFile,
        where,
        message: `${kind} outside the experiment folder`,
        found: rel,
        hint: 'copy it into the experiment (e.g. under oracle/) so the run is self-contained',
      });
      return;
    }
    const exists = fs.existsSync(abs) && (kind === 'file' ? fs.statSync(abs).isFile() : fs.statSync(abs).isDirectory());
    if (!exists) problems.push({ file: specFile, where, message: `${kind} not found: ${rel}`, expected: `a ${kind} at ${abs}` });
  };
  spec.oracles.forEach((o, i) => {
    for (const f of oracleKindOf(o).referencedFiles?.(o) ?? []) need(f.path, formatPath(['oracles', i, ...f.key]), f.type);
  });
  if (spec.worker.kind === 'replay') need(spec.worker.script, 'worker.script', 'file');
  return problems;
}

function checkWorkspace(workspace: string, shown: string): Problem[] {
  if (!fs.existsSync(workspace)) {
    return [
      {
        file: shown,
        where: 'folder',
        message: 'the workspace folder is missing',
        expected: 'a git repository at workspace/',
        hint: 'baton init creates one; or: git init workspace',
      },
    ];
  }
  if (!fs.existsSync(path.join(workspace, '.git'))) {
    return [
      {
        file: shown,
        where: 'folder',
        message: 'the workspace is not a git repository',
        hint: `run: git -C ${shown} init && git -C ${shown} commit --allow-empty -m init`,
      },
    ];
  }
  return [];
}
