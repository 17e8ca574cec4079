/**
 * The anthropic worker's tools, executed inside the worker sandbox only:
 * Anthropic's bash tool, its text editor tool (view, create, str_replace,
 * insert) and baton's `measure`. A tool that fails returns an error result;
 * the loop goes on.
 */
import * as path from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import type { SandboxHandle } from '../sandbox/types.js';
import { shq } from './shell.js';

/** A tool's answer: text for a tool_result block. */
export interface ToolOutcome {
  text: string;
  isError: boolean;
}

/** Longest tool output sent back to the model; the head and the tail are kept. */
export const TOOL_OUTPUT_CHARS = 30_000;
const BASH_TIMEOUT_MS = 10 * 60_000;
const FILE_OP_TIMEOUT_MS = 60_000;
/** Files the editor refuses to load whole (larger edits go through bash). */
const EDIT_MAX_BYTES = 4 * 1024 * 1024;
/** Where the bash tool keeps its cwd and exports between calls; per sandbox, in case /tmp is shared (plain local sandbox). */
const stateOf = (sandbox: SandboxHandle): string => `/tmp/.baton-bash-${sandbox.id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64)}`;

export const MEASURE_TOOL: Anthropic.Tool = {
  name: 'measure',
  description:
    "Measure the current working tree of /workspace with the experiment's oracles (the same ones that judge your session, in a separate sandbox) " +
    'and return the metric table: value, threshold, best kept so far, baseline, whether it holds. Takes a while; use it to check real progress.',
  input_schema: { type: 'object', properties: {} },
};

/** The tool definitions sent with every request. */
export function toolDefinitions(withMeasure: boolean): Anthropic.ToolUnion[] {
  const tools: Anthropic.ToolUnion[] = [
    { type: 'bash_20250124', name: 'bash' },
    { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool', max_characters: TOOL_OUTPUT_CHARS },
  ];
  if (withMeasure) tools.push(MEASURE_TOOL);
  return tools;
}

/** Keeps the head and the tail of a long text, with a note of how much was cut. */
export function truncateMiddle(text: string, max = TOOL_OUTPUT_CHARS): string {
  if (text.length <= max) return text;
  const head = Math.floor(max * 0.4);
  const tail = max - head;
  const cut = text.length - head - tail;
  return `${text.slice(0, head)}\n\n[... baton cut ${cut} characters (${text.length} in all) from the middle of this output; narrow the command (head, tail, grep) to see them ...]\n\n${text.slice(-tail)}`;
}

export interface ToolContext {
  sandbox: SandboxHandle;
  /** Epoch ms by which the session must stop; commands get at most what is left. */
  deadline: number;
  measure?: () => Promise<string>;
}

/** Runs one tool call; never throws for a failing tool. */
export async function runTool(name: string, input: unknown, ctx: ToolContext): Promise<ToolOutcome> {
  try {
    const args = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
    if (name === 'bash') return await bash(args, ctx);
    if (name === 'str_replace_based_edit_tool') return await editor(args, ctx);
    if (name === 'measure') {
      if (!ctx.measure) return { text: 'measure is not available in this session', isError: true };
      return { text: await ctx.measure(), isError: false };
    }
    return { text: `unknown tool "${name}"; the tools are bash, str_replace_based_edit_tool and measure`, isError: true };
  } catch (e) {
    return { text: `the tool failed: ${(e as Error).message}`, isError: true };
  }
}

function left(ctx: ToolContext, cap: number): number {
  return Math.max(1000, Math.min(cap, ctx.deadline - Date.now()));
}

/** A bash whose working directory and exported variables persist between calls, as the bash tool promises. */
async function bash(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  const STATE = stateOf(ctx.sandbox);
  if (args.restart === true) {
    await ctx.sandbox.exec(`rm -f ${STATE}.cwd ${STATE}.env`, { timeoutMs: FILE_OP_TIMEOUT_MS });
    return { text: 'bash restarted', isError: false };
  }
  if (typeof args.command !== 'string' || !args.command.trim()) return { text: 'bash needs a "command"', isError: true };
  const timeoutMs = left(ctx, BASH_TIMEOUT_MS);
  const script = [
    '__baton_cmd="$BATON_TOOL_COMMAND"; unset BATON_TOOL_COMMAND',
    `cd "$(cat ${STATE}.cwd 2>/dev/null || echo /workspace)" 2>/dev/null || cd /workspace`,
    `[ -f ${STATE}.env ] && . ${STATE}.env >/dev/null 2>&1`,
    'eval "$__baton_cmd"',
    '__baton_status=$?',
    `pwd > ${STATE}.cwd 2>/dev/null; export -p > ${STATE}.env 2>/dev/null`,
    'exit $__baton_status',
  ].join('\n');
  const r = await ctx.sandbox.exec(`bash -c ${shq(script)}`, { timeoutMs, env: { BATON_TOOL_COMMAND: args.command }, cwd: '/workspace' });
  let text = [r.stdout, r.stderr].filter((s) => s.length > 0).join(r.stdout && r.stderr ? '\n' : '');
  const notes: string[] = [];
  if (r.timedOut) notes.push(`[the command was killed after ${Math.round(timeoutMs / 1000)}s]`);
  if (r.oomKilled) notes.push('[the command ran out of memory and was killed]');
  if (r.sandboxDied) notes.push(`[the sandbox died: ${r.cause ?? 'unknown cause'}]`);
  if (r.exitCode !== null && r.exitCode !== 0) notes.push(`[exit code ${r.exitCode}]`);
  if (notes.length) text = `${text}${text ? '\n' : ''}${notes.join('\n')}`;
  // A command that exits non-zero is an answer (grep found nothing, a test failed), not a broken tool.
  return { text: truncateMiddle(text || '(no output)'), isError: r.timedOut || r.oomKilled || r.sandboxDied };
}

function resolvePath(p: unknown): string {
  if (typeof p !== 'string' || !p.trim()) throw new Error('the editor needs a "path"');
  return path.posix.resolve('/workspace', p);
}

async function readFile(ctx: ToolContext, file: string): Promise<string> {
  const r = await ctx.sandbox.exec(`cat -- ${shq(file)}`, { timeoutMs: FILE_OP_TIMEOUT_MS, maxOutputBytes: EDIT_MAX_BYTES });
  if (r.exitCode !== 0) throw new Error(r.stderr.trim() || `cannot read ${file}`);
  if (r.outputTruncated) throw new Error(`${file} is larger than ${EDIT_MAX_BYTES} bytes; edit it with bash (sed, python) instead`);
  return r.stdout;
}

async function writeFile(ctx: ToolContext, file: string, content: string): Promise<void> {
  const r = await ctx.sandbox.exec(`mkdir -p -- "$(dirname -- ${shq(file)})" && cat > ${shq(file)}`, { stdin: content, timeoutMs: FILE_OP_TIMEOUT_MS });
  if (r.exitCode !== 0) throw new Error(r.stderr.trim() || `cannot write ${file}`);
}

async function editor(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutcome> {
  const file = resolvePath(args.path);
  switch (args.command) {
    case 'view': {
      const kind = await ctx.sandbox.exec(`if [ -d ${shq(file)} ]; then echo dir; elif [ -e ${shq(file)} ]; then echo file; else echo none; fi`, {
        timeoutMs: FILE_OP_TIMEOUT_MS,
      });
      const what = kind.stdout.trim();
      if (what === 'none') return { text: `${file} does not exist`, isError: true };
      if (what === 'dir') {
        const r = await ctx.sandbox.exec(`find ${shq(file)} -maxdepth 2 -not -path '*/.*' | sort | head -500`, { timeoutMs: FILE_OP_TIMEOUT_MS });
        return { text: truncateMiddle(r.stdout || '(empty)'), isError: false };
      }
      const lines = (await readFile(ctx, file)).split('\n');
      const range = Array.isArray(args.view_range) ? (args.view_range as number[]) : undefined;
      const from = range ? Math.max(1, range[0]) : 1;
      const to = range && range[1] !== -1 ? Math.min(lines.length, range[1]) : lines.length;
      const numbered = lines
        .slice(from - 1, to)
        .map((l, i) => `${String(from + i).padStart(6)}\t${l}`)
        .join('\n');
      return { text: truncateMiddle(numbered), isError: false };
    }
    case 'create': {
      if (typeof args.file_text !== 'string') return { text: 'create needs "file_text"', isError: true };
      await writeFile(ctx, file, args.file_text);
      return { text: `created ${file} (${args.file_text.length} characters)`, isError: false };
    }
    case 'str_replace': {
      if (typeof args.old_str !== 'string' || !args.old_str) return { text: 'str_replace needs a non-empty "old_str"', isError: true };
      const content = await readFile(ctx, file);
      const count = content.split(args.old_str).length - 1;
      if (count === 0) return { text: `old_str was not found in ${file}; view the file and copy the text exactly (whitespace included)`, isError: true };
      if (count > 1) return { text: `old_str occurs ${count} times in ${file}; include more context so it is unique`, isError: true };
      const newStr = typeof args.new_str === 'string' ? args.new_str : '';
      await writeFile(
        ctx,
        file,
        content.replace(args.old_str, () => newStr),
      );
      return { text: `replaced 1 occurrence in ${file}`, isError: false };
    }
    case 'insert': {
      const text = typeof args.insert_text === 'string' ? args.insert_text : typeof args.new_str === 'string' ? args.new_str : undefined;
      if (text === undefined || typeof args.insert_line !== 'number') return { text: 'insert needs "insert_line" and "insert_text"', isError: true };
      const lines = (await readFile(ctx, file)).split('\n');
      if (args.insert_line < 0 || args.insert_line > lines.length) return { text: `insert_line must be between 0 and ${lines.length}`, isError: true };
      lines.splice(args.insert_line, 0, ...text.replace(/\n$/, '').split('\n'));
      await writeFile(ctx, file, lines.join('\n'));
      return { text: `inserted after line ${args.insert_line} of ${file}`, isError: false };
    }
    default:
      return { text: `unknown editor command ${JSON.stringify(args.command)}; use view, create, str_replace or insert`, isError: true };
  }
}
