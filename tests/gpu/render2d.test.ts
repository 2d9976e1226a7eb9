/** GPU frames vs the CPU reference, NV12 capture vs its reference formulas (skips without a GPU). */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { rgbaToNv12 } from "../../src/daemon/render/gpu/nv12.js";
import type { GpuRenderer } from "../../src/daemon/render/gpu/gpu-renderer.js";
import { layer, layerData, request } from "../unit/render/helpers.js";
import { cpuFrame, diffFrames, maxAbsDiff, startGpu } from "./helpers.js";
import { scenarios } from "./scenarios.js";

const gpu = await startGpu("both");
const skip = typeof gpu === "string" ? gpu : false;
const renderer = gpu as GpuRenderer;
after(() => (typeof gpu === "string" ? undefined : gpu.dispose()));

describe("GPU 2D renderer matches the CPU reference", { skip }, () => {
  for (const [w, h] of [
    [640, 360],
    [1920, 1080],
  ] as const) {
    for (const s of scenarios(w, h)) {
      it(`${s.name} @ ${w}x${h}: max diff <= ${s.maxDiff}, PSNR >= ${s.minPsnr} dB`, async () => {
        const frame = await renderer.render(s.req);
        const ref = cpuFrame(s.req);
        const d = diffFrames(frame.rgba, ref, w);
        console.log(`gpu-vs-cpu ${JSON.stringify({ scenario: s.name, w, h, ...d, psnr: String(d.psnr) })}`);
        assert.ok(d.maxDiff <= s.maxDiff, `max diff ${d.maxDiff} (${d.differing} px; first ${d.first})`);
        assert.ok(d.psnr >= s.minPsnr, `PSNR ${d.psnr}`);
        renderer.release(frame);
      });
    }
  }

  it("odd canvas 333x217 (rgba only) matches too", async () => {
    const img = layerData("o", "uint8", [100, 140], (i) => (i * 31) % 256);
    const req = request([[layer("o", { colormap: "viridis", interpolation: "linear" }), img]], {
      width: 333,
      height: 217,
      center: [50, 70],
      zoom: 2.2,
    });
    const rgbaOnly = await startGpu("rgba");
    assert.ok(typeof rgbaOnly !== "string", String(rgbaOnly));
    try {
      const frame = await rgbaOnly.render(req);
      assert.equal(diffFrames(frame.rgba, cpuFrame(req), 333).maxDiff, 0);
    } finally {
      await rgbaOnly.dispose();
    }
  });
});

describe("CUDA capture: RGBA -> NV12 (BT.709 limited range)", { skip }, () => {
  it("equals the reference conversion of the same frame within 1 and keeps Y in 16..235", async () => {
    for (const s of scenarios(1920, 1080).slice(0, 4)) {
      const frame = await renderer.render(s.req);
      assert.ok(frame.nv12, "nv12 output");
      assert.equal(frame.nv12.length, (1920 * 1080 * 3) / 2);
      const ref = rgbaToNv12(frame.rgba, 1920, 1080);
      const d = maxAbsDiff(frame.nv12, ref);
      assert.ok(d <= 1, `${s.name}: NV12 differs by ${d}`);
      let lo = 255;
      let hi = 0;
      for (let i = 0; i < 1920 * 1080; i++) {
        lo = Math.min(lo, frame.nv12[i]!);
        hi = Math.max(hi, frame.nv12[i]!);
      }
      assert.ok(lo >= 16 && hi <= 235, `Y range ${lo}..${hi}`);
      renderer.release(frame);
    }
  });

  it("black stays Y=16, U=V=128; white is Y=235", async () => {
    const white = layerData("w", "uint8", [4, 4], () => 255);
    const req = request([[layer("w", { scale: [0.5, 0.5] }), white]], { width: 64, height: 32, center: [0.75, 0.75] });
    const frame = await renderer.render(req);
    const nv12 = frame.nv12!;
    assert.equal(nv12[0], 16, "corner is black");
    const rgba = frame.rgba;
    const wi = [...Array(64 * 32).keys()].find((i) => rgba[i * 4] === 255);
    assert.ok(wi !== undefined, "a white pixel exists");
    assert.equal(nv12[wi], 235);
    assert.equal(nv12[64 * 32], 128);
    assert.equal(nv12[64 * 32 + 1], 128);
    renderer.release(frame);
  });
});
