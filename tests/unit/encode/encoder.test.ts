import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isNapariCudaError } from "../../../src/protocol/errors.js";
import { avccToAnnexB, nalUnitTypes, parameterSetsAnnexB } from "../../../src/daemon/encode/avc.js";
import { createEncoder } from "../../../src/daemon/encode/encoder.js";
import { probeFfmpeg } from "../../../src/daemon/encode/locate.js";
import { passthroughTimingArgs } from "../../../src/daemon/encode/x264.js";
import type { EncodedFrame, EncoderOptions, VideoEncoder } from "../../../src/daemon/encode/types.js";
import {
  bytesRead,
  ffmpegInfo,
  gradientNv12,
  gradientRgba,
  markedFfmpeg,
  pidsMatching,
  psnr,
  psnrRgb,
  reaped,
  requireFfmpeg,
  runFfmpeg,
} from "./helpers.js";

const W = 320;
const H = 240;
const N = 30;
const NAL_IDR = 5;

/** The stream as a raw .h264 file: SPS/PPS (from `config`) before each configured frame, Annex B. */
function annexB(frames: readonly EncodedFrame[]): Buffer {
  return Buffer.concat(
    frames.flatMap((f) => [...(f.config ? [parameterSetsAnnexB(f.config.description)] : []), avccToAnnexB(f.data)]),
  );
}

let streams = 0;
function writeStream(dir: string, frames: readonly EncodedFrame[]): string {
  const file = join(dir, `stream-${++streams}.h264`);
  writeFileSync(file, annexB(frames));
  return file;
}

/** Decode a raw .h264 stream with ffmpeg into raw frames of `pixFmt` (`vf` picks the YUV->RGB interpretation). */
async function decode(dir: string, frames: readonly EncodedFrame[], pixFmt: string, vf?: string): Promise<Buffer> {
  const file = writeStream(dir, frames);
  return runFfmpeg([
    "-f",
    "h264",
    "-i",
    file,
    ...(vf ? ["-vf", vf] : []),
    ...passthroughTimingArgs((await probeFfmpeg(requireFfmpeg())).version),
    "-f",
    "rawvideo",
    "-pix_fmt",
    pixFmt,
    "pipe:1",
  ]);
}

function split(buf: Buffer, frameBytes: number): Buffer[] {
  assert.equal(buf.length % frameBytes, 0);
  return Array.from({ length: buf.length / frameBytes }, (_, i) => buf.subarray(i * frameBytes, (i + 1) * frameBytes));
}

function options(ffmpeg: string, extra: Partial<EncoderOptions> = {}): EncoderOptions {
  return { width: W, height: H, pixelFormat: "rgba", profile: "high", ffmpeg, ...extra };
}

/** Collect unhandled rejections while `fn` runs (and shortly after). */
async function withoutUnhandledRejections(fn: () => Promise<void>): Promise<void> {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => void seen.push(reason);
  process.on("unhandledRejection", listener);
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    process.off("unhandledRejection", listener);
  }
  assert.deepEqual(seen, []);
}

describe("createEncoder (libx264 through ffmpeg)", () => {
  let dir: string;
  const inputs = Array.from({ length: N }, (_, t) => gradientRgba(W, H, t));
  before(() => void (dir = mkdtempSync(join(tmpdir(), "napari-cuda-encoder-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("encodes 30 frames in order; the first is a keyframe with a High-profile config", async () => {
    const enc = await createEncoder(options(requireFfmpeg()));
    try {
      assert.equal(enc.name, "libx264");
      assert.deepEqual([enc.width, enc.height], [W, H]);
      // Overlapping calls: results must still come back one per call, in call order.
      const frames = await Promise.all(inputs.map((px) => enc.encode(px)));
      assert.equal(frames.length, N);
      assert.equal(frames[0]!.keyframe, true);
      assert.match(frames[0]!.config!.codec, /^avc1\.64[0-9a-f]{4}$/);
      assert.ok(nalUnitTypes(frames[0]!.data).includes(NAL_IDR));
      frames.slice(1).forEach((f, i) => {
        assert.equal(f.keyframe, false, `frame ${i + 1}`);
        assert.equal(f.config, undefined, `frame ${i + 1}`);
      });
      for (const f of frames) assert.ok(Number.isFinite(f.encodeMs) && f.encodeMs > 0);
      // Decoding proves the order: each output frame must match its own input, not a neighbour.
      const decoded = split(await decode(dir, frames, "rgba", "scale=in_color_matrix=bt709:in_range=tv"), W * H * 4);
      assert.equal(decoded.length, N);
      decoded.forEach((d, i) => assert.ok(psnrRgb(d, inputs[i]!) > psnrRgb(d, inputs[(i + 1) % N]!)));
    } finally {
      await enc.dispose();
    }
  });

  it("makes exactly the requested frame an IDR, and the stream decodes back at >= 35 dB (BT.709 limited)", async (t) => {
    const enc = await createEncoder(options(requireFfmpeg()));
    try {
      const frames: EncodedFrame[] = [];
      for (const [i, px] of inputs.entries()) frames.push(await enc.encode(px, { keyframe: i === 10 }));
      frames.forEach((f, i) => {
        const key = i === 0 || i === 10;
        assert.equal(f.keyframe, key, `frame ${i} keyframe`);
        assert.equal(f.config !== undefined, key, `frame ${i} config`);
        assert.equal(nalUnitTypes(f.data).includes(NAL_IDR), key, `frame ${i} IDR NAL`);
      });
      assert.deepEqual(frames[10]!.config, frames[0]!.config);
      // The VUI tells decoders (Chromium's too) to read it as BT.709 limited range.
      assert.match(await ffmpegInfo(writeStream(dir, frames)), /Video: h264 \(High\), yuv420p\(tv, bt709[,)]/);

      const bt709 = split(await decode(dir, frames, "rgba", "scale=in_color_matrix=bt709:in_range=tv"), W * H * 4);
      assert.equal(bt709.length, N);
      const scores = bt709.map((d, i) => psnrRgb(d, inputs[i]!));
      for (const [i, s] of scores.entries()) assert.ok(s >= 35, `frame ${i}: ${s.toFixed(1)} dB`);
      // The check can see colour errors: reading the same stream as BT.601 scores clearly worse.
      const bt601 = split(await decode(dir, frames, "rgba", "scale=in_color_matrix=bt601:in_range=tv"), W * H * 4);
      const wrong = Math.min(...bt601.map((d, i) => psnrRgb(d, inputs[i]!)));
      t.diagnostic(`PSNR as BT.709: min ${Math.min(...scores).toFixed(1)} dB; read as BT.601: ${wrong.toFixed(1)} dB`);
      assert.ok(wrong < Math.min(...scores) - 5, `bt601 ${wrong.toFixed(1)} dB`);
    } finally {
      await enc.dispose();
    }
  });

  it("handles back-to-back keyframe requests (the next standby is still starting)", async () => {
    const enc = await createEncoder(options(requireFfmpeg()));
    try {
      const keys = new Set([2, 3, 4, 7]);
      const frames = await Promise.all(inputs.slice(0, 10).map((px, i) => enc.encode(px, { keyframe: keys.has(i) })));
      frames.forEach((f, i) => {
        const key = i === 0 || keys.has(i);
        assert.equal(f.keyframe, key, `frame ${i} keyframe`);
        assert.equal(nalUnitTypes(f.data).includes(NAL_IDR), key, `frame ${i} IDR NAL`);
      });
      const decoded = split(await decode(dir, frames, "rgba", "scale=in_color_matrix=bt709:in_range=tv"), W * H * 4);
      decoded.forEach((d, i) => assert.ok(psnrRgb(d, inputs[i]!) >= 35, `frame ${i}`));
    } finally {
      await enc.dispose();
    }
  });

  it("passes NV12 input through untouched (no colour conversion)", async (t) => {
    const enc = await createEncoder(options(requireFfmpeg(), { pixelFormat: "nv12", profile: "main" }));
    try {
      const nv12 = Array.from({ length: 10 }, (_, t) => gradientNv12(W, H, t));
      const frames: EncodedFrame[] = [];
      for (const px of nv12) frames.push(await enc.encode(px));
      assert.match(frames[0]!.config!.codec, /^avc1\.4d[0-9a-f]{4}$/);
      const decoded = split(await decode(dir, frames, "nv12"), (W * H * 3) / 2);
      const scores = decoded.map((d, i) => psnr(d, nv12[i]!));
      t.diagnostic(`NV12 PSNR min ${Math.min(...scores).toFixed(1)} dB`);
      scores.forEach((s, i) => assert.ok(s >= 35, `frame ${i}: ${s.toFixed(1)} dB`));
    } finally {
      await enc.dispose();
    }
  });

  it("baseline profile gives a Constrained Baseline stream", async () => {
    const enc = await createEncoder(options(requireFfmpeg(), { profile: "baseline" }));
    try {
      const f = await enc.encode(inputs[0]!);
      assert.match(f.config!.codec, /^avc1\.42c0[0-9a-f]{2}$/);
    } finally {
      await enc.dispose();
    }
  });

  it("honours NAPARI_CUDA_X264_CRF (higher CRF, fewer bytes)", async () => {
    const size = async (crf: string): Promise<number> => {
      const enc = await createEncoder({ ...options(requireFfmpeg()), env: { NAPARI_CUDA_X264_CRF: crf } });
      try {
        let bytes = 0;
        for (const px of inputs.slice(0, 5)) bytes += (await enc.encode(px)).data.length;
        return bytes;
      } finally {
        await enc.dispose();
      }
    };
    const [fine, coarse] = [await size("12"), await size("40")];
    assert.ok(coarse * 3 < fine, `crf 12: ${fine} bytes, crf 40: ${coarse} bytes`);
  });

  it("rejects a missing ffmpeg with encoder_unavailable", async () => {
    await assert.rejects(createEncoder(options("/nonexistent/napari-cuda/ffmpeg")), (err) =>
      isNapariCudaError(err, "encoder_unavailable"),
    );
  });

  it("rejects odd sizes, bad CRF and wrongly sized frames", async () => {
    await assert.rejects(
      createEncoder(options(requireFfmpeg(), { width: 321 })),
      (err) => isNapariCudaError(err, "invalid_data") && err.path === "width",
    );
    await assert.rejects(
      createEncoder({ ...options(requireFfmpeg()), env: { NAPARI_CUDA_X264_CRF: "best" } }),
      (err) => isNapariCudaError(err, "encoder_unavailable") && err.message.includes("NAPARI_CUDA_X264_CRF"),
    );
    const enc = await createEncoder(options(requireFfmpeg()));
    try {
      await assert.rejects(enc.encode(new Uint8Array(10)), (err) => isNapariCudaError(err, "invalid_data"));
      assert.equal((await enc.encode(inputs[0]!)).keyframe, true); // still usable
    } finally {
      await enc.dispose();
    }
  });

  it("a killed ffmpeg rejects its pending frames with encoder_failed; a keyframe request recovers", async () => {
    const ff = markedFfmpeg();
    let enc: VideoEncoder | undefined;
    try {
      await withoutUnhandledRejections(async () => {
        enc = await createEncoder(options(ff.path));
        for (let i = 0; i < 3; i++) await enc.encode(inputs[i]!);
        const pids = pidsMatching(ff.marker);
        assert.equal(pids.length, 2, "active + standby");
        const [active] = [...pids].sort((a, b) => bytesRead(b) - bytesRead(a));
        const pending = inputs.slice(3, 8).map((px) => enc!.encode(px));
        process.kill(active!, "SIGKILL");
        for (const r of await Promise.allSettled(pending)) {
          assert.equal(r.status, "rejected");
          assert.ok(isNapariCudaError(r.reason, "encoder_failed"), String(r.reason));
          assert.match((r.reason as Error).message, /SIGKILL|EPIPE/);
        }
        await assert.rejects(enc.encode(inputs[8]!), (err) => isNapariCudaError(err, "encoder_failed"));
        // The warm standby is unharmed: a keyframe request switches to it.
        const again = await enc.encode(inputs[9]!, { keyframe: true });
        assert.equal(again.keyframe, true);
        assert.ok(again.config);
        assert.equal((await enc.encode(inputs[10]!)).keyframe, false);
        await enc.dispose();
        await enc.dispose();
      });
      assert.deepEqual(pidsMatching(ff.marker), []);
    } finally {
      await enc?.dispose();
      ff.cleanup();
    }
  });

  it("a standby that died while idle is replaced at the next keyframe request", async () => {
    const ff = markedFfmpeg();
    const enc = await createEncoder(options(ff.path));
    try {
      for (let i = 0; i < 3; i++) await enc.encode(inputs[i]!);
      const [standby] = [...pidsMatching(ff.marker)].sort((a, b) => bytesRead(a) - bytesRead(b));
      process.kill(standby!, "SIGKILL");
      await reaped(standby!);
      const key = await enc.encode(inputs[3]!, { keyframe: true });
      assert.equal(key.keyframe, true);
      assert.ok(key.config);
      assert.ok(nalUnitTypes(key.data).includes(NAL_IDR));
      assert.equal((await enc.encode(inputs[4]!)).keyframe, false);
    } finally {
      await enc.dispose();
      ff.cleanup();
    }
    assert.deepEqual(pidsMatching(ff.marker), []);
  });

  it("dispose leaves no ffmpeg process behind, also after keyframe swaps", async () => {
    const ff = markedFfmpeg();
    const enc = await createEncoder(options(ff.path));
    try {
      for (let i = 0; i < 12; i++) await enc.encode(inputs[i]!, { keyframe: i % 4 === 3 });
      const inFlight = enc.encode(inputs[12]!, { keyframe: true });
      inFlight.catch(() => undefined);
      assert.ok(pidsMatching(ff.marker).length >= 2);
      await enc.dispose();
      assert.deepEqual(pidsMatching(ff.marker), []);
      await assert.rejects(enc.encode(inputs[0]!), (err) => isNapariCudaError(err, "encoder_failed"));
    } finally {
      await enc.dispose();
      ff.cleanup();
    }
  });
});
