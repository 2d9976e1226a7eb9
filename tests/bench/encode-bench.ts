/**
 * Encoder micro benchmark (not a test): 120 moving-gradient frames per size and input format (RGBA from the
 * CPU renderer, NV12 as the GPU path will send) through createEncoder, one frame at a time as the render loop
 * does; prints one JSON object with encode-time percentiles (write of the raw frame -> its packet parsed).
 * Run: node --import tsx tests/bench/encode-bench.ts
 */
import { createEncoder } from "../../src/daemon/encode/encoder.js";
import { locateFfmpeg, probeFfmpeg } from "../../src/daemon/encode/locate.js";
import { selectEncoder } from "../../src/daemon/encode/select.js";
import type { InputPixelFormat } from "../../src/daemon/encode/types.js";

const FRAMES = 120;
const SIZES = [
  [1280, 720],
  [1920, 1080],
] as const;
const FORMATS: readonly InputPixelFormat[] = ["rgba", "nv12"];
/** A keyframe is forced every this many frames, to time the standby swap too. */
const KEYFRAME_EVERY = 30;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Gradients plus an XOR texture, moving with t: neither flat nor noise. */
function frame(width: number, height: number, t: number, format: InputPixelFormat): Uint8Array {
  if (format === "nv12") {
    const px = new Uint8Array((width * height * 3) / 2);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) px[y * width + x] = 16 + ((((x ^ y) + t * 3) & 255) * 219) / 255;
    }
    for (let i = width * height; i < px.length; i += 2) [px[i], px[i + 1]] = [16 + ((i + t) % 224), 128];
    return px;
  }
  const px = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      px[i] = (x + t * 4) & 255;
      px[i + 1] = (y + t * 2) & 255;
      px[i + 2] = ((x ^ y) + t) & 255;
      px[i + 3] = 255;
    }
  }
  return px;
}

async function main(): Promise<void> {
  const found = locateFfmpeg();
  if (!found) throw new Error("no ffmpeg found");
  const probe = await probeFfmpeg(found.path);
  const selection = await selectEncoder(probe);
  const scenarios = [];
  for (const [[width, height], pixelFormat] of SIZES.flatMap((s) => FORMATS.map((f) => [s, f] as const))) {
    // Pre-rendered frames: only the encoder is timed.
    const frames = Array.from({ length: 16 }, (_, t) => frame(width, height, t, pixelFormat));
    const t0 = performance.now();
    const enc = await createEncoder({ width, height, pixelFormat, profile: "high", ffmpeg: found.path });
    const startMs = performance.now() - t0;
    const times: number[] = [];
    const keyTimes: number[] = [];
    let bytes = 0;
    try {
      for (let i = 0; i < FRAMES; i++) {
        const keyframe = i > 0 && i % KEYFRAME_EVERY === 0;
        const out = await enc.encode(frames[i % frames.length]!, { keyframe });
        (keyframe ? keyTimes : times).push(out.encodeMs);
        bytes += out.data.length;
      }
    } finally {
      await enc.dispose();
    }
    const sorted = [...times].sort((a, b) => a - b);
    const round = (v: number): number => Math.round(v * 100) / 100;
    scenarios.push({
      width,
      height,
      pixel_format: pixelFormat,
      frames: FRAMES,
      encoder: selection.name,
      start_ms: round(startMs),
      encode_ms_p50: round(percentile(sorted, 50)),
      encode_ms_p95: round(percentile(sorted, 95)),
      encode_ms_max: round(sorted[sorted.length - 1]!),
      forced_keyframe_ms: keyTimes.map(round),
      mean_bytes_per_frame: Math.round(bytes / FRAMES),
    });
  }
  console.log(JSON.stringify({ ffmpeg: probe.version, reason: selection.reason, scenarios }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
