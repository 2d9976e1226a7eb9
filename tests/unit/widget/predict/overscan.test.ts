import assert from "node:assert/strict";
import { test } from "node:test";
import { pan3d } from "../../../../src/protocol/camera3d.js";
import type { Camera, Canvas } from "../../../../src/protocol/state.js";
import type { Overscan } from "../../../../src/protocol/stream.js";
import {
  clampOverscan,
  OVERSCAN_MAX_AREA,
  OVERSCAN_STEP_PX,
  OverscanPolicy,
} from "../../../../src/widget/predict/overscan.js";

const canvas: Canvas = { width: 1280, height: 720, pixel_ratio: 1 };
const cam = (x: number, zoom = 2, y = 0): Camera => ({ center: [y, x], zoom, angles: [0, 0, 90] });

/**
 * A steady pan: one camera event every 15 ms (so the 150 ms window holds exactly 10 steps),
 * the centre moving `unitsPerMs` world units per ms along x. Returns every non-null update.
 */
function drag(
  p: OverscanPolicy,
  t0: number,
  t1: number,
  x0: number,
  unitsPerMs: number,
  latency: number,
  c: Canvas = canvas,
  zoom = 2,
): { changes: Overscan[]; x: number } {
  const changes: Overscan[] = [];
  let x = x0;
  for (let t = t0; t <= t1; t += 15) {
    x = x0 + (t - t0) * unitsPerMs;
    const r = p.update(t, cam(x, zoom), c, latency);
    if (r) changes.push(r);
  }
  return { changes, x };
}

/** Updates at rest every 15 ms over (t0, t1]; returns [time, margin] of each change. */
function rest(p: OverscanPolicy, t0: number, t1: number, x: number, latency = 100): [number, Overscan][] {
  const out: [number, Overscan][] = [];
  for (let t = t0 + 15; t <= t1; t += 15) {
    const r = p.update(t, cam(x), canvas, latency);
    if (r) out.push([t, r]);
  }
  return out;
}

test("defaults: 32 px steps, 1.6x pixel budget; at rest the floor (64 px) is asked for", () => {
  assert.equal(OVERSCAN_STEP_PX, 32);
  assert.equal(OVERSCAN_MAX_AREA, 1.6);
  const p = new OverscanPolicy();
  assert.deepEqual(p.current(), [64, 64]);
  assert.equal(p.update(0, cam(0), canvas, 100), null);
  assert.equal(p.update(500, cam(0), canvas, 100), null);
  // The floor itself is quantized up: 40 -> 64.
  assert.deepEqual(new OverscanPolicy({ minMargin: 40 }).current(), [64, 64]);
});

test("a steady pan grows the margin to speed x latency x 1.5 + floor on the doubling ladder, both axes, at once", () => {
  const p = new OverscanPolicy({ maxArea: 10 });
  const { changes } = drag(p, 0, 300, 0, 1, 100);
  // The very first moving event already grows it.
  assert.ok(changes.length > 0 && changes[0]![0] > 64);
  // 1 unit/ms x zoom 2 = 2 device px/ms; x 100 ms x 1.5 = 300; + 64 = 364 -> rung 512 (64, 128, 256, 512).
  // One margin for both axes: each (x, y) pair is another frame size, another encoder.
  assert.deepEqual(p.current(), [512, 512]);
  // Monotonic while the pan lasts: it never shrinks mid-drag.
  changes.forEach((m, i) => i > 0 && assert.ok(m[0] >= changes[i - 1]![0]));
});

test("margin scales with latency and with pixel_ratio; unknown latency counts as 100 ms", () => {
  const slow = new OverscanPolicy({ maxArea: 10 });
  drag(slow, 0, 300, 0, 1, 200);
  assert.deepEqual(slow.current(), [1024, 1024]); // 2 x 200 x 1.5 + 64 = 664 -> 1024
  const hidpi = new OverscanPolicy({ maxArea: 10 });
  drag(hidpi, 0, 300, 0, 1, 100, { width: 2560, height: 1440, pixel_ratio: 2 }, 1);
  assert.deepEqual(hidpi.current(), [512, 512]); // zoom 1 x ratio 2 = 2 device px/ms
  for (const latency of [0, Number.NaN, -5]) {
    const p = new OverscanPolicy({ maxArea: 10 });
    drag(p, 0, 300, 0, 1, latency);
    assert.deepEqual(p.current(), [512, 512]);
  }
});

test("requests are quantized up to the ladder: the floor on the step, doubled", () => {
  const p = new OverscanPolicy({ maxArea: 10, step: 50, minMargin: 10 });
  assert.deepEqual(p.current(), [50, 50]);
  drag(p, 0, 300, 0, 0.5, 100); // 1 px/ms x 150 = 150 + 10 = 160 -> 50, 100, 200
  assert.deepEqual(p.current(), [200, 200]);
  // An exact rung is not bumped: 1 px/ms x 150 + 50 = 200.
  const q = new OverscanPolicy({ maxArea: 10, step: 50, minMargin: 50 });
  drag(q, 0, 300, 0, 0.5, 100);
  assert.deepEqual(q.current(), [200, 200]);
});

test("after a drag the margin holds for holdMs, then shrinks back to the floor", () => {
  const p = new OverscanPolicy({ maxArea: 10, holdMs: 1500 });
  const { x } = drag(p, 0, 300, 0, 1, 100);
  assert.deepEqual(p.current(), [512, 512]);
  // The last update whose need reached the 512 rung was t = 345 (its 150 ms window still holds 105
  // units of motion: 1.4 px/ms x 150 + 64 = 274 > 256): nothing changes before 1845, the floor then.
  const changes = rest(p, 300, 2400, x);
  assert.deepEqual(changes, [[1845, [64, 64]]]);
  // The default hold is 10 s.
  const q = new OverscanPolicy({ maxArea: 10 });
  drag(q, 0, 300, 0, 1, 100);
  assert.deepEqual(rest(q, 300, 10_200, x), []);
});

test("a drag with pauses keeps its margin; shrinking waits for the hold after the last motion", () => {
  const p = new OverscanPolicy({ maxArea: 10, holdMs: 1500 });
  let { x } = drag(p, 0, 300, 0, 1, 100);
  assert.deepEqual(rest(p, 300, 1000, x), []); // a 700 ms pause
  ({ x } = drag(p, 1015, 1315, x, 1, 100));
  assert.deepEqual(p.current(), [512, 512]);
  assert.deepEqual(rest(p, 1315, 3000, x), [[2860, [64, 64]]]);
});

test("the area budget clamps both margins, keeping their ratio, in whole steps", () => {
  const p = new OverscanPolicy({ maxArea: 1.6 });
  drag(p, 0, 300, 0, 3, 100); // need 2 x 3 x 150 + 64 = 964 -> 1024 on both axes
  const [mx, my] = p.current();
  const W = canvas.width;
  const H = canvas.height;
  const area = (a: number, b: number) => (W + 2 * a) * (H + 2 * b);
  assert.ok(area(mx, my) <= 1.6 * W * H, `${mx},${my} over budget`);
  assert.ok(area(mx + 32, my + 32) > 1.6 * W * H, "clamp should be near the budget");
  assert.ok(mx % 32 === 0 && my % 32 === 0);
  assert.equal(mx, my, "equal margins stay equal");
  // (1280 + 2m)(720 + 2m) = 1.6 x 1280 x 720 -> m = 123.1 -> 96 on the 32 px step.
  assert.equal(mx, 96);
});

test("clampOverscan: hand-computed budget solution", () => {
  const sq: Canvas = { width: 1000, height: 1000, pixel_ratio: 1 };
  // (1000 + 1000 s)^2 = 1.44e6 -> s = 0.2 -> 100 each.
  assert.deepEqual(clampOverscan([500, 500], sq, 1.44, 1), [100, 100]);
  assert.deepEqual(clampOverscan([500, 500], sq, 1.44, 32), [96, 96]);
  // One axis only: (1000 + 2x) 1000 = 1.2e6 -> x = 100.
  assert.deepEqual(clampOverscan([400, 0], sq, 1.2, 1), [100, 0]);
  // Within budget: untouched; the protocol caps a side at 1024.
  assert.deepEqual(clampOverscan([64, 32], sq, 1.6, 32), [64, 32]);
  assert.deepEqual(clampOverscan([2000, 0], sq, 100, 32), [1024, 0]);
  assert.deepEqual(clampOverscan([64, 64], sq, 1, 32), [0, 0]);
});

test("a shrinking canvas clamps the held margin at once", () => {
  const p = new OverscanPolicy({ maxArea: 1.6 });
  const { x } = drag(p, 0, 300, 0, 1, 100);
  const before = p.current();
  const small: Canvas = { width: 320, height: 240, pixel_ratio: 1 };
  const r = p.update(315, cam(x), small, 100);
  assert.ok(r && r[0] < before[0]);
  assert.ok((320 + 2 * r[0]) * (240 + 2 * r[1]) <= 1.6 * 320 * 240);
});

test("zooming out asks for margin on both axes (the shrunk frame must still cover the view)", () => {
  const p = new OverscanPolicy({ maxArea: 10 });
  p.update(0, cam(0, 2), canvas, 100);
  // One wheel notch out (x 1/1.1) after rest: over 150 ms x 1.5 latency the view widens 1.1x,
  // so (1.1 - 1) / 2 of each side: 64 x, 36 y; + 64 floor -> 128 and 100 -> 128.
  assert.deepEqual(p.update(1000, cam(0, 2 / 1.1), canvas, 100), [128, 128]);
  const q = new OverscanPolicy({ maxArea: 10 });
  q.update(0, cam(0, 2), canvas, 100);
  assert.equal(q.update(1000, cam(0, 2 * 1.1), canvas, 100), null); // zooming in needs nothing more
});

test("3D: speed is the centre motion along the current screen axes", () => {
  const p = new OverscanPolicy({ maxArea: 10 });
  let c: Camera = { center: [10, 50, 80], zoom: 2, angles: [20, 30, 70] };
  // 15 CSS px per 15 ms up the screen = 1 CSS px/ms = 1 device px/ms: 150 + 64 = 214 -> 256.
  for (let t = 0; t <= 300; t += 15) {
    if (t > 0) c = pan3d(c, 0, -15);
    p.update(t, c, canvas, 100);
  }
  assert.deepEqual(p.current(), [256, 256]);
  p.reset();
  assert.deepEqual(p.current(), [64, 64]);
});
