import assert from "node:assert/strict";
import { test } from "node:test";
import {
  devicePixelToWorld,
  fitCamera,
  pan,
  screenToWorld,
  worldToScreen,
  zoomAbout,
  type Camera,
  type Canvas,
  type Vec2,
} from "../../../src/protocol/index.js";

const canvas: Canvas = { width: 1600, height: 1200, pixel_ratio: 2 }; // 800 x 600 CSS px
const camera: Camera = { center: [50, 100], zoom: 2.5, angles: [0, 0, 90] };

function close(a: readonly number[], b: readonly number[], eps = 1e-9): void {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= eps, `${JSON.stringify(a)} != ${JSON.stringify(b)}`));
}

test("the canvas centre maps to the camera centre", () => {
  close(screenToWorld(camera, canvas, [400, 300]), [50, 100]);
  close(worldToScreen(camera, canvas, [50, 100]), [400, 300]);
  // 10 CSS px right of centre is 10 / zoom world units along x.
  close(screenToWorld(camera, canvas, [410, 300]), [50, 104]);
});

test("screenToWorld and worldToScreen are inverses", () => {
  for (const s of [
    [0, 0],
    [799, 599],
    [123.25, 456.5],
    [-40, 900],
  ] as Vec2[]) {
    close(worldToScreen(camera, canvas, screenToWorld(camera, canvas, s)), s);
  }
  for (const w of [
    [0, 0],
    [-3.5, 1e3],
    [77, -12],
  ] as Vec2[]) {
    close(screenToWorld(camera, canvas, worldToScreen(camera, canvas, w)), w);
  }
});

test("zoomAbout keeps the world point under the cursor fixed", () => {
  const cursor: Vec2 = [613, 97];
  const before = screenToWorld(camera, canvas, cursor);
  for (const factor of [1.1, 0.5, 8]) {
    const z = zoomAbout(camera, canvas, factor, cursor);
    assert.ok(Math.abs(z.zoom - camera.zoom * factor) < 1e-12);
    close(screenToWorld(z, canvas, cursor), before);
  }
  // Limits clamp the zoom and still keep the point fixed.
  const clamped = zoomAbout(camera, canvas, 1e9, cursor, [0.1, 10]);
  assert.equal(clamped.zoom, 10);
  close(screenToWorld(clamped, canvas, cursor), before);
});

test("pan moves the content with the pointer", () => {
  const w = screenToWorld(camera, canvas, [200, 200]);
  const p = pan(camera, 30, -20);
  close(worldToScreen(p, canvas, w), [230, 180]);
  // pan never touches leading (non-displayed) axes.
  const c3 = pan({ ...camera, center: [7, 50, 100] }, 10, 10);
  assert.equal(c3.center[0], 7);
});

test("fitCamera centres the box and fits it with the margin", () => {
  const f = fitCamera(camera, canvas, [-0.5, -0.5], [99.5, 399.5], 0.1);
  close(f.center, [49.5, 199.5]);
  // 400 wide in 800 CSS px (limiting axis), 10% margin.
  assert.ok(Math.abs(f.zoom - 2 * 0.9) < 1e-12);
  const [x0, y0] = worldToScreen(f, canvas, [-0.5, -0.5]);
  const [x1, y1] = worldToScreen(f, canvas, [99.5, 399.5]);
  assert.ok(x0 >= 0 && y0 >= 0 && x1 <= 800 && y1 <= 600);
});

test("devicePixelToWorld samples device pixel centres consistent with screenToWorld", () => {
  const m = devicePixelToWorld(camera, canvas);
  assert.ok(Math.abs(m.step - 1 / (camera.zoom * canvas.pixel_ratio)) < 1e-15);
  // Device pixel (i, j) centre is CSS point ((j + 0.5) / ratio, (i + 0.5) / ratio).
  for (const [i, j] of [
    [0, 0],
    [599, 1001],
    [1199, 1599],
  ] as Vec2[]) {
    const w = screenToWorld(camera, canvas, [(j + 0.5) / 2, (i + 0.5) / 2]);
    close([m.originY + i * m.step, m.originX + j * m.step], w);
  }
});
