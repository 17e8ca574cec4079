/**
 * `baton init DIR --template NAME`: a new experiment from a template folder,
 * with the workspace as a git repository holding PROMPT.md and a first commit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { experimentPaths } from '../experiment.js';
import { validateSpecText } from '../spec/validate.js';
import { InputError } from '../errors.js';
import { Repo } from '../workspace/git.js';
import { promptFile } from '../workspace/prompt-file.js';

import { TEMPLATES_DIR, templateNames } from '../catalog.js';

export { TEMPLATES_DIR, templateNames };
export const SCHEMA_FILE = path.join(PACKAGE_ROOT, 'baton.schema.json');

export interface InitOptions {
  template: string;
  force?: boolean;
  name?: string;
}

export interface InitResult {
  dir: string;
  files: string[];
  commit: string;
}

/** Creates the experiment; refuses a non-empty folder unless `force`. */
export async function initExperiment(dir: string, options: InitOptions): Promise<InitResult> {
  const names = templateNames();
  if (!names.includes(options.template)) {
    throw new UserError(`unknown template "${options.template}"; the templates are: ${names.join(', ')}`, {
      code: 'BATON_INPUT_INVALID',
      context: { template: options.template, known: names },
    });
  }
  const paths = experimentPaths(dir);
  if (fs.existsSync(paths.root) && fs.readdirSync(paths.root).length > 0 && !options.force) {
    throw new UserError(`${dir} is not empty; baton init creates a new experiment. Use --force to write into it anyway.`, {
      code: 'BATON_INPUT_INVALID',
      context: { dir },
    });
  }
  const name = options.name ?? slug(path.basename(paths.root));
  const source = path.join(TEMPLATES_DIR, options.template);
  const specText = fs
    .readFileSync(path.join(source, 'baton.yaml'), 'utf8')
    .replace('{{schema_line}}', `yaml-language-server: $schema=${SCHEMA_FILE}`)
    .replace('{{name}}', name);
  // Validate before writing anything, so a broken template never leaves files behind.
  const { spec, problems } = validateSpecText(specText, path.join(dir, 'baton.yaml'));
  if (!spec) throw new InputError(problems, { code: 'BATON_INTERNAL' });

  fs.mkdirSync(paths.root, { recursive: true });
  const files: string[] = [];
  copyTree(source, paths.root, (rel) => rel !== 'baton.yaml', files);
  fs.writeFileSync(paths.spec, specText);
  files.push('baton.yaml');
  fs.mkdirSync(paths.oracleDir, { recursive: true });
  fs.mkdirSync(paths.workspace, { recursive: true });
  fs.writeFileSync(path.join(paths.workspace, 'PROMPT.md'), promptFile(spec));
  files.push('workspace/PROMPT.md');
  fs.writeFileSync(path.join(paths.root, '.gitignore'), '.baton/\n');
  const repo = fs.existsSync(path.join(paths.workspace, '.git')) ? new Repo(paths.workspace) : await Repo.init(paths.workspace);
  const commit = await repo.commitAll(`baton: new experiment ${name} from template ${options.template}`);
  return { dir: paths.root, files: files.sort(), commit };
}

function copyTree(from: string, to: string, keep: (rel: string) => boolean, files: string[], rel = ''): void {
  for (const entry of fs.readdirSync(path.join(from, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${entry.name}` : entry.name;
    if (!keep(r)) continue;
    if (entry.isDirectory()) {
      fs.mkdirSync(path.join(to, r), { recursive: true });
      copyTree(from, to, keep, files, r);
    } else {
      fs.copyFileSync(path.join(from, r), path.join(to, r));
      files.push(r);
    }
  }
}

function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z]+/, '');
  return s || 'experiment';
}
