/**
 * GPU render-path benchmark: render (OpenGL) + capture (CUDA NV12) + encode (the selected ffmpeg encoder)
 * per frame, sequentially, as the render pump does while a user drags (2D pans/zooms, 3D orbits). Prints progress lines, then as
 * its LAST line one JSON object:
 *   {"device", "date", "scenarios": [{"name", "width", "height", "backend", "encoder", "fps",
 *     "render_ms_p50", "capture_ms_p50", "encode_ms_p50", "total_ms_p50", "total_ms_p95"}]}
 * Usage: node --import tsx scripts/bench-gpu.ts [--frames N] [--out bench/results/<file>.json]
 * Without a GPU it prints why and exits 0 with {"device": null, "skipped": reason, "scenarios": []}.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createEncoder, locateFfmpeg, probeFfmpeg, selectEncoder } from "../src/daemon/encode/index.js";
import type { VideoEncoder } from "../src/daemon/encode/types.js";
import { GpuRenderer } from "../src/daemon/render/gpu/gpu-renderer.js";
import type { RenderRequest } from "../src/daemon/render/types.js";
import { createLayerData } from "../src/daemon/data/layer-store.js";
import type { LayerData } from "../src/daemon/data/types.js";
import { layer, layerData, request } from "../tests/unit/render/helpers.js";

const { values } = parseArgs({
  options: {
    frames: { type: "string", default: "300" },
    out: { type: "string" },
    "no-3d": { type: "boolean", default: false },
  },
});
const FRAMES = Number(values.frames);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};
const round = (x: number): number => Math.round(x * 1000) / 1000;

/** Three uint16 channels (2048x2048, additive) plus a float32 overlay: a typical multichannel microscopy view. */
function scene(width: number, height: number, i: number): RenderRequest {
  const zoom = Math.min(width, height) / 2048;
  const center = [1024 + Math.sin(i / 40) * 200, 1024 + Math.cos(i / 55) * 300];
  return request(
    [
      [layer("c0", { colormap: "red", blending: "additive", contrast_limits: [0, 60000] }), CH[0]!],
      [layer("c1", { colormap: "green", blending: "additive", contrast_limits: [0, 60000] }), CH[1]!],
      [
        layer("c2", { colormap: "blue", blending: "additive", contrast_limits: [0, 60000], interpolation: "linear" }),
        CH[2]!,
      ],
      [
        layer("ov", {
          colormap: "magma",
          opacity: 0.3,
          interpolation: "linear",
          contrast_limits: [-1, 1],
          scale: [8, 8],
        }),
        OV,
      ],
    ],
    { width, height, center, zoom: zoom * (1 + (i % 60) / 60) },
  );
}
const CH = [0, 1, 2].map((c) =>
  layerData(
    `c${c}`,
    "uint16",
    [2048, 2048],
    (k) => ((k % 2048) * 13 + Math.floor(k / 2048) * (7 + c) + c * 999) % 60000,
  ),
);
const OV = layerData("ov", "float32", [256, 256], (k) => Math.sin(k / 300));

/** An n^3 uint8 volume with structure at several scales (cheap to make, non-trivial to ray cast). */
function volume(n: number): LayerData {
  const bytes = new Uint8Array(n * n * n);
  const c = n / 2;
  for (let z = 0, i = 0; z < n; z++) {
    for (let y = 0; y < n; y++) {
      const ryz = (y - c) * (y - c) + (z - c) * (z - c);
      for (let x = 0; x < n; x++, i++) {
        const shell = Math.abs(Math.sqrt(ryz + (x - c) * (x - c)) - n * 0.35) < 2 ? 200 : 0;
        bytes[i] = shell | ((x ^ y ^ z) & 63);
      }
    }
  }
  return createLayerData("vol", "uint8", [n, n, n], bytes);
}

/** 3D MIP of `vol` at 1920x1080, the camera orbiting a little more each frame. */
function scene3d(vol: LayerData, i: number): RenderRequest {
  const n = vol.shape[0]!;
  const req = request([[layer("vol", { colormap: "viridis", contrast_limits: [0, 255], rendering: "mip" }), vol]], {
    width: 1920,
    height: 1080,
    center: [0, 0],
  });
  return {
    ...req,
    state: {
      ...req.state,
      camera: { center: [n / 2, n / 2, n / 2], zoom: 1000 / n, angles: [10 + i * 0.7, 25 + i * 0.3, 80 - i * 0.5] },
      dims: { ...req.state.dims, ndisplay: 3, current_step: [0, 0, 0] },
    },
  };
}

/** One measured scenario: `frames` sequential frames of `make(i)` after `warmup`, encoded when `enc` is given. */
async function measure(
  renderer: GpuRenderer,
  name: string,
  make: (i: number) => RenderRequest,
  frames: number,
  enc: VideoEncoder | null,
  encoder: string,
  warmup = 10,
  input: "nv12" | "rgba" = "nv12",
) {
  const pixels = (f: { nv12?: Uint8Array; rgba: Uint8Array }): Uint8Array => (input === "nv12" ? f.nv12! : f.rgba);
  const render: number[] = [];
  const capture: number[] = [];
  const encodeMs: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < warmup; i++) {
    const f = await renderer.render(make(i));
    if (enc) await enc.encode(pixels(f), { keyframe: i === 0 });
    renderer.release(f);
  }
  const t0 = performance.now();
  for (let i = 0; i < frames; i++) {
    const ts = performance.now();
    const f = await renderer.render(make(i));
    if (enc) encodeMs.push((await enc.encode(pixels(f))).encodeMs);
    renderer.release(f);
    total.push(performance.now() - ts);
    render.push(f.gpu!.drawMs);
    capture.push(f.gpu!.captureMs);
  }
  const wall = performance.now() - t0;
  const req = make(0);
  const s = {
    name,
    width: req.canvas.width,
    height: req.canvas.height,
    backend: "gpu",
    encoder: enc ? encoder : "none",
    fps: round((frames * 1000) / wall),
    render_ms_p50: round(pct(render, 50)),
    capture_ms_p50: round(pct(capture, 50)),
    encode_ms_p50: enc ? round(pct(encodeMs, 50)) : 0,
    total_ms_p50: round(pct(total, 50)),
    total_ms_p95: round(pct(total, 95)),
  };
  console.log(`bench-gpu: ${JSON.stringify(s)}`);
  return s;
}

async function run(): Promise<void> {
  let renderer: GpuRenderer;
  try {
    renderer = await GpuRenderer.create({ output: "nv12" });
  } catch (err) {
    console.log(`bench-gpu: skipped: ${(err as Error).message}`);
    console.log(JSON.stringify({ device: null, skipped: (err as Error).message, scenarios: [] }));
    return;
  }
  const ffmpeg = locateFfmpeg();
  if (!ffmpeg) throw new Error("no ffmpeg found");
  const probe = await probeFfmpeg(ffmpeg.path);
  const sel = await selectEncoder(probe);
  console.log(`bench-gpu: ${renderer.describe()}; encoder ${sel.name}: ${sel.reason}`);
  const scenarios = [];
  // For comparison: the same 1080p frames read back as RGBA and converted to YUV by ffmpeg (swscale, CPU).
  const rgbaRenderer = await GpuRenderer.create({ output: "rgba" });
  try {
    const enc = await createEncoder({
      width: 1920,
      height: 1080,
      pixelFormat: "rgba",
      profile: "high",
      ffmpeg: ffmpeg.path,
      encoder: sel.name,
    });
    const name = "2d-1920x1080-encoded-rgba-input (ffmpeg converts on the CPU)";
    const s = await measure(rgbaRenderer, name, (i) => scene(1920, 1080, i), FRAMES, enc, sel.name, 30, "rgba");
    await enc.dispose();
    scenarios.push(s);
  } finally {
    await rgbaRenderer.dispose();
  }
  try {
    for (const [width, height] of [
      [1920, 1080],
      [3840, 2160],
    ] as const) {
      for (const encode of [false, true]) {
        const enc: VideoEncoder | null = encode
          ? await createEncoder({
              width,
              height,
              pixelFormat: "nv12",
              profile: "high",
              ffmpeg: ffmpeg.path,
              encoder: sel.name,
            })
          : null;
        const name = `2d-${width}x${height}-${encode ? "encoded" : "render+capture"}`;
        const s = await measure(renderer, name, (i) => scene(width, height, i), FRAMES, enc, sel.name, 30);
        await enc?.dispose();
        scenarios.push(s);
      }
    }
    if (!values["no-3d"]) {
      for (const n of [512, 1024]) {
        const t = performance.now();
        const vol = volume(n);
        console.log(`bench-gpu: made a ${n}^3 uint8 volume in ${((performance.now() - t) / 1000).toFixed(1)} s`);
        const frames = n === 512 ? 120 : 60;
        scenarios.push(
          await measure(renderer, `3d-mip-${n}^3-render+capture`, (i) => scene3d(vol, i), frames, null, sel.name),
        );
        const enc = await createEncoder({
          width: 1920,
          height: 1080,
          pixelFormat: "nv12",
          profile: "high",
          ffmpeg: ffmpeg.path,
          encoder: sel.name,
        });
        scenarios.push(await measure(renderer, `3d-mip-${n}^3-encoded`, (i) => scene3d(vol, i), frames, enc, sel.name));
        await enc.dispose();
      }
    }
  } finally {
    await renderer.dispose();
  }
  const result = {
    device: renderer.info.cudaName,
    gl: renderer.info.glRenderer,
    date: new Date().toISOString(),
    encoder_reason: sel.reason,
    frames: FRAMES,
    scenarios,
  };
  if (values.out) writeFileSync(values.out, JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result));
}

await run();
