/** The CPU side of the GPU path (runs everywhere, no GPU needed): job building, NV12 reference, NVENC args/reasons. */
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { knownNoNvenc, nvencArgs, nvidiaGpuNames, verifyNvenc } from "../../src/daemon/encode/nvenc.js";
import { startRenderer } from "../../src/daemon/render/gpu/backend.js";
import { frameJob, packTaps } from "../../src/daemon/render/gpu/job.js";
import { CpuRenderer } from "../../src/daemon/render/cpu-renderer.js";
import { frameJob3d } from "../../src/daemon/render/gpu/job3d.js";
import { rgbaToNv12 } from "../../src/daemon/render/gpu/nv12.js";
import type { RenderRequest } from "../../src/daemon/render/types.js";
import { axisMaps, linearTap, nearestIndex } from "../../src/daemon/render/layer-geometry.js";
import { devicePixelToWorld, type LayerState } from "../../src/protocol/index.js";
import { layer, layerData, request } from "../unit/render/helpers.js";

describe("frame jobs", () => {
  const img = layerData("a", "uint16", [40, 50], (i) => i);
  const req = request(
    [
      [layer("a", { colormap: "viridis", contrast_limits: [0, 2000] }), img],
      [layer("b", { visible: false }), img],
      [layer("c", { interpolation: "linear", blending: "additive", opacity: 0.25 }), img],
    ],
    { width: 64, height: 48, center: [20, 25], zoom: 1.3 },
  );

  it("packs the CPU geometry's taps: nearest index, linear lo/hi/frac, -1 outside", () => {
    const [ay, ax] = axisMaps(req.state.layers[0]!, img, devicePixelToWorld(req.state.camera, req.canvas));
    const near = packTaps(ax, 64, false);
    const ints = new Int32Array(near.bytes.buffer);
    for (let k = 0; k < 64; k++) assert.equal(ints[k * 4], nearestIndex(ax, k));
    const lin = packTaps(ay, 48, true);
    const li = new Int32Array(lin.bytes.buffer);
    const lf = new Float64Array(lin.bytes.buffer);
    for (let k = 0; k < 48; k++) {
      const t = linearTap(ay, k);
      assert.deepEqual(t ? [li[k * 4], li[k * 4 + 1], lf[k * 2 + 1]] : [li[k * 4]], t ? [t.lo, t.hi, t.f] : [-1]);
    }
  });

  it("skips invisible layers, folds 8/16-bit nearest tables, codes the blending", () => {
    const job = frameJob(req, { rgba: true, nv12: false });
    assert.deepEqual(
      job.layers.map((l) => [l.key.split("|")[0], l.folded, l.blend, l.alpha, l.beta]),
      [
        ["a", true, 0, 1, 0],
        ["c", false, 2, 0.25, 0.75],
      ],
    );
    assert.equal(job.layers[0]!.lut.length, 65536);
    assert.equal(job.layers[1]!.lut.length, 256);
  });

  it("3D: ray constants, every rendering mode's code, translucent pixels mixed by their own alpha", () => {
    const vol = layerData("v", "uint8", [8, 9, 10], (i) => i % 256);
    const base = request([[layer("v"), vol]], { width: 32, height: 16, center: [0, 0] });
    const req3: RenderRequest = {
      ...base,
      state: { ...base.state, dims: { ...base.state.dims, ndisplay: 3, current_step: [0, 0, 0] } },
    };
    const job = frameJob3d(req3, { rgba: true, nv12: false });
    assert.deepEqual([job.layers[0]!.nz, job.layers[0]!.ny, job.layers[0]!.nx, job.layers[0]!.mode], [8, 9, 10, 1]);
    assert.equal(job.layers[0]!.params!.length, 30);
    const one = (over: Partial<LayerState>) =>
      frameJob3d({ ...req3, state: { ...req3.state, layers: [layer("v", over)] } }, { rgba: true, nv12: false })
        .layers[0]!;
    const renderings = ["mip", "minip", "average", "attenuated_mip", "translucent", "additive", "iso"] as const;
    assert.deepEqual(
      renderings.map((rendering) => one({ rendering }).mode),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.equal(one({ rendering: "iso", iso_threshold: 7 }).params![26], 7);
    // Opacity 1: mip replaces, translucent rendering still mixes by the pixel's alpha (volume-blend.ts).
    assert.deepEqual([one({}).blend, one({ rendering: "translucent" }).blend], [0, 1]);
  });
});

describe("NV12 reference (BT.709 limited range)", () => {
  it("maps black, white and pure colours to the standard code values", () => {
    const px = (r: number, g: number, b: number): Uint8Array => {
      const rgba = new Uint8Array(2 * 2 * 4);
      for (let i = 0; i < 4; i++) rgba.set([r, g, b, 255], i * 4);
      return rgbaToNv12(rgba, 2, 2);
    };
    assert.deepEqual([...px(0, 0, 0)], [16, 16, 16, 16, 128, 128]);
    assert.deepEqual([...px(255, 255, 255)], [235, 235, 235, 235, 128, 128]);
    // BT.709 red: Y 63, Cb 102, Cr 240.
    assert.deepEqual([...px(255, 0, 0)].slice(3), [63, 102, 240]);
  });
});

describe("NVENC probe", () => {
  it("names GPUs without an NVENC engine, and none when unknown", () => {
    assert.equal(knownNoNvenc(["NVIDIA H200"]), "no NVENC engine on NVIDIA H200");
    assert.equal(knownNoNvenc(["NVIDIA A100-SXM4-80GB"]), "no NVENC engine on NVIDIA A100-SXM4-80GB");
    assert.equal(knownNoNvenc(["NVIDIA L4"]), null);
    assert.equal(knownNoNvenc([]), "no NVIDIA GPU (driver not loaded)");
  });

  it("reads GPU models from the driver's /proc files", () => {
    const dir = mkdtempSync(join(tmpdir(), "napari-cuda-proc-"));
    try {
      mkdirSync(join(dir, "0000:01:00.0"));
      writeFileSync(join(dir, "0000:01:00.0", "information"), "Model: \t\t NVIDIA H100 80GB HBM3\nIRQ: 1\n");
      assert.deepEqual(nvidiaGpuNames(dir), ["NVIDIA H100 80GB HBM3"]);
      assert.deepEqual(nvidiaGpuNames(join(dir, "missing")), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("uses the low-latency settings and the frame-1 IDR contract", () => {
    const args = nvencArgs({ width: 640, height: 360, pixelFormat: "nv12", profile: "high" }, "ffmpeg version 6.1");
    const s = args.join(" ");
    for (const want of [
      "-c:v h264_nvenc",
      "-preset p1",
      "-tune ull",
      "-zerolatency 1",
      "-delay 0",
      "-bf 0",
      "expr:eq(n,1)",
      "-f flv",
    ]) {
      assert.ok(s.includes(want), want);
    }
    assert.ok(
      nvencArgs({ width: 2, height: 2, pixelFormat: "nv12", profile: "main" }, "ffmpeg version 4.1").includes("llhp"),
    );
  });

  it("an ffmpeg without h264_nvenc is reported with the GPU's reason, without running ffmpeg", async () => {
    const probe = {
      path: "/nonexistent/ffmpeg",
      version: "ffmpeg version 4.1",
      encoders: { libx264: true, h264_nvenc: false },
    };
    assert.match(
      (await verifyNvenc(probe, ["NVIDIA H200"]))!,
      /^no NVENC engine on NVIDIA H200; h264_nvenc not in ffmpeg/,
    );
    assert.match((await verifyNvenc(probe, ["NVIDIA L4"]))!, /^h264_nvenc not in ffmpeg at \/nonexistent\/ffmpeg/);
  });
});

describe("backend choice", () => {
  const cpu = (): CpuRenderer => new CpuRenderer({ threads: 0 });

  it("auto on a GPU node: the GPU renderer (NV12 for the encoder) with the device named", async (t) => {
    const c = await startRenderer("auto", cpu);
    try {
      if (c.backend.name === "cpu") return t.skip(`no GPU backend here: ${c.backend.reason}`);
      assert.deepEqual([c.renderer.name, c.pixelFormat, c.requestedButFailed], ["gpu", "nv12", false]);
      assert.match(c.backend.reason, /NVIDIA .*\(EGL NVIDIA, OpenGL 4\.\d/);
    } finally {
      await c.renderer.dispose();
    }
  });

  it("cpu: the CPU renderer, with the reason", async () => {
    const c = await startRenderer("cpu", cpu);
    assert.deepEqual(
      [c.renderer.name, c.backend.reason, c.pixelFormat],
      ["cpu", "cpu requested (NAPARI_CUDA_BACKEND=cpu)", "rgba"],
    );
    await c.renderer.dispose();
  });

  it("auto and gpu without a usable addon: the CPU renderer, saying why; gpu marks the failure", async () => {
    const env = { ...process.env, NAPARI_CUDA_NATIVE_ADDON: "/nonexistent/napari_cuda_gpu.node" };
    const auto = await startRenderer("auto", cpu, env);
    const gpu = await startRenderer("gpu", cpu, env);
    try {
      assert.equal(auto.renderer.name, "cpu");
      assert.equal(auto.requestedButFailed, false);
      assert.match(auto.backend.reason, /native GPU addon not built/);
      assert.equal(gpu.requestedButFailed, true);
      assert.match(gpu.backend.reason, /^gpu requested \(NAPARI_CUDA_BACKEND=gpu\) but unavailable: /);
    } finally {
      await auto.renderer.dispose();
      await gpu.renderer.dispose();
    }
  });
});
