/**
 * Texture cache identity (issue 11 item 4): a plane texture must never be reused for other pixels that sit
 * at the address of a freed buffer. Regions of one shape get the same texture key (plane 0), so the cache
 * tells them apart by the data's generation (src/daemon/render/gpu/generation.ts), not by the raw pointer.
 * Every GPU frame here must equal the CPU renderer's frame of the same request.
 */
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { after, describe, it } from "node:test";
import { allocPixels } from "../../src/daemon/data/dtype.js";
import { copyChunk, type Region } from "../../src/daemon/data/region.js";
import type { LayerData } from "../../src/daemon/data/types.js";
import type { GpuRenderer } from "../../src/daemon/render/gpu/gpu-renderer.js";
import { renderLayers3D } from "../../src/daemon/render/render3d.js";
import type { RenderRequest } from "../../src/daemon/render/types.js";
import { layer, layerData, request } from "../unit/render/helpers.js";
import { cpuFrame, diffFrames, startGpu } from "./helpers.js";
import { centre, u16, view3d } from "./scenarios3d.js";

const gpu = await startGpu("rgba");
const skip = typeof gpu === "string" ? gpu : false;
const renderer = gpu as GpuRenderer;
after(() => (typeof gpu === "string" ? undefined : gpu.dispose()));

/** A forced full GC, so freed region buffers go back to the allocator (and come back at the same address). */
function collector(): () => void {
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return () => undefined;
  }
}
const gc = collector();

/**
 * The GPU frame of `req` equals the CPU's: exactly in 2D; in 3D up to `ties` pixels may differ (ray-casting
 * rounding ties, see scenarios3d.ts: one pixel a colormap step off was measured). A stale texture differs in
 * tens of thousands of pixels.
 */
async function assertMatchesCpu(req: RenderRequest, what: string, cpu = cpuFrame, ties = 0): Promise<void> {
  const frame = await renderer.render(req);
  try {
    const d = diffFrames(frame.rgba, cpu(req), req.canvas.width);
    const why = `${what}: GPU frame differs from the CPU's (${d.differing} px, max ${d.maxDiff}; first ${d.first})`;
    if (ties === 0) assert.equal(d.maxDiff, 0, why);
    else assert.ok(d.differing <= ties && d.psnr >= 60, why);
  } finally {
    renderer.release(frame);
  }
}

function cpu3d(req: RenderRequest): Uint8Array {
  const out = new Uint8Array(req.canvas.width * req.canvas.height * 4);
  renderLayers3D(req, out);
  return out;
}

describe("GPU texture cache: recycled buffers never show a stale texture", { skip }, () => {
  it("2D: other pixels at the same address (same key, same pointer) are uploaded again", async () => {
    const [ny, nx] = [200, 300];
    const sab = new SharedArrayBuffer(ny * nx * 2);
    const view = { width: 320, height: 240, center: [ny / 2, nx / 2], zoom: 1.1 };
    for (const interpolation of ["nearest", "linear"] as const) {
      const state = layer("r", { colormap: "viridis", contrast_limits: [0, 65535], interpolation });
      // Each array models a region buffer allocated where the previous, freed one was.
      for (let round = 0; round < 4; round++) {
        const data = new Uint16Array(sab);
        for (let i = 0; i < data.length; i++) data[i] = (i * (round * 2 + 3) * 2654435761 + round * 7919) % 65536;
        const region: LayerData = { id: "r", dtype: "uint16", shape: [ny, nx], data };
        await assertMatchesCpu(request([[state, region]], view), `${interpolation} round ${round}`);
      }
    }
  });

  it("3D: a volume rewritten at the same address is uploaded again", async () => {
    const sab = new SharedArrayBuffer(u16.data.byteLength);
    const state = layer("v", { colormap: "viridis", contrast_limits: [2000, 45000], interpolation: "linear" });
    for (let round = 0; round < 3; round++) {
      const data = new Uint16Array(sab);
      const n = data.length;
      // Round 0: the scenario volume; then mirrored and shifted copies of it (same shape, other pixels).
      for (let i = 0; i < n; i++) data[i] = u16.data[round % 2 ? n - 1 - i : (i + round * 997) % n]!;
      const vol: LayerData = { ...u16, data };
      await assertMatchesCpu(view3d([[state, vol]], centre, [25, 35, 70], 2.5), `3D round ${round}`, cpu3d, 16);
    }
  });

  it("alternating pyramid levels and regions of one shape, freed and reallocated, match the CPU", async () => {
    // Regions assembled the way the chunk store does it (a new shared array per region, copyChunk into it),
    // small ones (allocator bins) and large ones (mmap'd): freed buffers come back at the same addresses.
    const base = layerData("p0", "uint16", [1024, 1024], (i) => (i * 2654435761) % 65536);
    const half = layerData("p1", "uint16", [512, 512], (i) => {
      const y = Math.floor(i / 512);
      const x = i % 512;
      return base.data[y * 2 * 1024 + x * 2]! ^ 0x5a5a;
    });
    const levels = [base, half];
    const cases: Array<{ level: number; start: [number, number]; size: number }> = [];
    for (const size of [96, 384]) {
      cases.push(
        { level: 0, start: [0, 0], size },
        { level: 1, start: [64, 32], size },
        { level: 0, start: [512, 256], size },
      );
    }
    for (let i = 0; i < 36; i++) {
      const c = cases[i % cases.length]!;
      const lvl = levels[c.level]!;
      const region: Region = { start: [...c.start], stop: [c.start[0] + c.size, c.start[1] + c.size] };
      const data = allocPixels("uint16", c.size * c.size, true);
      copyChunk(lvl.data, [0, 0], lvl.shape, region, data);
      const factor = 2 ** c.level;
      const state = layer("pyr", {
        colormap: "magma",
        contrast_limits: [0, 65535],
        scale: [factor, factor],
        translate: [c.start[0] * factor, c.start[1] * factor],
      });
      const req = request([[state, { id: "pyr", dtype: "uint16", shape: [c.size, c.size], data }]], {
        width: 256,
        height: 192,
        center: [c.start[0] * factor + 60, c.start[1] * factor + 80],
        zoom: 1.3 / factor,
      });
      await assertMatchesCpu(req, `frame ${i}: level ${c.level} region at ${c.start} size ${c.size}`);
      gc();
    }
  });
});
