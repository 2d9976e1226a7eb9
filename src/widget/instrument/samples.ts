/** Bounded sample buffers and percentiles for the view's stats. */

/** A plain array holding the last `capacity` samples (oldest first); readable as-is by benchmarks. */
export class SampleBuffer {
  readonly values: number[] = [];

  constructor(readonly capacity: number) {}

  push(v: number): void {
    if (this.values.length >= this.capacity) this.values.shift();
    this.values.push(v);
  }

  clear(): void {
    this.values.length = 0;
  }
}

/** Linear-interpolated percentile (p in 0..100) of `values`; null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** Events per second over a sliding window (timestamps in ms, non-decreasing). */
export class RateWindow {
  private readonly times: number[] = [];
  private readonly amounts: number[] = [];
  private sum = 0;

  constructor(private readonly windowMs = 1000) {}

  add(t: number, amount = 1): void {
    this.times.push(t);
    this.amounts.push(amount);
    this.sum += amount;
    this.expire(t);
  }

  /** Sum of amounts in the window ending at `now`, per second. */
  rate(now: number): number {
    this.expire(now);
    return (this.sum * 1000) / this.windowMs;
  }

  clear(): void {
    this.times.length = 0;
    this.amounts.length = 0;
    this.sum = 0;
  }

  private expire(now: number): void {
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) {
      this.times.shift();
      this.sum -= this.amounts.shift()!;
    }
  }
}
