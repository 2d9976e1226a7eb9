/** Encoder choice on the GPU node and GPU NV12 frames through the real encoder (skips without a GPU). */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { avccToAnnexB, parameterSetsAnnexB } from "../../src/daemon/encode/avc.js";
import { createEncoder } from "../../src/daemon/encode/encoder.js";
import { locateFfmpeg, probeFfmpeg } from "../../src/daemon/encode/locate.js";
import { knownNoNvenc, nvidiaGpuNames } from "../../src/daemon/encode/nvenc.js";
import { selectEncoder } from "../../src/daemon/encode/select.js";
import type { EncodedFrame } from "../../src/daemon/encode/types.js";
import { passthroughTimingArgs } from "../../src/daemon/encode/x264.js";
import type { GpuRenderer } from "../../src/daemon/render/gpu/gpu-renderer.js";
import { runFfmpeg, psnrRgb } from "../unit/encode/helpers.js";
import { layer, layerData, request } from "../unit/render/helpers.js";
import { startGpu } from "./helpers.js";

const gpus = nvidiaGpuNames();
const gpu = await startGpu("both");
const skip = typeof gpu === "string" ? gpu : false;
const renderer = gpu as GpuRenderer;
after(() => (typeof gpu === "string" ? undefined : gpu.dispose()));

describe("encoder selection on this GPU node", { skip: gpus.length === 0 ? "no NVIDIA GPU here" : false }, () => {
  it("probes NVENC for real and reports the choice and why", async () => {
    const ffmpeg = locateFfmpeg();
    assert.ok(ffmpeg, "ffmpeg found");
    const sel = await selectEncoder(await probeFfmpeg(ffmpeg.path));
    console.log(`encoder-selection ${JSON.stringify({ gpus, ...sel })}`);
    const noEngine = knownNoNvenc(gpus);
    if (noEngine) {
      // H100/H200/A100: a supported configuration, libx264 takes over and the reason names the GPU.
      assert.equal(sel.name, "libx264");
      assert.match(sel.reason, /^libx264 \(software\); h264_nvenc unusable: no NVENC engine on NVIDIA /);
    } else {
      assert.ok(sel.name === "h264_nvenc" || /h264_nvenc unusable: /.test(sel.reason), sel.reason);
    }
  });
});

describe("GPU NV12 frames stream through the selected encoder", { skip }, () => {
  it("30 frames of 1280x720 NV12 encode and decode back at >= 35 dB against the GPU RGBA", async () => {
    const W = 1280;
    const H = 720;
    const ffmpeg = locateFfmpeg()!.path;
    const probe = await probeFfmpeg(ffmpeg);
    const sel = await selectEncoder(probe);
    const enc = await createEncoder({
      width: W,
      height: H,
      pixelFormat: "nv12",
      profile: "high",
      ffmpeg,
      encoder: sel.name,
    });
    const dir = mkdtempSync(join(tmpdir(), "napari-cuda-gpu-enc-"));
    try {
      const frames: EncodedFrame[] = [];
      const inputs: Uint8Array[] = [];
      // Smooth content: 4:2:0 subsampling and CRF 26 keep it near-lossless, so a low PSNR means a colour bug.
      const smooth = layerData("s", "float32", [400, 600], (k) => Math.sin((k % 600) / 70) + Math.cos(k / 600 / 45));
      for (let i = 0; i < 30; i++) {
        const req = request(
          [[layer("s", { colormap: "viridis", contrast_limits: [-2, 2], interpolation: "linear" }), smooth]],
          {
            width: W,
            height: H,
            center: [200 + i, 300 - 2 * i],
            zoom: 1.8,
          },
        );
        const f = await renderer.render(req);
        inputs.push(f.rgba.slice());
        frames.push(await enc.encode(f.nv12!, { keyframe: i === 0 }));
        renderer.release(f);
      }
      assert.ok(frames[0]!.keyframe && frames[0]!.config, "first frame is a configured IDR");
      const file = join(dir, "gpu.h264");
      writeFileSync(
        file,
        Buffer.concat(
          frames.flatMap((f) => [
            ...(f.config ? [parameterSetsAnnexB(f.config.description)] : []),
            avccToAnnexB(f.data),
          ]),
        ),
      );
      const raw = await runFfmpeg([
        "-f",
        "h264",
        "-i",
        file,
        "-vf",
        "scale=in_color_matrix=bt709:in_range=tv",
        ...passthroughTimingArgs(probe.version),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgba",
        "pipe:1",
      ]);
      assert.equal(raw.length, W * H * 4 * 30);
      for (let i = 0; i < 30; i += 7) {
        const p = psnrRgb(new Uint8Array(raw.buffer, raw.byteOffset + i * W * H * 4, W * H * 4), inputs[i]!);
        assert.ok(p >= 35, `frame ${i}: ${p.toFixed(1)} dB`);
      }
    } finally {
      await enc.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
