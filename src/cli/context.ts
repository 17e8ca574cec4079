/** What main.ts hands every command module; its own file so the command modules need not import main.ts, which imports them. */
import type { CliIO } from './io.js';

/** Shared by every command module. */
export interface CommandContext {
  io: CliIO;
  setCode(code: number): void;
}
