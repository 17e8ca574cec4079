/** Exit codes of every baton command (documented in README.md). */
export const EXIT = {
  ok: 0,
  internal: 1,
  badInput: 2,
  budget: 3,
  stalled: 4,
  notMet: 5,
  interrupted: 130,
} as const;
