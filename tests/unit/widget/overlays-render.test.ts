/**
 * The bounding box the browser draws against the picture the daemon renders (its CPU reference
 * renderer, the one the GPU output is compared with): the projected box must enclose the rendered
 * data exactly, in 2D and in 3D at arbitrary angles, with scale, translate and a pixel ratio of 2.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { renderLayers } from "../../../src/daemon/render/render3d.js";
import type { Canvas, LayerState } from "../../../src/protocol/index.js";
import type { Camera } from "../../../src/protocol/state.js";
import { boundingBoxGroup } from "../../../src/widget/overlays/bounds.js";
import type { LayerTrait } from "../../../src/widget/state/traits.js";
import { layer, layerData, request } from "../render/helpers.js";

/**
 * How far the lit pixel centres `a` reach towards the box corners `b` along 16 directions: `outside`
 * is the most any centre lies beyond the box, `short` the most the picture stops short of it.
 */
function support(a: Array<[number, number]>, b: Array<[number, number]>): { outside: number; short: number } {
  let outside = -Infinity;
  let short = 0;
  for (let k = 0; k < 16; k++) {
    const t = (k * Math.PI) / 8;
    const h = (pts: Array<[number, number]>) => Math.max(...pts.map(([x, y]) => x * Math.cos(t) + y * Math.sin(t)));
    outside = Math.max(outside, h(a) - h(b));
    short = Math.max(short, h(b) - h(a));
  }
  return { outside, short };
}

/** Centres (device px) of the lit pixels of an RGBA frame. */
function lit(rgba: Uint8Array, width: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < rgba.length / 4; i++) {
    if (rgba[i * 4]! > 128) out.push([(i % width) + 0.5, Math.floor(i / width) + 0.5]);
  }
  return out;
}

function boxCornersPx(l: LayerState, shape: number[], nd: 2 | 3, camera: Camera, canvas: Canvas) {
  const trait = { ...l, shape, dtype: "uint8" } as LayerTrait;
  const g = boundingBoxGroup(trait, nd, camera, canvas)!;
  return g.items.flatMap((i) =>
    i.kind === "dot" ? [[i.at[0] * canvas.pixel_ratio, i.at[1] * canvas.pixel_ratio] as [number, number]] : [],
  );
}

test("2D: the projected box is the rendered image's outline to the pixel", () => {
  const shape = [13, 21];
  const l = layer("a", { scale: [1.5, 0.75], translate: [3, -2] });
  const data = layerData("a", "uint8", shape, () => 255);
  for (const [zoom, center] of [
    [3, [12, 5]],
    [2.2, [11.3, 6.1]],
  ] as Array<[number, number[]]>) {
    const req = request([[l, data]], { width: 160, height: 120, center, zoom, pixelRatio: 2 });
    const out = new Uint8Array(160 * 120 * 4);
    renderLayers(req, out);
    const corners = boxCornersPx(l, shape, 2, req.state.camera, req.canvas);
    const { outside, short } = support(lit(out, 160), corners);
    // Every lit pixel centre is inside the box, and the first ones inside are less than a pixel in.
    assert.ok(outside <= 1e-9, `zoom ${zoom}: a lit pixel ${outside} px outside the box`);
    assert.ok(short < Math.SQRT2, `zoom ${zoom}: the image stops ${short} px short of the box`);
  }
});

test("3D: the projected box encloses the rendered volume at any angle", () => {
  const shape = [9, 12, 16];
  const l = layer("v", { scale: [2, 1, 0.8], translate: [1, -4, 3], contrast_limits: [0, 1] });
  const data = layerData("v", "uint8", shape, () => 1);
  const views: Array<[number, number, number]> = [
    [0, 0, 90],
    [25, -30, 80],
    [-40, 15, 130],
    [70, 40, 20],
    [10, 80, 95],
  ];
  for (const angles of views) {
    const req = request([[l, data]], { width: 160, height: 120, center: [9, 1.5, 9], zoom: 2.5, pixelRatio: 2 });
    req.state.camera.angles = angles;
    req.state.dims = { ndisplay: 3, current_step: [0, 0, 0], axis_labels: [] };
    const out = new Uint8Array(160 * 120 * 4);
    renderLayers(req, out);
    const pixels = lit(out, 160);
    assert.ok(pixels.length > 500, `${angles}: nothing rendered`);
    const { outside, short } = support(pixels, boxCornersPx(l, shape, 3, req.state.camera, req.canvas));
    assert.ok(outside <= 1e-9, `angles ${angles}: a lit pixel ${outside} px outside the box`);
    // Rays that only graze an edge may fall between two samples (one per voxel along the ray).
    assert.ok(short < 3, `angles ${angles}: the volume stops ${short} px short of the box`);
  }
});
