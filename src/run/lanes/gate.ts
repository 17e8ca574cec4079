/**
 * The measure queue: measurements share `capacity` places, first come first
 * served. An ordinary measurement takes one place; one that must have the
 * machine to itself (a benchmark: OracleKind.exclusive) takes them all, so it
 * never runs beside another measurement. With lanes the judge's measurements
 * and the workers' `measure` tool calls share one queue.
 */
import { oracleKindOf } from '../../oracles/registry.js';
import type { Spec } from '../../spec/schema.js';

export class Gate {
  private running = 0;
  private readonly waiting: { weight: number; go: () => void }[] = [];

  constructor(readonly capacity: number) {}

  /**
   * Runs `fn` when `weight` places (at most the capacity) are free and everyone before it has started. `first`
   * puts it at the head of the line: the judge's measurements, which every lane waits on, do not queue behind the
   * workers' `measure` calls.
   */
  async run<T>(fn: () => Promise<T>, weight = 1, first = false): Promise<T> {
    const w = Math.min(Math.max(1, weight), this.capacity);
    if (this.waiting.length || this.running + w > this.capacity)
      await new Promise<void>((go) => (first ? this.waiting.unshift({ weight: w, go }) : this.waiting.push({ weight: w, go })));
    else this.running += w;
    try {
      return await fn();
    } finally {
      this.running -= w;
      this.admit();
    }
  }

  /** Starts the waiting in order while their places are free; strict order, so a benchmark is never starved by small ones. */
  private admit(): void {
    while (this.waiting.length && this.running + this.waiting[0].weight <= this.capacity) {
      const next = this.waiting.shift()!;
      this.running += next.weight;
      next.go();
    }
  }
}

/** The places a measurement of this spec takes in the measure queue: all of them when one of its oracles times the candidate. */
export function measureWeight(spec: Pick<Spec, 'oracles'>, capacity: number): number {
  return spec.oracles.some((o) => oracleKindOf(o).exclusive) ? capacity : 1;
}
