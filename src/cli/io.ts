/** The CLI's only door to the terminal: stdout for results, stderr for messages. */

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal (progress is shown only there). */
  isTTY: boolean;
}

/** Set once the reader of a stream went away (`baton log | head`): the rest of the output is dropped, not a crash. */
const closed = { out: false, err: false };
let guarded = false;

function guardPipes(): void {
  if (guarded) return;
  guarded = true;
  const guard = (stream: NodeJS.WriteStream, key: 'out' | 'err') =>
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
      closed[key] = true;
    });
  guard(process.stdout, 'out');
  guard(process.stderr, 'err');
}

function write(stream: NodeJS.WriteStream, key: 'out' | 'err', text: string): void {
  guardPipes();
  if (closed[key]) return;
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

export const processIO: CliIO = {
  out: (text) => write(process.stdout, 'out', text),
  err: (text) => write(process.stderr, 'err', text),
  isTTY: Boolean(process.stdout.isTTY),
};
