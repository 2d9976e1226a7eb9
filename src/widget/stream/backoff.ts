/** Reconnect delays: exponential from `minMs` to `maxMs` with multiplicative jitter. */

export interface BackoffOptions {
  minMs?: number;
  maxMs?: number;
  /** Jitter fraction: the delay is scaled by a factor in [1 - jitter, 1 + jitter], then kept in [minMs, maxMs]. */
  jitter?: number;
  random?: () => number;
}

/** Stateful backoff: next() gives the delay for the next attempt; reset() after a healthy session. */
export class Backoff {
  private attempt = 0;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.minMs = opts.minMs ?? 500;
    this.maxMs = opts.maxMs ?? 10_000;
    this.jitter = opts.jitter ?? 0.25;
    this.random = opts.random ?? Math.random;
  }

  /** Number of delays handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** Delay in ms before the next reconnect attempt. */
  next(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    const factor = 1 + this.jitter * (2 * this.random() - 1);
    return Math.round(Math.min(this.maxMs, Math.max(this.minMs, base * factor)));
  }

  reset(): void {
    this.attempt = 0;
  }
}
