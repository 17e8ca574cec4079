/** Progress of an image build: lines for the caller to show, and the engine's JSON streams turned into them. */
import type Docker from 'dockerode';

/** Receives one human-readable progress line. */
export type ProgressSink = (message: string) => void;

/** Waits for an engine JSON stream (build, import, pull) to end; forwards its lines; rejects on its error. */
export function followProgress(docker: Docker, stream: NodeJS.ReadableStream, progress: ProgressSink): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, events: { error?: string; errorDetail?: { message?: string } }[]) => {
        const failed = err ?? events?.find((ev) => ev.error);
        if (failed) reject(failed instanceof Error ? failed : new Error(failed.errorDetail?.message ?? failed.error));
        else resolve();
      },
      (ev: { stream?: string; status?: string; progress?: string; id?: string }) => {
        const text = (ev.stream ?? (ev.status ? `${ev.id ? ev.id + ': ' : ''}${ev.status}` : '')).trimEnd();
        for (const line of text.split('\n')) if (line.trim()) progress(line);
      },
    );
  });
}
