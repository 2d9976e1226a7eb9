/**
 * Colormaps on the GPU: every built-in table and custom tables (`colormap_lut`) draw exactly as on the CPU,
 * in 2D (folded value tables and the per-pixel path) and 3D; the GPU's LUT cache is keyed by the table's
 * contents, so a new table under the same name is never drawn with the old one. Skips without a GPU.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { GpuRenderer } from "../../src/daemon/render/gpu/gpu-renderer.js";
import { renderLayers3D } from "../../src/daemon/render/render3d.js";
import type { RenderRequest } from "../../src/daemon/render/types.js";
import { COLORMAP_NAMES, colormapRgb, type LayerState } from "../../src/protocol/index.js";
import { layer, layerData, request, rng } from "../unit/render/helpers.js";
import { cpuFrame, diffFrames, startGpu } from "./helpers.js";
import { centre, u16 as vol, view3d } from "./scenarios3d.js";

const gpu = await startGpu("rgba");
const skip = typeof gpu === "string" ? gpu : false;
const renderer = gpu as GpuRenderer;
after(() => (typeof gpu === "string" ? undefined : gpu.dispose()));

const hex = (rgb: Uint8Array): string => Buffer.from(rgb).toString("hex");
/** A custom table: seeded noise (adjacent entries unrelated, so any index slip shows). */
function noiseLut(seed: bigint): string {
  const r = rng(seed);
  return hex(Uint8Array.from({ length: 768 }, () => Math.floor(r() * 256)));
}
/** A built-in table reversed, sent as a custom one. */
const reversed = (name: string): string => {
  const rgb = colormapRgb(name);
  const out = new Uint8Array(768);
  for (let i = 0; i < 256; i++) out.set(rgb.subarray(3 * (255 - i), 3 * (255 - i) + 3), 3 * i);
  return hex(out);
};

const W = 256;
const H = 96;
const next = rng(0xc01025n);
// Every value of the 8-bit range, a 16-bit gradient and floats: each hits every colormap entry.
const u8 = layerData("u8", "uint8", [32, 256], (i) => i % 256);
const u16 = layerData("u16", "uint16", [32, 256], (i) => (i % 256) * 257 + Math.floor(next() * 200));
const f32 = layerData("f32", "float32", [32, 256], (i) => ((i % 256) + next()) / 256);

/** Three bands (uint8 / uint16 nearest, float32 linear) drawn with one colormap. */
function bands(cm: Partial<LayerState>): RenderRequest {
  return request(
    [
      [layer("u8", { ...cm, contrast_limits: [0, 255] }), u8],
      [layer("u16", { ...cm, contrast_limits: [0, 65535], translate: [32, 0] }), u16],
      [layer("f32", { ...cm, contrast_limits: [0, 1], interpolation: "linear", translate: [64, 0] }), f32],
    ],
    { width: W, height: H, center: [47.5, 127.5], step: [0, 0] },
  );
}

async function assertSame(req: RenderRequest, what: string): Promise<void> {
  const frame = await renderer.render(req);
  const d = diffFrames(frame.rgba, cpuFrame(req), req.canvas.width);
  renderer.release(frame);
  console.log(`gpu-colormap ${JSON.stringify({ colormap: what, ...d, psnr: String(d.psnr) })}`);
  assert.equal(d.maxDiff, 0, `${what}: max diff ${d.maxDiff} (${d.differing} px; first ${d.first})`);
}

describe("GPU colormaps equal the CPU's", { skip }, () => {
  it("every built-in name", async () => {
    for (const name of COLORMAP_NAMES) await assertSame(bands({ colormap: name, colormap_lut: null }), name);
  });

  it("custom tables (colormap_lut)", async () => {
    await assertSame(bands({ colormap: "noise", colormap_lut: noiseLut(1n) }), "noise");
    await assertSame(bands({ colormap: "viridis_r", colormap_lut: reversed("viridis") }), "viridis_r");
  });

  it("a new table under the same name is drawn with the new table (cache keyed by contents)", async () => {
    for (const seed of [2n, 3n, 4n]) {
      await assertSame(bands({ colormap: "custom", colormap_lut: noiseLut(seed) }), `custom ${seed}`);
    }
    // ... and a custom table equal to a built-in one draws as that built-in.
    await assertSame(bands({ colormap: "magma", colormap_lut: null }), "magma");
    await assertSame(bands({ colormap: "custom", colormap_lut: hex(colormapRgb("magma")) }), "magma as custom");
  });

  it("in 3D (mip and translucent) with a custom table", async () => {
    for (const rendering of ["mip", "translucent"] as const) {
      const l = layer("v", { rendering, contrast_limits: [0, 55000], colormap: "noise", colormap_lut: noiseLut(5n) });
      const req = view3d([[l, vol]], centre, [0, 0, 90], 2, 240, 160);
      const frame = await renderer.render(req);
      const ref = new Uint8Array(240 * 160 * 4);
      renderLayers3D(req, ref);
      const d = diffFrames(frame.rgba, ref, 240);
      renderer.release(frame);
      console.log(`gpu3d-colormap ${JSON.stringify({ rendering, ...d, psnr: String(d.psnr) })}`);
      // As tests/gpu/render3d.test.ts: a tie between two voxels may round either way (a rare pixel).
      assert.ok(d.differing <= (240 * 160) / 1000, `${rendering}: ${d.differing} px differ; first ${d.first}`);
    }
  });
});
