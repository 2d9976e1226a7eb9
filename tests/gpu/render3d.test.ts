/**
 * GPU ray casting (3D) vs the CPU ray caster (render3d.ts), every rendering mode (scenarios3d.ts). Each case
 * logs its frame difference and the GPU draw time (median of 5 frames, finish included) against the CPU's.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { GpuRenderer } from "../../src/daemon/render/gpu/gpu-renderer.js";
import { rgbaToNv12 } from "../../src/daemon/render/gpu/nv12.js";
import { renderLayers3D } from "../../src/daemon/render/render3d.js";
import type { RenderRequest } from "../../src/daemon/render/types.js";
import { layer } from "../unit/render/helpers.js";
import { diffFrames, maxAbsDiff, startGpu } from "./helpers.js";
import { centre, scenarios3d, u16, view3d } from "./scenarios3d.js";

const gpu = await startGpu("rgba");
const skip = typeof gpu === "string" ? gpu : false;
const renderer = gpu as GpuRenderer;
after(() => (typeof gpu === "string" ? undefined : gpu.dispose()));

function cpu3d(req: RenderRequest): Uint8Array {
  const out = new Uint8Array(req.canvas.width * req.canvas.height * 4);
  renderLayers3D(req, out);
  return out;
}

async function gpuDrawMs(req: RenderRequest, frames = 5): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < frames; i++) {
    const f = await renderer.render(req);
    ms.push(f.gpu?.drawMs ?? NaN);
    renderer.release(f);
  }
  return ms.sort((a, b) => a - b)[Math.floor(frames / 2)]!;
}

const round = (x: number): number => Math.round(x * 100) / 100;

describe("GPU 3D ray casting matches the CPU ray caster", { skip }, () => {
  for (const c of scenarios3d()) {
    it(`${c.name}: max diff <= ${c.maxDiff}, PSNR >= ${c.minPsnr} dB`, async () => {
      const frame = await renderer.render(c.req);
      const t0 = performance.now();
      const ref = cpu3d(c.req);
      const cpuMs = performance.now() - t0;
      const d = diffFrames(frame.rgba, ref, c.req.canvas.width);
      renderer.release(frame);
      const gpuMs = await gpuDrawMs(c.req);
      const log = { scenario: c.name, ...d, psnr: String(d.psnr), gpuDrawMs: round(gpuMs), cpuMs: round(cpuMs) };
      console.log(`gpu3d-vs-cpu ${JSON.stringify(log)}`);
      assert.ok(d.maxDiff <= c.maxDiff, `max diff ${d.maxDiff} (${d.differing} px; first ${d.first})`);
      assert.ok(d.psnr >= c.minPsnr, `PSNR ${d.psnr}`);
    });
  }

  it("3D frames carry NV12 when asked (iso, output both): the RGBA frame converted, within 1", async () => {
    const both = await GpuRenderer.create({ output: "both" });
    try {
      const req = view3d(
        [[layer("v", { rendering: "iso", iso_threshold: 20000, contrast_limits: [0, 70000] }), u16]],
        centre,
        [20, 30, 70],
        2,
      );
      const frame = await both.render(req);
      assert.ok(frame.nv12, "nv12 output");
      assert.ok(maxAbsDiff(frame.nv12, rgbaToNv12(frame.rgba, req.canvas.width, req.canvas.height)) <= 1);
      both.release(frame);
    } finally {
      await both.dispose();
    }
  });
});
