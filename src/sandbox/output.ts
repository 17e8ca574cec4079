/**
 * Bounded capture of a command's output: keeps the first and the last
 * `cap / 2` bytes, counts what falls in between, and says so in the text.
 */

/** A byte sink that keeps at most `cap` bytes (head and tail) of what it is given. */
export class CappedOutput {
  private readonly half: number;
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  /** Bytes seen in total. */
  total = 0;

  constructor(readonly cap: number) {
    this.half = Math.max(1, Math.floor(cap / 2));
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.headBytes < this.half) {
      const take = Math.min(this.half - this.headBytes, chunk.length);
      this.head.push(chunk.subarray(0, take));
      this.headBytes += take;
      chunk = chunk.subarray(take);
      if (chunk.length === 0) return;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    // Trim the tail lazily to amortise the copying.
    if (this.tailBytes > this.half * 2 + 65_536) this.trimTail();
  }

  private trimTail(): void {
    const all = Buffer.concat(this.tail);
    const keep = all.subarray(Math.max(0, all.length - this.half));
    this.tail = [Buffer.from(keep)];
    this.tailBytes = keep.length;
  }

  /** Bytes not kept. */
  get dropped(): number {
    this.trimTail();
    return this.total - this.headBytes - this.tailBytes;
  }

  get truncated(): boolean {
    return this.dropped > 0;
  }

  /** The kept text, with a marker where bytes were dropped. */
  text(): string {
    const dropped = this.dropped;
    const head = Buffer.concat(this.head).toString('utf8');
    const tail = Buffer.concat(this.tail).toString('utf8');
    if (dropped === 0) return head + tail;
    return `${head}\n[... ${dropped} bytes dropped by baton ...]\n${tail}`;
  }
}

/**
 * Splits Docker's multiplexed attach stream (8-byte frame headers: stream
 * type, 3 zero bytes, big-endian length) into stdout and stderr.
 */
export class Demuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly stdout: (b: Buffer) => void,
    private readonly stderr: (b: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      const payload = buf.subarray(8, 8 + size);
      if (buf[0] === 2) this.stderr(payload);
      else this.stdout(payload);
      buf = buf.subarray(8 + size);
    }
    this.pending = Buffer.from(buf);
  }
}
