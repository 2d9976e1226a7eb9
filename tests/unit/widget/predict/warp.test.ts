import assert from "node:assert/strict";
import { test } from "node:test";
import { devicePixelToWorld, pan, zoomAbout } from "../../../../src/protocol/camera.js";
import {
  anglesFromFrame,
  cameraFrame,
  orbit,
  pan3d,
  worldToScreen3d,
  type Vec3,
} from "../../../../src/protocol/camera3d.js";
import type { Camera, Canvas } from "../../../../src/protocol/state.js";
import type { PredictView } from "../../../../src/widget/predict/camera-log.js";
import {
  applyAffine,
  invertAffine,
  isIdentity,
  multiplyAffine,
  warpAffine,
  type Affine,
} from "../../../../src/widget/predict/warp.js";

// The view: 800 x 600 CSS px; the same view on a HiDPI screen is 1600 x 1200 device px.
const W = 800;
const H = 600;
const css: Canvas = { width: W, height: H, pixel_ratio: 1 };
const hidpi: Canvas = { width: 2 * W, height: 2 * H, pixel_ratio: 2 };
const cam2: Camera = { center: [120.5, 310.25], zoom: 1.7, angles: [0, 0, 90] };
const v2 = (camera: Camera): PredictView => ({ camera, ndisplay: 2 });
const v3 = (camera: Camera): PredictView => ({ camera, ndisplay: 3 });

function assertAffine(actual: Affine | null, expected: Affine, tol = 1e-9): void {
  assert.ok(actual, "warp should predict");
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= tol, `[${i}] ${v} != ${expected[i]} (${actual})`));
}

function assertPoint(actual: readonly number[], expected: readonly number[], tol = 1e-7): void {
  assert.ok(
    Math.abs(actual[0]! - expected[0]!) <= tol && Math.abs(actual[1]! - expected[1]!) <= tol,
    `${actual} != ${expected}`,
  );
}

test("affine helpers: apply, multiply (second after first), invert", () => {
  const m: Affine = [2, 0.5, -1, 3, 10, -4];
  assert.deepEqual(applyAffine(m, 1, 2), [2 - 2 + 10, 0.5 + 6 - 4]);
  const n: Affine = [1, 0, 0, 1, 5, 7];
  // n then m: m(n(p)); m then n: n(m(p)).
  assertPoint(applyAffine(multiplyAffine(m, n), 1, 2), applyAffine(m, 6, 9));
  assertPoint(applyAffine(multiplyAffine(n, m), 1, 2), [10 + 5, 2.5 + 7]);
  assert.ok(isIdentity(multiplyAffine(invertAffine(m)!, m)));
  assert.equal(invertAffine([1, 2, 2, 4, 0, 0]), null);
  assert.ok(!isIdentity([1, 0, 0, 1, 1e-3, 0]));
});

test("2D: equal cameras give the identity; ndisplay mismatch cannot predict", () => {
  assert.ok(isIdentity(warpAffine(v2(cam2), v2({ ...cam2 }), W, H)!, 1e-12));
  assert.equal(warpAffine(v2(cam2), v3(cam2), W, H), null);
  assert.equal(warpAffine(v3(cam2), v2(cam2), W, H), null);
});

test("2D: a pan by (dx, dy) CSS px translates by (dx, dy)", () => {
  assertAffine(warpAffine(v2(cam2), v2(pan(cam2, 37, -12.5)), W, H), [1, 0, 0, 1, 37, -12.5]);
  // A 3-element centre (z, y, x) pans on its last two axes alike.
  const c3: Camera = { ...cam2, center: [5, 120.5, 310.25] };
  assertAffine(warpAffine(v2(c3), v2(pan(c3, -8, 20)), W, H), [1, 0, 0, 1, -8, 20]);
});

test("2D: zoom x2 about the canvas centre scales by 2 about the centre", () => {
  const to = zoomAbout(cam2, css, 2, [W / 2, H / 2]);
  // x' = W/2 + 2 (x - W/2) = 2x - 400; y' = 2y - 300.
  assertAffine(warpAffine(v2(cam2), v2(to), W, H), [2, 0, 0, 2, -400, -300]);
});

test("2D: zoom about a cursor point keeps that point fixed", () => {
  const cursor: [number, number] = [100, 50];
  const m = warpAffine(v2(cam2), v2(zoomAbout(cam2, css, 1.5, cursor)), W, H)!;
  assertPoint(applyAffine(m, ...cursor), cursor);
  assertAffine(m, [1.5, 0, 0, 1.5, 100 - 150, 50 - 75]);
  // Any other point moves away from the cursor by the zoom factor.
  assertPoint(applyAffine(m, 300, 250), [100 + 1.5 * 200, 50 + 1.5 * 200]);
});

test("2D: pan then zoom composes (and equals the product of the two warps)", () => {
  const panned = pan(cam2, 30, -20);
  const zoomed = zoomAbout(panned, css, 2, [200, 100]);
  // x1 = x + 30, x2 = 200 + 2 (x1 - 200) = 2x - 140; y1 = y - 20, y2 = 100 + 2 (y1 - 100) = 2y - 140.
  const direct = warpAffine(v2(cam2), v2(zoomed), W, H);
  assertAffine(direct, [2, 0, 0, 2, -140, -140]);
  const product = multiplyAffine(warpAffine(v2(panned), v2(zoomed), W, H)!, warpAffine(v2(cam2), v2(panned), W, H)!);
  assertAffine(direct, product);
});

test("2D HiDPI: the CSS affine ignores pixel_ratio and matches the daemon's device pixel map", () => {
  // Cameras moved on a pixel_ratio 2 canvas: the warp is stated in CSS px, so it is the same.
  const to = pan(zoomAbout(cam2, hidpi, 1.25, [640, 90]), 11, 7);
  const m = warpAffine(v2(cam2), v2(to), W, H)!;
  const same = pan(zoomAbout(cam2, css, 1.25, [640, 90]), 11, 7);
  assertAffine(m, warpAffine(v2(cam2), v2(same), W, H)!);
  // x' = 640 + 1.25 (x - 640) + 11 = 1.25x - 149; y' = 90 + 1.25 (y - 90) + 7 = 1.25y - 15.5.
  assertAffine(m, [1.25, 0, 0, 1.25, -149, -15.5]);
  // Independent check through devicePixelToWorld (what render2d samples): device pixel (i, j) of
  // the `from` frame shows world w; under `to` w lies at device index (w - origin) / step.
  const a = devicePixelToWorld(cam2, hidpi);
  const b = devicePixelToWorld(to, hidpi);
  for (const [i, j] of [
    [0, 0],
    [1599, 0],
    [123, 1100],
    [800, 600],
  ] as const) {
    const wx = a.originX + i * a.step;
    const wy = a.originY + j * a.step;
    const i2 = (wx - b.originX) / b.step;
    const j2 = (wy - b.originY) / b.step;
    // Device pixel centre (i + 0.5) is CSS (i + 0.5) / pixel_ratio.
    assertPoint(applyAffine(m, (i + 0.5) / 2, (j + 0.5) / 2), [(i2 + 0.5) / 2, (j2 + 0.5) / 2]);
  }
});

// 3D: an oblique camera, so no axis-aligned shortcut can pass by accident.
const cam3: Camera = { center: [40, 100.5, 220], zoom: 2.5, angles: [20, 30, 70] };
const someWorld: Vec3[] = [
  [40, 100.5, 220],
  [0, 0, 0],
  [63, 80, 250],
  [10, 140, 190],
  [-25, 120, 260],
];

/** For every world point (any depth), the affine maps its `from` projection to its `to` projection. */
function assertExactForAllDepths(m: Affine | null, from: Camera, to: Camera): void {
  assert.ok(m, "warp should predict");
  for (const p of someWorld) {
    assertPoint(applyAffine(m, ...worldToScreen3d(from, css, p)), worldToScreen3d(to, css, p), 1e-6);
  }
}

test("3D: equal cameras give the identity", () => {
  assert.ok(isIdentity(warpAffine(v3(cam3), v3({ ...cam3 }), W, H)!, 1e-9));
});

test("3D: pure pan translates by the drag and is exact at every depth", () => {
  const to = pan3d(cam3, 40, -25);
  const m = warpAffine(v3(cam3), v3(to), W, H);
  assertAffine(m, [1, 0, 0, 1, 40, -25], 1e-9);
  assertExactForAllDepths(m, cam3, to);
});

test("3D: pure zoom scales about the canvas centre and is exact at every depth", () => {
  const to = { ...cam3, zoom: cam3.zoom * 1.6 };
  const m = warpAffine(v3(cam3), v3(to), W, H);
  assertAffine(m, [1.6, 0, 0, 1.6, W / 2 - 1.6 * (W / 2), H / 2 - 1.6 * (H / 2)], 1e-9);
  assertExactForAllDepths(m, cam3, to);
});

test("3D: roll (rotation about the view axis) is an exact rotation about the centre", () => {
  const { view, up, right } = cameraFrame(cam3.angles);
  const t = (25 * Math.PI) / 180;
  // New up = up turned by t towards right: the screen's content turns by t the other way.
  const up2: Vec3 = [0, 1, 2].map((i) => Math.cos(t) * up[i]! + Math.sin(t) * right[i]!) as Vec3;
  const to = { ...cam3, angles: anglesFromFrame(view, up2) };
  const m = warpAffine(v3(cam3), v3(to), W, H);
  assert.ok(m);
  // A rotation: orthonormal linear part with determinant +1, centre fixed.
  assert.ok(Math.abs(Math.hypot(m[0], m[1]) - 1) < 1e-9 && Math.abs(m[0] * m[3] - m[1] * m[2] - 1) < 1e-9);
  assert.ok(Math.abs(Math.abs(Math.atan2(m[1], m[0])) - t) < 1e-9, `angle ${Math.atan2(m[1], m[0])}`);
  assertPoint(applyAffine(m, W / 2, H / 2), [W / 2, H / 2]);
  assertExactForAllDepths(m, cam3, to);
});

test("3D: pan + zoom + roll combined stay exact", () => {
  const { view, up, right } = cameraFrame(cam3.angles);
  const t = -0.3;
  const up2: Vec3 = [0, 1, 2].map((i) => Math.cos(t) * up[i]! + Math.sin(t) * right[i]!) as Vec3;
  const to = { ...pan3d(cam3, -60, 15), zoom: 0.8, angles: anglesFromFrame(view, up2) };
  assertExactForAllDepths(warpAffine(v3(cam3), v3(to), W, H), cam3, to);
});

test("3D: a small yaw is exact on the centre plane and close off it", () => {
  const to = { ...cam3, angles: orbit(cam3.angles, 8, 0) }; // 2 degrees about the screen's up axis
  const m = warpAffine(v3(cam3), v3(to), W, H);
  assert.ok(m && m.every(Number.isFinite));
  const { view, up, right } = cameraFrame(cam3.angles);
  const c = cam3.center as Vec3;
  const at = (u: number, v: number, depth: number): Vec3 =>
    [0, 1, 2].map((i) => c[i]! + u * right[i]! + v * up[i]! + depth * view[i]!) as Vec3;
  let offPlaneError = 0;
  for (const [u, v] of [
    [0, 0],
    [100, 0],
    [-70, 40],
    [30, -90],
  ] as const) {
    // On the plane through the centre perpendicular to the from-view: exact.
    const p = at(u, v, 0);
    assertPoint(applyAffine(m, ...worldToScreen3d(cam3, css, p)), worldToScreen3d(to, css, p), 1e-6);
    // 20 world units off the plane: off by about depth * sin(2 deg) * zoom = 1.745 CSS px.
    const q = at(u, v, 20);
    const got = applyAffine(m, ...worldToScreen3d(cam3, css, q));
    const want = worldToScreen3d(to, css, q);
    const err = Math.hypot(got[0] - want[0], got[1] - want[1]);
    assert.ok(err <= 20 * Math.sin((2 * Math.PI) / 180) * cam3.zoom * 1.001, `error ${err}`);
    offPlaneError = Math.max(offPlaneError, err);
  }
  assert.ok(offPlaneError > 1, "an off-plane point under yaw is an approximation, not exact");
});
