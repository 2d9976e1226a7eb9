import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { CpuRenderer } from "../../../src/daemon/render/cpu-renderer.js";
import { colorIndex, colormapLut } from "../../../src/daemon/render/colormaps.js";
import { renderLayers2D } from "../../../src/daemon/render/render2d.js";
import { renderLayers, renderLayers3D } from "../../../src/daemon/render/render3d.js";
import type { RenderRequest } from "../../../src/daemon/render/types.js";
import type { LayerData } from "../../../src/daemon/data/types.js";
import {
  cameraFrame,
  worldToScreen3d,
  type ColormapName,
  type LayerState,
  type Vec3,
} from "../../../src/protocol/index.js";
import { PYTHON, pythonHas, runPython } from "./python.js";
import { layer, layerData, pixel, request, rng } from "./helpers.js";

const REFERENCE = fileURLToPath(new URL("./reference3d.py", import.meta.url));
const HAVE_NUMPY = pythonHas("numpy");

/** A 3D request: camera centre (z, y, x), angles, zoom 1 unless given. */
function request3d(
  layers: Array<[LayerState, LayerData]>,
  opts: { width: number; height: number; center: number[]; angles: Vec3; zoom?: number; step?: number[] },
): RenderRequest {
  const req = request(layers, { width: opts.width, height: opts.height, center: opts.center, zoom: opts.zoom });
  req.state.camera.angles = opts.angles;
  req.state.dims = { ndisplay: 3, current_step: opts.step ?? [0, 0, 0], axis_labels: [] };
  return req;
}

function render(req: RenderRequest): Uint8Array {
  const out = new Uint8Array(req.canvas.width * req.canvas.height * 4);
  renderLayers(req, out);
  return out;
}

/** [axis, sign] of an axis-aligned unit vector. */
function axisOf(v: Vec3): [number, number] {
  const k = v.findIndex((c) => Math.abs(c) === 1);
  assert.ok(k >= 0, `not axis-aligned: ${v.join(",")}`);
  return [k, Math.sign(v[k]!)];
}

/** Angles looking along each data axis both ways, plus a 90 degree roll of the default view. */
const AXIS_VIEWS: Vec3[] = [
  [0, 0, 90],
  [0, 0, -90],
  [0, 0, 0],
  [0, 0, 180],
  [0, 90, 90],
  [0, -90, 0],
  [90, 0, 90],
];

const SHAPE = [17, 19, 23];
const next = rng(0x3d3d3dn);
const VOL = layerData("v", "uint16", SHAPE, () => Math.floor(next() * 1000));

interface RefParams {
  mode: string;
  lo: number;
  hi: number;
  cutoff: number;
  attenuation?: number;
  threshold?: number;
}

/** The numpy reference image for `angles` (float64 per pixel, NaN = transparent) and the canvas size. */
function reference(data: LayerData, angles: Vec3, p: RefParams): { img: Float64Array; width: number; height: number } {
  const f = cameraFrame(angles);
  const down: Vec3 = [-f.up[0], -f.up[1], -f.up[2]];
  const [ra, rs] = axisOf(f.right);
  const [da, ds] = axisOf(down);
  const args = { shape: data.shape, dtype: data.dtype, view: axisOf(f.view), down: [da, ds], right: [ra, rs], ...p };
  const bytes = new Uint8Array(data.data.buffer, data.data.byteOffset, data.data.byteLength);
  const out = runPython(`exec(open(${JSON.stringify(REFERENCE)}).read())`, bytes, [JSON.stringify(args)]);
  const img = new Float64Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
  return { img, width: data.shape[ra]!, height: data.shape[da]! };
}

const centre = (shape: readonly number[]): number[] => shape.slice(-3).map((n) => (n - 1) / 2);

/** Render `l` over `data` from `angles` at zoom 1 on a canvas exactly covering the volume; compare to numpy. */
function checkAgainstReference(l: LayerState, data: LayerData, angles: Vec3, p: RefParams): void {
  const { img, width, height } = reference(data, angles, p);
  const out = render(request3d([[l, data]], { width, height, center: centre(data.shape), angles }));
  const lut = colormapLut(l.colormap);
  let drawn = 0;
  for (let i = 0; i < width * height; i++) {
    const v = img[i]!;
    let want = [0, 0, 0, 255];
    if (!Number.isNaN(v)) {
      const k = colorIndex(v, p.lo, p.hi, l.gamma) * 4;
      want = [lut[k]!, lut[k + 1]!, lut[k + 2]!, 255];
      drawn++;
    }
    const got = [...out.subarray(i * 4, i * 4 + 4)];
    assert.deepEqual(
      got,
      want,
      `${l.rendering} angles ${angles.join(",")} pixel ${i % width},${Math.floor(i / width)}`,
    );
  }
  assert.ok(drawn > 0, "something was drawn");
}

describe("renderLayers3D against numpy (axis-aligned views)", { skip: !HAVE_NUMPY && "needs .venv numpy" }, () => {
  const lo = 100;
  const hi = 900;
  const base = { colormap: "viridis" as ColormapName, contrast_limits: [lo, hi] as [number, number] };

  for (const angles of AXIS_VIEWS) {
    it(`mip, minip, average, attenuated_mip at angles ${angles.join(",")}`, () => {
      // translucent blending: napari's cutoffs (mip > lo, minip < hi) decide what is transparent.
      checkAgainstReference(layer("v", { ...base, rendering: "mip" }), VOL, angles, {
        mode: "mip",
        lo,
        hi,
        cutoff: lo,
      });
      checkAgainstReference(layer("v", { ...base, rendering: "minip" }), VOL, angles, {
        mode: "minip",
        lo,
        hi,
        cutoff: hi,
      });
      checkAgainstReference(layer("v", { ...base, rendering: "average" }), VOL, angles, {
        mode: "average",
        lo,
        hi,
        cutoff: 0,
      });
      checkAgainstReference(layer("v", { ...base, rendering: "attenuated_mip", attenuation: 0.5 }), VOL, angles, {
        mode: "attenuated_mip",
        lo,
        hi,
        cutoff: lo,
        attenuation: 0.5,
      });
    });
  }

  it("without translucent blending mip/minip have no cutoff (every ray is drawn)", () => {
    const angles: Vec3 = [0, 0, 90];
    const flt32 = 3.4028234663852886e38;
    const l = layer("v", { ...base, rendering: "mip", blending: "additive" });
    checkAgainstReference(l, VOL, angles, { mode: "mip", lo, hi, cutoff: -flt32 });
    const m = layer("v", { ...base, rendering: "minip", blending: "additive" });
    checkAgainstReference(m, VOL, angles, { mode: "minip", lo, hi, cutoff: flt32 });
  });

  it("linear interpolation samples voxel centres exactly in axis-aligned views", () => {
    for (const angles of AXIS_VIEWS.slice(0, 3)) {
      const l = layer("v", { ...base, rendering: "mip", interpolation: "linear" });
      checkAgainstReference(l, VOL, angles, { mode: "mip", lo, hi, cutoff: lo });
    }
  });

  it("iso: the hit mask is any(v > iso_threshold) along the ray", () => {
    const bg = layerData("bg", "uint8", SHAPE, () => 1);
    const bgLayer = layer("bg", { colormap: "red", contrast_limits: [0, 1] });
    for (const angles of AXIS_VIEWS) {
      const { img, width, height } = reference(VOL, angles, { mode: "iso", lo, hi, cutoff: 0, threshold: 980 });
      const isoLayer = layer("v", { ...base, colormap: "green", rendering: "iso", iso_threshold: 980 });
      const req = request3d(
        [
          [bgLayer, bg],
          [isoLayer, VOL],
        ],
        { width, height, center: centre(SHAPE), angles },
      );
      const out = render(req);
      let hits = 0;
      for (let i = 0; i < width * height; i++) {
        const hit = out[i * 4] === 0;
        assert.equal(hit, img[i] === 1, `angles ${angles.join(",")} pixel ${i}`);
        if (hit) hits++;
      }
      assert.ok(hits > 0 && hits < width * height, `mixed hit mask (${hits})`);
    }
  });
});

describe("renderLayers3D semantics", () => {
  it("a 2D layer in 3D is a slab at z = 0: the default view equals the 2D render", () => {
    const img = layerData("img", "uint8", [20, 30], (i) => (i * 37 + 11) % 256);
    const l = layer("img", { scale: [1.5, 0.75], translate: [2, -3] });
    const opts = { width: 40, height: 36, center: [14, 9] };
    const want = new Uint8Array(40 * 36 * 4);
    renderLayers2D(request([[l, img]], opts), want);
    const got = render(request3d([[l, img]], { ...opts, center: [0, 14, 9], angles: [0, 0, 90] }));
    assert.deepEqual(got, want);
  });

  it("slices leading axes at dims.current_step", () => {
    const shape = [3, 16, 16, 16];
    const v4 = layerData("v", "uint8", shape, (i) => (i * 7) % 251);
    const v3 = layerData("v", "uint8", shape.slice(1), (i) => v4.data[2 * 16 ** 3 + i]!);
    const l = layer("v");
    const opts = { width: 16, height: 16, center: [7.5, 7.5, 7.5], angles: [20, 30, 100] as Vec3 };
    const got = render(request3d([[l, v4]], { ...opts, step: [5, 0, 0, 0] }));
    assert.deepEqual(got, render(request3d([[l, v3]], opts)));
  });

  it("a bright voxel lands where worldToScreen3d projects it, for rotated views", () => {
    const n = 21;
    const at: Vec3 = [4, 12, 15];
    const vol = layerData("v", "uint8", [n, n, n], (i) => (i === at[0] * n * n + at[1] * n + at[2] ? 255 : 0));
    const l = layer("v", { scale: [2, 1, 1.5], translate: [1, -2, 3] });
    const world: Vec3 = [at[0] * 2 + 1, at[1] - 2, at[2] * 1.5 + 3];
    for (const angles of [
      [20, 30, 100],
      [-50, 10, 45],
      [0, 60, 90],
    ] as Vec3[]) {
      const req = request3d([[l, vol]], { width: 64, height: 48, center: [20, 10, 18], angles, zoom: 1.5 });
      const out = render(req);
      const bright: Array<[number, number]> = [];
      for (let y = 0; y < 48; y++)
        for (let x = 0; x < 64; x++) if (pixel(out, 64, x, y)[0] === 255) bright.push([x, y]);
      const [sx, sy] = worldToScreen3d(req.state.camera, req.canvas, world);
      assert.ok(bright.length > 0, `visible at ${angles.join(",")}`);
      for (const [x, y] of bright) {
        // Pixel centres within the voxel's projected footprint (<= half the largest voxel edge * zoom + 1).
        assert.ok(Math.hypot(x + 0.5 - sx, y + 0.5 - sy) < 3, `(${x},${y}) vs (${sx},${sy}) at ${angles.join(",")}`);
      }
    }
  });

  it("translucent composites front to back (front = larger z in the default view)", () => {
    // Two z planes: back (z=0) value 255, front (z=1) value 128 -> alpha index 128/255.
    const vol = layerData("v", "uint8", [2, 16, 16], (i) => (i < 256 ? 255 : 128));
    const l = layer("v", { rendering: "translucent", colormap: "gray", contrast_limits: [0, 256] });
    const out = render(request3d([[l, vol]], { width: 16, height: 16, center: [0.5, 7.5, 7.5], angles: [0, 0, 90] }));
    // vispy's update, front sample first: c = index/255 in both colour and alpha.
    const ci = [colorIndex(128, 0, 256, 1), colorIndex(255, 0, 256, 1)];
    let C = 0;
    let A = 0;
    for (const k of ci) {
      const a2 = (k / 255) * (1 - A);
      const alpha = Math.max(A + a2, 0.001);
      C = (C * A) / alpha + ((k / 255) * a2) / alpha;
      A = alpha;
    }
    const src = Math.round(C * 255);
    const a = Math.round(A * 255) / 255;
    const want = Math.floor(src * a + 0 * (1 - a) + 0.5);
    assert.deepEqual(pixel(out, 16, 5, 5), [want, want, want, 255]);
    // Seen from the other side (view +z), the 255 plane is in front and wins more of the colour.
    const back = render(request3d([[l, vol]], { width: 16, height: 16, center: [0.5, 7.5, 7.5], angles: [0, 0, -90] }));
    assert.ok(pixel(back, 16, 5, 5)[0]! > want);
  });

  it("additive rendering screens colours: 1 - (1 - a)(1 - b)", () => {
    const vol = layerData("v", "uint8", [2, 16, 16], (i) => (i < 256 ? 100 : 50));
    const l = layer("v", { rendering: "additive", colormap: "gray", contrast_limits: [0, 256] });
    const out = render(request3d([[l, vol]], { width: 16, height: 16, center: [0.5, 7.5, 7.5], angles: [0, 0, 90] }));
    const c = (v: number): number => colorIndex(v, 0, 256, 1) / 255;
    const want = Math.round((1 - (1 - c(100)) * (1 - c(50))) * 255);
    assert.deepEqual(pixel(out, 16, 3, 3), [want, want, want, 255]);
  });

  it("iso: a face seen head-on is shaded better*(0.2 + 1) + 1", () => {
    // A 6x6x6 block of 100 inside zeros; the view (-z) hits its z = 10 face first.
    const n = 16;
    const vol = layerData("v", "float32", [n, n, n], (i) => {
      const [z, y, x] = [Math.floor(i / 256), Math.floor(i / 16) % 16, i % 16];
      return z >= 5 && z <= 10 && y >= 5 && y <= 10 && x >= 5 && x <= 10 ? 100 : 0;
    });
    const l = layer("v", { rendering: "iso", iso_threshold: 50, contrast_limits: [0, 200] });
    const out = render(request3d([[l, vol]], { width: n, height: n, center: [7.5, 7.5, 7.5], angles: [0, 0, 90] }));
    const k = colorIndex(100 * 1.2 + 1, 0, 200, 1);
    assert.deepEqual(pixel(out, n, 7, 7), [k, k, k, 255]);
    assert.deepEqual(pixel(out, n, 2, 2), [0, 0, 0, 255]);
  });

  it("renders bands independently: any split equals the whole frame", () => {
    const l = layer("v", { rendering: "attenuated_mip", colormap: "magma", contrast_limits: [50, 950] });
    const req = request3d([[l, VOL]], { width: 40, height: 30, center: [8, 9, 11], angles: [15, -25, 70], zoom: 1.3 });
    const whole = render(req);
    const parts = new Uint8Array(whole.length);
    for (const [y0, y1] of [
      [0, 7],
      [7, 8],
      [8, 30],
    ]) {
      renderLayers3D(req, parts, { y0: y0!, y1: y1! });
    }
    assert.deepEqual(parts, whole);
  });
});

describe("CpuRenderer in 3D", () => {
  const renderer = new CpuRenderer({ threads: 2 });
  after(() => renderer.dispose());

  it("worker bands equal the inline render for every rendering mode", async () => {
    const modes = ["translucent", "additive", "iso", "mip", "minip", "attenuated_mip", "average"] as const;
    for (const rendering of modes) {
      const l = layer("v", {
        rendering,
        colormap: "turbo",
        contrast_limits: [100, 900],
        iso_threshold: 900,
        interpolation: rendering === "mip" ? "linear" : "nearest",
        opacity: 0.8,
        scale: [1.2, 1, 0.9],
      });
      const req = request3d([[l, VOL]], { width: 48, height: 40, center: [8, 9, 11], angles: [10, 35, 60] });
      const frame = await renderer.render(req);
      assert.deepEqual(frame.rgba, render(req), rendering);
      renderer.release(frame);
    }
  });
});

if (!PYTHON) console.warn("render3d.test: no .venv python, numpy references skipped");
