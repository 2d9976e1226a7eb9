/** Rate limiting for model writes: a trailing-edge throttle with flush, and a debounce. */
import { realTimers, type Timers } from "./timers.js";

/**
 * Calls `fn` at most once per `intervalMs`: request() runs it now if the interval has passed,
 * otherwise once at the end of the interval. flush() runs a pending call at once.
 */
export class Throttle {
  private last = -Infinity;
  private timer: unknown = null;
  private pending = false;
  private disposed = false;

  constructor(
    private readonly fn: () => void,
    private readonly intervalMs: number,
    private readonly timers: Timers = realTimers,
  ) {}

  request(): void {
    if (this.disposed) return;
    this.pending = true;
    if (this.timer !== null) return;
    const wait = this.last + this.intervalMs - this.timers.now();
    if (wait <= 0) this.run();
    else this.timer = this.timers.setTimeout(() => this.run(), wait);
  }

  /** Run a pending call now (gesture end); no-op when nothing is pending. */
  flush(): void {
    if (this.pending) this.run();
  }

  dispose(): void {
    this.disposed = true;
    this.pending = false;
    this.clear();
  }

  private run(): void {
    this.clear();
    if (this.disposed || !this.pending) return;
    this.pending = false;
    this.last = this.timers.now();
    this.fn();
  }

  private clear(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Calls `fn` once `ms` after the last trigger(). */
export class Debounce {
  private timer: unknown = null;

  constructor(
    private readonly fn: () => void,
    private readonly ms: number,
    private readonly timers: Timers = realTimers,
  ) {}

  trigger(): void {
    this.cancel();
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.fn();
    }, this.ms);
  }

  get scheduled(): boolean {
    return this.timer !== null;
  }

  cancel(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}
