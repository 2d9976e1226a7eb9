/** Test helper: a deterministic clock for the widget's injectable Timers. */
import type { Timers } from "../../../src/widget/util/timers.js";

/** A deterministic clock: timers fire when advance() passes their due time. */
export class ManualClock implements Timers {
  t = 0;
  private next = 1;
  private readonly due = new Map<number, { at: number; cb: () => void }>();
  now = () => this.t;
  setTimeout = (cb: () => void, ms: number) => {
    const id = this.next++;
    this.due.set(id, { at: this.t + ms, cb });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.due.delete(h as number);
  };
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const first = [...this.due.entries()].filter(([, d]) => d.at <= end).sort((x, y) => x[1].at - y[1].at)[0];
      if (first === undefined) break;
      this.due.delete(first[0]);
      this.t = first[1].at;
      first[1].cb();
    }
    this.t = end;
  }
}
