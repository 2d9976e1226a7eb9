import assert from "node:assert/strict";
import { test } from "node:test";
import { screenToWorld, worldToScreen } from "../../../src/protocol/camera.js";
import type { Camera, Canvas } from "../../../src/protocol/state.js";
import {
  DragState,
  layerWorldBox,
  LINE_PX,
  MAX_WHEEL_PX,
  resetCamera,
  wheelDeltaPx,
  wheelZoom,
  wheelZoomFactor,
  worldExtent,
} from "../../../src/widget/interaction/interaction.js";

const canvas: Canvas = { width: 1600, height: 1200, pixel_ratio: 2 }; // 800 x 600 CSS px
const cam: Camera = { center: [100, 200], zoom: 2, angles: [0, 0, 90] };

test("wheel delta modes: pixels, lines, pages; clamped", () => {
  assert.equal(wheelDeltaPx(53, 0, 600), 53);
  assert.equal(wheelDeltaPx(3, 1, 600), 3 * LINE_PX);
  assert.equal(wheelDeltaPx(-0.5, 2, 600), -300);
  assert.equal(wheelDeltaPx(1e6, 0, 600), MAX_WHEEL_PX);
  assert.equal(wheelDeltaPx(Number.NaN, 0, 600), 0);
});

test("wheel up zooms in, wheel down zooms out, symmetrically", () => {
  const zin = wheelZoomFactor(-100, 0, 600);
  const zout = wheelZoomFactor(100, 0, 600);
  assert.ok(zin > 1.1 && zin < 1.5, `one notch in: ${zin}`);
  assert.ok(Math.abs(zin * zout - 1) < 1e-12);
  assert.equal(wheelZoomFactor(0, 0, 600), 1);
  assert.ok(wheelZoomFactor(-10, 0, 600, true) > wheelZoomFactor(-10, 0, 600, false), "pinch is amplified");
});

test("wheel zoom keeps the world point under the cursor fixed", () => {
  const cursor: [number, number] = [613, 97];
  const before = screenToWorld(cam, canvas, cursor);
  const after = wheelZoom(cam, canvas, cursor, wheelZoomFactor(-240, 0, 600));
  assert.ok(after.zoom > cam.zoom);
  const moved = screenToWorld(after, canvas, cursor);
  assert.ok(Math.abs(moved[0] - before[0]) < 1e-9 && Math.abs(moved[1] - before[1]) < 1e-9);
});

test("drag: content follows the pointer; other pointers and zero moves are ignored", () => {
  const d = new DragState();
  const world: [number, number] = [120, 180];
  const s0 = worldToScreen(cam, canvas, world);
  d.start(7, [10, 10]);
  assert.equal(d.move(cam, 8, [50, 50]), null, "another pointer");
  assert.equal(d.move(cam, 7, [10, 10]), null, "no motion");
  assert.equal(d.didMove, false);
  const next = d.move(cam, 7, [40, -5])!;
  const s1 = worldToScreen(next, canvas, world);
  assert.ok(Math.abs(s1[0] - s0[0] - 30) < 1e-9 && Math.abs(s1[1] - s0[1] + 15) < 1e-9);
  assert.equal(next.zoom, cam.zoom);
  assert.equal(d.didMove, true);
  assert.equal(d.end(8), false);
  assert.equal(d.end(7), true);
  assert.equal(d.active, false);
});

test("layer world box: pixel edges, scale and translate aligned to the last axes", () => {
  assert.deepEqual(layerWorldBox({ shape: [100, 200] }), { min: [-0.5, -0.5], max: [99.5, 199.5] });
  assert.deepEqual(layerWorldBox({ shape: [5, 10, 20], scale: [9, 2, 3], translate: [7, 10, -5] }), {
    min: [10 - 1, -5 - 1.5],
    max: [10 + 2 * 9.5, -5 + 3 * 19.5],
  });
  assert.equal(layerWorldBox({ shape: [10] }), null);
});

test("world extent is the union; reset fits it with a 5% margin", () => {
  const layers = [{ shape: [100, 200] }, { shape: [50, 50], translate: [150, -100] }];
  const box = worldExtent(layers)!;
  assert.deepEqual(box, { min: [-0.5, -100.5], max: [199.5, 199.5] });
  const fit = resetCamera(cam, canvas, layers)!;
  // 800 x 600 CSS px for a 300 x 200 (w x h) box: width-bound, zoom = 800/300 * 0.95.
  assert.ok(Math.abs(fit.zoom - (800 / 300) * 0.95) < 1e-12);
  assert.deepEqual(fit.center, [99.5, 49.5]);
  assert.equal(resetCamera(cam, canvas, []), null);
});
