/**
 * The measure queue (src/run/lanes/gate.ts): ordinary measurements share its
 * places, one that times the candidate (a benchmark) runs alone, in strict
 * order of arrival.
 */
import { describe, expect, it } from 'vitest';
import { Gate, measureWeight } from '../../src/run/lanes/gate.js';
import { Spec } from '../../src/spec/schema.js';

/** A job that records when it ran, and ends when told. */
function job(log: string[], name: string) {
  let end!: () => void;
  const done = new Promise<void>((r) => (end = r));
  return {
    end: () => end(),
    run: async () => {
      log.push(`+${name}`);
      await done;
      log.push(`-${name}`);
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('the measure queue', () => {
  it('two places: two ordinary measurements at once; a benchmark waits for both, runs alone, and nothing passes it', async () => {
    const gate = new Gate(2);
    const log: string[] = [];
    const a = job(log, 'a');
    const b = job(log, 'b');
    const bench = job(log, 'bench');
    const c = job(log, 'c');
    const runs = [gate.run(a.run), gate.run(b.run), gate.run(bench.run, 2), gate.run(c.run)];
    await tick();
    expect(log).toEqual(['+a', '+b']);
    a.end();
    await tick();
    // c arrived after the benchmark: it waits although a place is free.
    expect(log).toEqual(['+a', '+b', '-a']);
    b.end();
    await tick();
    expect(log.slice(3)).toEqual(['-b', '+bench']);
    bench.end();
    await tick();
    expect(log.slice(5)).toEqual(['-bench', '+c']);
    c.end();
    await Promise.all(runs);
  });

  it('one place (the default): every measurement alone', async () => {
    const gate = new Gate(1);
    const log: string[] = [];
    const a = job(log, 'a');
    const b = job(log, 'b');
    const runs = [gate.run(a.run), gate.run(b.run)];
    await tick();
    expect(log).toEqual(['+a']);
    a.end();
    await tick();
    expect(log).toEqual(['+a', '-a', '+b']);
    b.end();
    await Promise.all(runs);
  });

  it('a failing measurement frees its places', async () => {
    const gate = new Gate(1);
    await expect(gate.run(async () => Promise.reject(new Error('engine gone')))).rejects.toThrow('engine gone');
    expect(await gate.run(async () => 'next')).toBe('next');
  });

  it('a spec with a benchmark oracle takes every place; one without takes one', () => {
    const base = { name: 'x', goal: 'g', thresholds: { 'o.x': '< 1' } };
    const bench = Spec.parse({ ...base, oracles: [{ id: 'o', kind: 'benchmark', run: 'true' }] });
    const plain = Spec.parse({ ...base, oracles: [{ id: 'o', kind: 'command', run: 'true' }] });
    expect(measureWeight(bench, 4)).toBe(4);
    expect(measureWeight(plain, 4)).toBe(1);
  });
});
