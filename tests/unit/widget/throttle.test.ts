import assert from "node:assert/strict";
import { test } from "node:test";
import { Debounce, Throttle } from "../../../src/widget/util/throttle.js";
import { ManualClock } from "./clock.js";

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
