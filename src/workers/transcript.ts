/** What a session said and did, one JSON line per event under .baton/transcripts/NNNN.jsonl. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { iterationTag } from '../experiment.js';
import { addUsage } from '../ledger/query.js';
import { Usage, ZERO_USAGE } from '../ledger/record.js';
import { appendJsonl, readJsonl } from '../state/jsonl.js';

export const TranscriptEvent = z
  .object({
    v: z.literal(1),
    at: z.string(),
    /** prompt | step | exec | model | tool_use | tool_result | note | stop | error | retry */
    type: z.string(),
  })
  .passthrough();
export type TranscriptEvent = z.infer<typeof TranscriptEvent>;

/** Appends events to one session's transcript. */
export class Transcript {
  readonly file: string;

  /** `name`: an iteration (NNNN.jsonl), or a lane session's key before the judge numbers it (lanes.ts renames the file then). */
  constructor(dir: string, name: number | string) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `${typeof name === 'number' ? iterationTag(name) : name}.jsonl`);
  }

  write(type: string, fields: Record<string, unknown> = {}): void {
    appendJsonl(this.file, { v: 1, at: new Date().toISOString(), type, ...fields });
  }
}

/** Reads a transcript for `baton log --session N`. */
export function readTranscript(file: string): TranscriptEvent[] {
  return readJsonl(file, TranscriptEvent).records;
}

/**
 * What the model turns of a transcript cost, summed from their `model`
 * events: the usage of a session the harness did not see end (killed, or
 * stopped by an API outage), so the budget still counts it.
 */
export function transcriptUsage(file: string): Usage {
  let total = { ...ZERO_USAGE };
  if (!fs.existsSync(file)) return total;
  for (const e of readJsonl(file, TranscriptEvent, { repair: true }).records) {
    const u = Usage.safeParse(e.type === 'model' ? e.usage : undefined);
    if (u.success) total = addUsage(total, u.data);
  }
  return total;
}
