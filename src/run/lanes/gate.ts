/**
 * The measure queue: at most `capacity` measurements at once, first come
 * first served. With lanes the judge's measurements and the workers'
 * `measure` tool calls share one, so a benchmark never runs beside another
 * measurement on the same cores.
 */
export class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly capacity: number) {}

  /** Runs `fn` when a place is free. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.capacity) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The place passes straight to the next in line: `running` stays as it is.
      if (next) next();
      else this.running--;
    }
  }
}
