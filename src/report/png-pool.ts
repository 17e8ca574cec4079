/**
 * PNG rasterization off the main thread: one worker thread runs resvg
 * (parse, render, PNG encoding) while the main thread lays out the next
 * chart with vega. The worker is created per report and always terminated.
 * Its code is inline (CommonJS, eval) so it runs the same from src/ under
 * vitest and from dist/ after tsc; resvg is required by absolute path.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { FONT } from './theme.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Resvg } = require(workerData.resvg);
parentPort.on('message', (m) => {
  try {
    const png = new Resvg(m.svg, m.options).render().asPng();
    const copy = new Uint8Array(png.length);
    copy.set(png);
    parentPort.postMessage({ id: m.id, png: copy }, [copy.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

/** Renders SVG to PNG in a worker thread; `close()` must be called when done. */
export class PngPool {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
  private next = 0;
  private failed?: Error;

  constructor(
    private readonly fontFiles: readonly string[],
    private readonly scale: number,
  ) {
    const resvg = createRequire(import.meta.url).resolve('@resvg/resvg-js');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { resvg } });
    this.worker.on('message', (m: { id: number; png?: Uint8Array; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.png) p.resolve(Buffer.from(m.png.buffer, m.png.byteOffset, m.png.byteLength));
      else p.reject(new Error(`PNG rendering failed: ${m.error}`));
    });
    const fail = (e: Error) => {
      this.failed = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (this.pending.size) fail(new Error(`the PNG worker exited with code ${code}`));
    });
  }

  /** Rasterizes one SVG on white with only the pool's fonts. */
  render(svg: string): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.next++;
    const options = {
      background: 'white',
      fitTo: { mode: 'zoom', value: this.scale },
      font: { fontFiles: [...this.fontFiles], loadSystemFonts: false, defaultFontFamily: FONT, sansSerifFamily: FONT },
      logLevel: 'off',
    };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, svg, options });
    });
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
