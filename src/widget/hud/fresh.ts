/**
 * Recent samples only: the debug overlay's latency is the median of the samples that arrived in the
 * last few seconds, so a figure from a drag a minute ago is not shown as if it were current.
 * Pure: the caller passes the clock.
 */
import { percentile } from "../instrument/samples.js";

/** How long a latency sample counts as fresh (ms). */
export const FRESH_MS = 5000;

export class FreshSamples {
  private readonly samples: Array<{ at: number; value: number }> = [];
  private seenLength = 0;
  private seenLast: number | undefined;

  constructor(private readonly windowMs = FRESH_MS) {}

  /**
   * Take the samples added to `values` (a bounded buffer, oldest first, that only appends, drops
   * its oldest or is cleared) since the last call, stamped `now`.
   */
  observe(values: readonly number[], now: number): void {
    const n = values.length;
    let added: readonly number[];
    if (n < this.seenLength)
      added = values; // cleared (a benchmark window) and refilled
    else if (n > this.seenLength) added = values.slice(this.seenLength);
    else if (n === 0 || values[n - 1] === this.seenLast) added = [];
    else {
      // A full buffer dropped its oldest: the new ones follow the last value seen.
      const i = this.seenLast === undefined ? -1 : values.lastIndexOf(this.seenLast);
      added = values.slice(i + 1);
    }
    for (const value of added) this.samples.push({ at: now, value });
    this.seenLength = n;
    this.seenLast = n > 0 ? values[n - 1] : undefined;
    this.expire(now);
  }

  /** Median of the fresh samples, or null when none is fresh. */
  median(now: number): number | null {
    this.expire(now);
    return percentile(
      this.samples.map((s) => s.value),
      50,
    );
  }

  private expire(now: number): void {
    while (this.samples.length > 0 && this.samples[0]!.at <= now - this.windowMs) this.samples.shift();
  }
}
