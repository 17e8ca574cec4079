/** How a run stands: what its report says and how `baton run` ends. One list, so the report and the run cannot disagree. */

export const RUN_STATES = ['met', 'running', 'stalled', 'budget', 'interrupted', 'error'] as const;

/** How the run stands when a report is written (`running` until it ends). */
export type RunState = (typeof RUN_STATES)[number];

/**
 * The report state for a state `baton status` read from the journal: its
 * extra states (not-started, stopped: no run-end recorded) read as running.
 */
export function runStateOf(state: string): RunState {
  return (RUN_STATES as readonly string[]).includes(state) ? (state as RunState) : 'running';
}
