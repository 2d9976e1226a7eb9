/** drawPlan: the warp composed with picture scale, overscan margins and backing scale (hand-computed cases). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { pan, zoomAbout } from "../../../src/protocol/camera.js";
import type { Camera } from "../../../src/protocol/state.js";
import { drawPlan, samePlan, viewSize } from "../../../src/widget/display/draw-plan.js";
import { warpAffine } from "../../../src/widget/predict/warp.js";

const close = (actual: number[], expected: number[]) =>
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-9, `${actual} != ${expected}`));

test("as rendered: the view region blitted 1:1, margins cropped", () => {
  assert.deepEqual(
    drawPlan(
      null,
      { width: 1280, height: 720, marginX: 0, marginY: 0 },
      { width: 1280, height: 720 },
      { width: 1280, height: 720 },
    ),
    { kind: "blit", x: 0, y: 0, covers: true },
  );
  const pic = { width: 1344, height: 752, marginX: 32, marginY: 16 };
  assert.deepEqual(viewSize(pic), { width: 1280, height: 720 });
  assert.deepEqual(drawPlan([1, 0, 0, 1, 0, 0], pic, { width: 1280, height: 720 }, { width: 1280, height: 720 }), {
    kind: "blit",
    x: -32,
    y: -16,
    covers: true,
  });
});

test("a pan is an integer blit in backing px (HiDPI: 2 px per CSS px), covering while inside the margins", () => {
  // 640x360 CSS at dpr 2: a 1280x720 view, overscan 64 x 32 device px.
  const pic = { width: 1408, height: 784, marginX: 64, marginY: 32 };
  const plan = drawPlan([1, 0, 0, 1, 10.4, -5.6], pic, { width: 1280, height: 720 }, { width: 640, height: 360 });
  // 2 * 10.4 - 64 = -43.2 -> -43; 2 * -5.6 - 32 = -43.2 -> -43.
  assert.deepEqual(plan, { kind: "blit", x: -43, y: -43, covers: true });
  // 40 CSS px at dpr 1 with a 16 px margin: 24 px of the left edge are uncovered (cleared black).
  const pic1 = { width: 1312, height: 752, marginX: 16, marginY: 16 };
  assert.deepEqual(drawPlan([1, 0, 0, 1, 40, 0], pic1, { width: 1280, height: 720 }, { width: 1280, height: 720 }), {
    kind: "blit",
    x: 24,
    y: -16,
    covers: false,
  });
});

test("a half-resolution picture keeps a half-size backing: 10 CSS px are 5 backing px", () => {
  const pic = { width: 640, height: 360, marginX: 0, marginY: 0 };
  assert.deepEqual(drawPlan([1, 0, 0, 1, 10, 0], pic, { width: 640, height: 360 }, { width: 1280, height: 720 }), {
    kind: "blit",
    x: 5,
    y: 0,
    covers: false,
  });
});

test("a zoom is an affine draw: the view centre stays at the backing centre", () => {
  // Zoom 2 about the centre of a 1280x720 CSS view, half-resolution picture with 16 x 8 margins.
  const pic = { width: 672, height: 376, marginX: 16, marginY: 8 };
  const plan = drawPlan([2, 0, 0, 2, -640, -360], pic, { width: 640, height: 360 }, { width: 1280, height: 720 });
  assert.equal(plan.kind, "affine");
  if (plan.kind !== "affine") return;
  close(plan.m, [2, 0, 0, 2, -352, -196]);
  assert.equal(plan.covers, true, "zoomed in 2x about the centre: the picture covers the canvas");
  // The picture's view centre (16 + 320, 8 + 180) lands on the backing centre (320, 180).
  assert.equal(2 * 336 - 352, 320);
  assert.equal(2 * 188 - 196, 180);
  // A backing larger than the picture (after a resize) scales even the identity.
  const grown = drawPlan(
    null,
    { width: 640, height: 360, marginX: 0, marginY: 0 },
    { width: 1280, height: 720 },
    { width: 1280, height: 720 },
  );
  assert.equal(grown.kind, "affine");
  if (grown.kind === "affine") close(grown.m, [2, 0, 0, 2, 0, 0]);
});

test("with the real warp: a 2D drag of (40, 24) CSS px moves the picture by (80, 48) backing px at dpr 2", () => {
  const from: Camera = { center: [150, 200], zoom: 1.5, angles: [0, 0, 90] };
  const to = pan(from, 40, 24);
  const warp = warpAffine({ camera: from, ndisplay: 2 }, { camera: to, ndisplay: 2 }, 480, 360);
  assert.ok(warp !== null);
  const pic = { width: 960 + 128, height: 720 + 128, marginX: 64, marginY: 64 };
  assert.deepEqual(drawPlan(warp, pic, { width: 960, height: 720 }, { width: 480, height: 360 }), {
    kind: "blit",
    x: 80 - 64,
    y: 48 - 64,
    covers: false, // 80 px of pan beyond a 64 px margin: a 16 px strip is left black
  });
  const zoomed = zoomAbout(from, { width: 480, height: 360, pixel_ratio: 1 }, 1.25, [100, 50]);
  const zw = warpAffine({ camera: from, ndisplay: 2 }, { camera: zoomed, ndisplay: 2 }, 480, 360);
  const plan = drawPlan(
    zw,
    { width: 960, height: 720, marginX: 0, marginY: 0 },
    { width: 960, height: 720 },
    { width: 480, height: 360 },
  );
  assert.equal(plan.kind, "affine");
  if (plan.kind !== "affine") return;
  // The zoom's fixed point (100, 50) CSS = (200, 100) backing px stays put.
  const [a, b, c, d, e, f] = plan.m;
  close([a * 200 + c * 100 + e, b * 200 + d * 100 + f], [200, 100]);
  assert.equal(plan.covers, true, "zooming in never uncovers the canvas");
  // Zooming out by 1/1.25 without margins uncovers the edges.
  const out = zoomAbout(from, { width: 480, height: 360, pixel_ratio: 1 }, 0.8, [240, 180]);
  const ow = warpAffine({ camera: from, ndisplay: 2 }, { camera: out, ndisplay: 2 }, 480, 360);
  const outPlan = drawPlan(
    ow,
    { width: 960, height: 720, marginX: 0, marginY: 0 },
    { width: 960, height: 720 },
    { width: 480, height: 360 },
  );
  assert.equal(outPlan.covers, false);
  // ... and a 128 px margin (1/0.8 of the view needs 0.125 x 960 = 120 px per side) covers them.
  const withMargin = drawPlan(
    ow,
    { width: 960 + 256, height: 720 + 256, marginX: 128, marginY: 128 },
    { width: 960, height: 720 },
    { width: 480, height: 360 },
  );
  assert.equal(withMargin.covers, true);
});

test("samePlan: equal draws are skipped, any difference redraws", () => {
  assert.ok(samePlan({ kind: "blit", x: 1, y: 2, covers: true }, { kind: "blit", x: 1, y: 2, covers: true }));
  assert.ok(!samePlan({ kind: "blit", x: 1, y: 2, covers: true }, { kind: "blit", x: 1, y: 3, covers: true }));
  assert.ok(
    !samePlan({ kind: "blit", x: 0, y: 0, covers: true }, { kind: "affine", m: [1, 0, 0, 1, 0, 0], covers: true }),
  );
  const a2 = { kind: "affine", m: [2, 0, 0, 2, 1, 1], covers: true } as const;
  assert.ok(samePlan({ ...a2, m: [2, 0, 0, 2, 1, 1] }, { ...a2, m: [2, 0, 0, 2, 1, 1] }));
});
