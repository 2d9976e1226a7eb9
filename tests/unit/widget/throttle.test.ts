import assert from "node:assert/strict";
import { test } from "node:test";
import { Debounce, Throttle } from "../../../src/widget/throttle.js";
import type { Timers } from "../../../src/widget/timers.js";

/** A deterministic clock: timers fire when advance() passes their due time. */
class ManualClock implements Timers {
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

test("throttle: leading call, then at most one per interval, trailing call kept", () => {
  const clock = new ManualClock();
  const calls: number[] = [];
  const th = new Throttle(() => calls.push(clock.t), 100, clock);
  th.request();
  assert.deepEqual(calls, [0]);
  for (let i = 0; i < 25; i++) {
    clock.advance(10);
    th.request();
  }
  clock.advance(200);
  // requests over 0..250 ms: writes at 0, 100, 200, and the trailing one at 300.
  assert.deepEqual(calls, [0, 100, 200, 300]);
});

test("throttle: flush writes a pending change now, and nothing when idle", () => {
  const clock = new ManualClock();
  const calls: number[] = [];
  const th = new Throttle(() => calls.push(clock.t), 100, clock);
  th.request();
  clock.advance(30);
  th.request();
  th.flush();
  assert.deepEqual(calls, [0, 30]);
  clock.advance(500);
  th.flush();
  assert.deepEqual(calls, [0, 30], "no trailing duplicate");
  th.request();
  th.dispose();
  clock.advance(500);
  th.request();
  assert.deepEqual(calls, [0, 30, 530], "nothing after dispose");
});

test("debounce fires once after the last trigger", () => {
  const clock = new ManualClock();
  let n = 0;
  const d = new Debounce(() => n++, 150, clock);
  for (let i = 0; i < 5; i++) {
    d.trigger();
    clock.advance(100);
  }
  assert.equal(n, 0);
  clock.advance(60);
  assert.equal(n, 1);
  d.trigger();
  d.cancel();
  clock.advance(1000);
  assert.equal(n, 1);
});
