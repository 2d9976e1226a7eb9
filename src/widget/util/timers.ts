/** Clock and timer functions, injectable so that time-based logic runs in node tests. */

export interface Timers {
  now(): number;
  setTimeout(cb: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers: performance.now() and the global setTimeout. */
export const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};
