/**
 * Encoder limits with the real ffmpeg: the daemon-wide cap (NAPARI_CUDA_MAX_ENCODERS) refuses a new
 * encoder with encoder_limit, or stops the longest-idle one for it; a view refused waits and streams once
 * an encoder is free; and a forced h264_nvenc that cannot run here (no NVENC device) falls back to libx264
 * after repeated failures, and the view gets frames.
 */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { nalUnitTypes } from "../../../src/daemon/encode/avc.js";
import { RECLAIM_IDLE_MS } from "../../../src/daemon/encode/budget.js";
import { childLogger } from "../../../src/daemon/log.js";
import { FfmpegEncoderFactory, NVENC_FAILURES_BEFORE_FALLBACK } from "../../../src/daemon/server/encoder-factory.js";
import { EncoderSet } from "../../../src/daemon/server/encoder-set.js";
import { RenderPump } from "../../../src/daemon/server/render-pump.js";
import { decodeFrame, isNapariCudaError, type Canvas, type NapariCudaError } from "../../../src/protocol/index.js";
import { markedFfmpeg, pidsMatching, reaped } from "../encode/helpers.js";
import { viewerState } from "./helpers.js";

const W = 64;
const H = 48;
const frame = (): Uint8Array => new Uint8Array(W * H * 4).fill(90);

/** A view's pump over `factory` whose renders are flat 64x48 RGBA frames; records what it sends. */
function view(factory: FfmpegEncoderFactory) {
  const frames: Array<{ keyframe: boolean; data: Uint8Array }> = [];
  const errors: NapariCudaError[] = [];
  const pump = new RenderPump(
    {
      render: async () => ({ frame: { width: W, height: H, rgba: frame(), renderMs: 1 }, level: 0, levelCount: 1 }),
      release: () => undefined,
      createEncoder: (w, h, still) => factory.create(w, h, "high", "rgba", still),
      sendConfig: () => undefined,
      sendFrame: (message) => {
        const { header, payload } = decodeFrame(message);
        frames.push({ keyframe: header.keyframe, data: payload });
        pump.ack(header.frameId);
        return true;
      },
      sendError: (err) => errors.push(err),
      bufferedAmount: () => 0,
      log: childLogger("test"),
    },
    { maxInFlight: 2, maxBufferedBytes: 1 << 20 },
    { seq: 0, state: viewerState([24, 32], 1), canvas: { width: W, height: H, pixel_ratio: 1 } as Canvas },
  );
  return { pump, frames, errors };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1500 && !cond(); i++) await sleep(10);
  assert.ok(cond(), `timed out waiting for ${what}`);
}

describe("encoder limits (real ffmpeg)", { timeout: 120_000 }, () => {
  let ff: ReturnType<typeof markedFfmpeg>;
  before(() => (ff = markedFfmpeg()));
  after(() => ff.cleanup());

  it("NAPARI_CUDA_MAX_ENCODERS: one more is refused with encoder_limit, an idle one is reclaimed for it", async () => {
    const factory = new FfmpegEncoderFactory(
      { ...process.env, NAPARI_CUDA_FFMPEG: ff.path, NAPARI_CUDA_ENCODER: "libx264" },
      2,
    );
    const a = await factory.create(W, H, "high", "rgba");
    const b = await factory.create(W, H, "high", "rgba");
    try {
      await a.encode(frame());
      await b.encode(frame());
      assert.equal(factory.budget.used, 2);
      await assert.rejects(
        factory.create(W, H, "high", "rgba"),
        (err) =>
          isNapariCudaError(err, "encoder_limit") &&
          err.message.includes("NAPARI_CUDA_MAX_ENCODERS") &&
          err.message.includes("2"),
      );
      assert.equal(factory.budget.used, 2, "a refused encoder takes no slot");
      await sleep(RECLAIM_IDLE_MS + 100);
      await b.encode(frame()); // b is in use again: a has been idle longest
      const c = await factory.create(W, H, "high", "rgba");
      assert.equal(a.closed, true, "the longest-idle encoder was stopped for the new one");
      assert.notEqual(b.closed, true);
      assert.equal(factory.budget.used, 2);
      await c.encode(frame());
      await c.dispose();
      assert.equal(factory.budget.used, 1, "dispose frees the slot");
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
    }
    for (const pid of pidsMatching(ff.marker)) await reaped(pid);
    assert.deepEqual(pidsMatching(ff.marker), []);
  });

  it("a slot is free only once the stopped encoder's processes have exited (the cap counts processes)", async () => {
    const factory = new FfmpegEncoderFactory(
      { ...process.env, NAPARI_CUDA_FFMPEG: ff.path, NAPARI_CUDA_ENCODER: "libx264" },
      1,
    );
    const a = await factory.create(W, H, "high", "rgba");
    await a.encode(frame());
    const old = pidsMatching(ff.marker);
    assert.ok(old.length > 0);
    const stopping = a.dispose();
    const b = await factory.create(W, H, "high", "rgba"); // waits for a's slot
    try {
      const alive = old.filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      });
      assert.deepEqual(alive, [], "the new encoder started only after the old one's ffmpeg exited");
      assert.equal(factory.budget.used, 1);
      await b.encode(frame());
    } finally {
      await Promise.all([stopping, b.dispose()]);
    }
  });

  it("a view's encoder kinds unused for a while are stopped, except the two used last", async () => {
    const factory = new FfmpegEncoderFactory(
      { ...process.env, NAPARI_CUDA_FFMPEG: ff.path, NAPARI_CUDA_ENCODER: "libx264" },
      8,
    );
    const set = new EncoderSet((w, h, still) => factory.create(w, h, "high", "rgba", still), 60_000);
    try {
      const old = await set.get(W + 16, H + 16); // e.g. a larger overscan size no longer asked for
      const full = await set.get(W, H);
      const still = await set.get(W, H, true);
      assert.equal(set.retireIdle(performance.now()), 0, "nothing is idle yet");
      assert.equal(set.retireIdle(performance.now() + 60_000), 1, "a minute later");
      assert.equal(set.has(old), false, "the old size was stopped");
      assert.equal(set.has(full) && set.has(still), true, "the two used last stay warm");
      await sleep(100);
      assert.equal(factory.budget.used, 2, "its budget slot is free once its ffmpeg exited");
    } finally {
      await set.dispose();
    }
  });

  it("a view refused an encoder reports encoder_limit once, does not crash, and streams once one is free", async () => {
    const factory = new FfmpegEncoderFactory(
      { ...process.env, NAPARI_CUDA_FFMPEG: ff.path, NAPARI_CUDA_ENCODER: "libx264" },
      1,
    );
    const first = view(factory);
    await until(() => first.frames.length > 0, "the first view's frame");
    const second = view(factory);
    try {
      await until(() => second.errors.length > 0, "the second view's error");
      // The first view keeps its encoder busy (nothing is idle long enough to reclaim) while the refused view
      // retries (every second).
      for (let i = 0; i < 8; i++) {
        first.pump.markDirty();
        await sleep(200);
      }
      assert.deepEqual(
        second.errors.map((e) => e.code),
        ["encoder_limit"],
        "said once, not on every retry",
      );
      assert.equal(second.frames.length, 0);
      await first.pump.dispose();
      await until(() => second.frames.length > 0, "the second view's frame after the first closed");
      assert.equal(second.frames[0]!.keyframe, true);
    } finally {
      await Promise.all([first.pump.dispose(), second.pump.dispose()]);
    }
  });

  it("NAPARI_CUDA_ENCODER=h264_nvenc without an NVENC device: libx264 takes over and the view gets frames", async () => {
    const env = { ...process.env, NAPARI_CUDA_FFMPEG: ff.path, NAPARI_CUDA_ENCODER: "h264_nvenc" };
    const factory = new FfmpegEncoderFactory(env, 8);
    assert.equal((await factory.describe()).encoder, "h264_nvenc", "forced: selected without a trial");
    const v = view(factory);
    try {
      await until(() => v.frames.length > 0, "a frame");
      assert.deepEqual(v.errors, [], "the fallback happens inside one encoder start: the view sees no error");
      assert.equal(v.frames[0]!.keyframe, true);
      assert.ok(nalUnitTypes(v.frames[0]!.data).includes(5), "an H.264 IDR");
      const d = await factory.describe();
      assert.equal(d.encoder, "libx264");
      assert.match(d.reason, new RegExp(`h264_nvenc failed ${NVENC_FAILURES_BEFORE_FALLBACK} times in a row`));
      // New encoders go straight to libx264.
      const enc = await factory.create(W, H, "high", "rgba");
      assert.equal(enc.name, "libx264");
      await enc.dispose();
    } finally {
      await v.pump.dispose();
    }
  });
});
