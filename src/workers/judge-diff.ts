/**
 * What the model judge sees of the candidate's changes (security audit,
 * issue 12, finding 10): every changed path with its size, and as many
 * per-file diffs as fit, source code first, each capped, with an exact
 * account of what was left out. A worker that adds a 200 kB data file next
 * to a one-line code change cannot push the code change out of the judge's
 * view, and nothing is ever cut silently. Pure.
 */

/** One changed path between the baseline and the candidate (from `git diff --numstat -z`). */
export interface FileChange {
  path: string;
  /** Lines added and deleted; undefined for a binary file. */
  added?: number;
  deleted?: number;
  binary: boolean;
  /** Size in bytes in the candidate; undefined when the path was deleted. */
  bytes?: number;
  /** Its `git diff` text, when the harness read it (not for binary or very large files). */
  diff?: string;
}

/** Total characters of diff text in one prompt. */
export const DIFF_BUDGET_CHARS = 60_000;
/** Most characters of one file's diff; the rest of it is cut from the middle, said so. */
export const PER_FILE_CHARS = 8_000;
/** Most characters of the list of changed paths; past that the count and bytes of the rest are given. */
export const PATH_LIST_CHARS = 40_000;

const CODE =
  /\.(py|pyx|pxd|ts|tsx|js|jsx|mjs|cjs|c|h|cc|cpp|cxx|hpp|hh|rs|go|java|kt|scala|rb|php|cs|swift|m|mm|jl|r|lua|pl|sh|bash|zsh|f|f90|f95|for|sql|hs|ml|ex|exs|erl|clj|dart|zig|nim|v|sv|vhd|cu|cl|glsl|wgsl|mk|cmake|toml|cfg|ini|ya?ml|gradle)$/i;
const CODE_NAMES = /(^|\/)(Makefile|Dockerfile|CMakeLists\.txt|Rakefile|Gemfile|package\.json|pyproject\.toml|setup\.py|conftest\.py)$/;
const DATA =
  /\.(csv|tsv|json|jsonl|ndjson|txt|dat|log|npy|npz|parquet|feather|h5|hdf5|pkl|pickle|xml|svg|html?|md|rst|tex|out|lock|map|min\.js|bin|db|sqlite)$/i;

/** 0 code, 1 other text, 2 data and prose, 3 binary: the order in which diffs get the budget. */
export function changeRank(c: FileChange): number {
  if (c.binary) return 3;
  if (DATA.test(c.path)) return 2;
  if (CODE.test(c.path) || CODE_NAMES.test(c.path)) return 0;
  return 1;
}

/** Code first, then smaller changes first, then by path. */
export function orderChanges(changes: FileChange[]): FileChange[] {
  const size = (c: FileChange) => c.diff?.length ?? (c.added ?? 0) + (c.deleted ?? 0);
  return [...changes].sort((a, b) => changeRank(a) - changeRank(b) || size(a) - size(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function capMiddle(text: string, max: number): { text: string; cut: number } {
  if (text.length <= max) return { text, cut: 0 };
  const head = Math.floor(max * 0.6);
  const tail = max - head;
  const cut = text.length - head - tail;
  return { text: `${text.slice(0, head)}\n[... ${cut} characters of this file's diff left out ...]\n${text.slice(text.length - tail)}`, cut };
}

export interface DiffSelection {
  /** Diff text of the files shown, in order. */
  shown: { path: string; text: string; cutChars: number }[];
  /** Files whose diff is not shown, and why. */
  left: { change: FileChange; why: string }[];
}

/** Chooses which diffs fit the budget, in the order of orderChanges. */
export function selectDiffs(changes: FileChange[], budget = DIFF_BUDGET_CHARS, perFile = PER_FILE_CHARS): DiffSelection {
  const shown: DiffSelection['shown'] = [];
  const left: DiffSelection['left'] = [];
  let used = 0;
  for (const c of orderChanges(changes)) {
    if (c.binary) {
      left.push({ change: c, why: 'binary' });
      continue;
    }
    if (c.diff === undefined) {
      left.push({ change: c, why: 'too large to read' });
      continue;
    }
    const capped = capMiddle(c.diff, perFile);
    if (used + capped.text.length > budget) {
      left.push({ change: c, why: `over the ${budget}-character diff budget (${c.diff.length} characters)` });
      continue;
    }
    used += capped.text.length;
    shown.push({ path: c.path, text: capped.text, cutChars: capped.cut });
  }
  return { shown, left };
}

function sizeOf(c: FileChange): string {
  const lines = c.binary ? 'binary' : `+${c.added ?? 0} -${c.deleted ?? 0} lines`;
  return `${c.bytes === undefined ? 'deleted' : `${c.bytes} bytes`}, ${lines}`;
}

/** The list of every changed path with its size, paths quoted as JSON (a path is the worker's text too). */
export function pathList(changes: FileChange[], max = PATH_LIST_CHARS): string[] {
  const lines: string[] = [];
  let used = 0;
  const sorted = [...changes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 0; i < sorted.length; i++) {
    const line = `- ${JSON.stringify(sorted[i].path)}: ${sizeOf(sorted[i])}`;
    if (used + line.length > max) {
      const rest = sorted.slice(i);
      const bytes = rest.reduce((s, c) => s + (c.bytes ?? 0), 0);
      lines.push(`- ... and ${rest.length} more changed paths (${bytes} bytes) not listed: the list is over ${max} characters`);
      break;
    }
    used += line.length;
    lines.push(line);
  }
  return lines;
}
