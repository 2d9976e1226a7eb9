import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { layerColormap } from "../../../src/daemon/render/colormaps.js";
import { frameJob } from "../../../src/daemon/render/gpu/job.js";
import { frameJob3d } from "../../../src/daemon/render/gpu/job3d.js";
import { renderLayers } from "../../../src/daemon/render/render3d.js";
import type { RenderRequest } from "../../../src/daemon/render/types.js";
import {
  COLORMAP_LUT_HEX_CHARS,
  COLORMAP_NAMES,
  colormapRgb,
  isNapariCudaError,
  LayerStateSchema,
  parseLutHex,
  parseOrThrow,
  StreamStateSchema,
  type LayerState,
} from "../../../src/protocol/index.js";
import { layer, layerData, request, rng } from "./helpers.js";

const hexOf = (rgb: Uint8Array): string => Buffer.from(rgb).toString("hex");
/** A table no built-in has: entry i = (i, 255 - i, (7 * i) % 256). */
const CUSTOM = hexOf(
  Uint8Array.from({ length: 768 }, (_, k) => {
    const i = Math.floor(k / 3);
    return [i, 255 - i, (7 * i) % 256][k % 3]!;
  }),
);

function stateMessage(l: Record<string, unknown>): unknown {
  return {
    type: "state",
    seq: 1,
    state: { camera: { center: [0, 0], zoom: 1 }, dims: { ndisplay: 2, current_step: [] }, layers: [l] },
  };
}

function rejects(l: Record<string, unknown>, path: string, message: RegExp): void {
  assert.throws(
    () => parseOrThrow(StreamStateSchema, stateMessage(l), "state"),
    (e) => isNapariCudaError(e, "invalid_message") && e.path === path && message.test(e.message),
  );
}

describe("colormap_lut at the daemon boundary", () => {
  it("accepts a built-in name alone, or any name with a 1536-char lowercase hex table", () => {
    for (const name of COLORMAP_NAMES)
      assert.equal(LayerStateSchema.parse(layer("a", { colormap: name })).colormap, name);
    const custom = LayerStateSchema.parse(layer("a", { colormap: "PiYG_r", colormap_lut: CUSTOM }));
    assert.equal(custom.colormap_lut, CUSTOM);
    assert.equal(LayerStateSchema.parse(layer("a", { colormap: "gray", colormap_lut: null })).colormap_lut, null);
    assert.equal(CUSTOM.length, COLORMAP_LUT_HEX_CHARS);
  });

  it("rejects malformed tables naming layers[i].colormap_lut", () => {
    const base = layer("a", { colormap: "mine" }) as unknown as Record<string, unknown>;
    rejects({ ...base, colormap_lut: CUSTOM.slice(2) }, "state.layers[0].colormap_lut", /exactly 1536 hex.*got 1534/);
    rejects({ ...base, colormap_lut: CUSTOM + "00" }, "state.layers[0].colormap_lut", /got 1538/);
    rejects({ ...base, colormap_lut: CUSTOM.toUpperCase() }, "state.layers[0].colormap_lut", /lowercase hex/);
    rejects({ ...base, colormap_lut: "zz" + CUSTOM.slice(2) }, "state.layers[0].colormap_lut", /lowercase hex/);
    rejects({ ...base, colormap_lut: 5 }, "state.layers[0].colormap_lut", /string/);
  });

  it("rejects a name that is not built in without a table, and over-long names", () => {
    const base = layer("a") as unknown as Record<string, unknown>;
    rejects({ ...base, colormap: "jet" }, "state.layers[0].colormap", /not built in needs its colormap_lut/);
    rejects({ ...base, colormap: "jet", colormap_lut: null }, "state.layers[0].colormap", /colormap_lut/);
    rejects({ ...base, colormap: "x".repeat(129), colormap_lut: CUSTOM }, "state.layers[0].colormap", /128/);
    rejects({ ...base, colormap: "" }, "state.layers[0].colormap", /./);
  });

  it("strips the trait-only keys (contrast_limits_range, units, bounding_box)", () => {
    const extra = { contrast_limits_range: [0, 65535], units: ["um", "um"], bounding_box: { visible: true } };
    const parsed = LayerStateSchema.parse({ ...layer("a"), ...extra }) as Record<string, unknown>;
    for (const key of Object.keys(extra)) assert.equal(key in parsed, false, key);
  });

  it("parses hex into 256 RGB entries", () => {
    const rgb = parseLutHex(CUSTOM);
    assert.equal(rgb.length, 768);
    assert.deepEqual([...rgb.subarray(3 * 200, 3 * 200 + 3)], [200, 55, (7 * 200) % 256]);
    assert.equal(hexOf(colormapRgb("viridis")).length, COLORMAP_LUT_HEX_CHARS);
    assert.throws(
      () => colormapRgb("jet"),
      (e) => isNapariCudaError(e, "unsupported") && e.path === "colormap",
    );
  });
});

describe("layerColormap", () => {
  it("uses the table when there is one, whatever the name", () => {
    const t = layerColormap({ colormap: "viridis", colormap_lut: CUSTOM });
    const rgb = parseLutHex(CUSTOM);
    for (let i = 0; i < 256; i++) {
      assert.deepEqual([...t.rgba.subarray(4 * i, 4 * i + 4)], [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255]);
    }
  });

  it("keys tables by their contents, not their names", () => {
    const viridis = layerColormap({ colormap: "viridis", colormap_lut: null });
    const same = layerColormap({ colormap: "my viridis", colormap_lut: hexOf(colormapRgb("viridis")) });
    assert.equal(same.key, viridis.key);
    assert.deepEqual(same.rgba, viridis.rgba);
    const a = layerColormap({ colormap: "custom", colormap_lut: CUSTOM });
    const b = layerColormap({ colormap: "custom", colormap_lut: hexOf(colormapRgb("magma")) });
    assert.notEqual(a.key, b.key);
    assert.notEqual(a.key, viridis.key);
    const keys = new Set(COLORMAP_NAMES.map((n) => layerColormap({ colormap: n }).key));
    assert.equal(keys.size, COLORMAP_NAMES.length - 1); // "nan" has gray's table (its NaN colour is not drawn)
  });
});

/** The same request with every layer's built-in colormap sent as a custom table under another name. */
function asCustom(req: RenderRequest): RenderRequest {
  const layers = req.state.layers.map((l): LayerState => ({
    ...l,
    colormap: `custom ${l.colormap}`,
    colormap_lut: hexOf(colormapRgb(l.colormap)),
  }));
  return { ...req, state: { ...req.state, layers } };
}

function render(req: RenderRequest): Uint8Array {
  const out = new Uint8Array(req.canvas.width * req.canvas.height * 4);
  renderLayers(req, out);
  return out;
}

describe("a custom table draws exactly as the built-in name with the same table", () => {
  const next = rng(0xc0105n);
  const u8 = layerData("u8", "uint8", [24, 31], () => Math.floor(next() * 256));
  const f32 = layerData("f32", "float32", [24, 31], () => next() * 10 - 1);
  const vol = layerData("vol", "uint16", [9, 11, 13], () => Math.floor(next() * 4000));

  it("in 2D, nearest and linear, folded value tables and per-pixel", () => {
    const req = request(
      [
        [layer("u8", { colormap: "bop orange" }), u8],
        [layer("f32", { colormap: "PiYG", contrast_limits: [0, 8], blending: "additive", opacity: 0.6 }), f32],
        [layer("lin", { colormap: "I Forest", interpolation: "linear", opacity: 0.5, contrast_limits: [0, 8] }), f32],
      ],
      { width: 40, height: 30, center: [12, 15], zoom: 1.3 },
    );
    const built = render(req);
    assert.ok(built.some((v, i) => i % 4 !== 3 && v !== 0));
    assert.deepEqual(render(asCustom(req)), built);
  });

  it("in 3D, in every rendering mode", () => {
    for (const rendering of ["mip", "translucent", "attenuated_mip", "iso", "average", "minip"] as const) {
      const req = request([[layer("vol", { colormap: "HiLo", contrast_limits: [0, 4000], rendering }), vol]], {
        width: 32,
        height: 28,
        center: [4, 5, 6],
      });
      req.state.camera.angles = [10, 20, 80];
      req.state.dims = { ndisplay: 3, current_step: [0, 0, 0], axis_labels: [] };
      assert.deepEqual(render(asCustom(req)), render(req), rendering);
    }
  });

  it("and the GPU jobs upload the same table under the same key", () => {
    const req = request(
      [
        [layer("u8", { colormap: "twilight" }), u8],
        [layer("f32", { colormap: "fire", contrast_limits: [0, 8], blending: "additive" }), f32],
      ],
      { width: 40, height: 30, center: [12, 15] },
    );
    const jobs = [frameJob(req, { rgba: true, nv12: false }), frameJob(asCustom(req), { rgba: true, nv12: false })];
    const [a, b] = jobs.map((j) =>
      j.layers.map((l) => [l.lutKey, Buffer.from(l.lut.buffer, l.lut.byteOffset, l.lut.byteLength)]),
    );
    assert.deepEqual(a, b);
    assert.ok(!a!.some(([key]) => String(key).includes("twilight")), "keyed by content, not by name");
    const req3 = request([[layer("vol", { colormap: "ice", contrast_limits: [0, 4000] }), vol]], {
      width: 16,
      height: 16,
      center: [4, 5, 6],
    });
    req3.state.dims = { ndisplay: 3, current_step: [0, 0, 0], axis_labels: [] };
    const [j3, k3] = [req3, asCustom(req3)].map((r) => frameJob3d(r, { rgba: true, nv12: false }).layers[0]!);
    assert.equal(j3!.lutKey, k3!.lutKey);
    assert.deepEqual(j3!.lut, k3!.lut);
  });
});
