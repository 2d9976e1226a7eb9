/**
 * Encoded frames stay below jupyter-server-proxy's 10 MiB WebSocket message limit, with the real ffmpeg:
 * a 3840x2160 random-noise keyframe (4:2:0 and the 4:4:4 still) is held under the bound by the VBV buffer,
 * and a frame over an encoder's bound is encoded again at a coarser setting (an IDR with its config) while
 * frames the replaced process still had are dropped, never handed out.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nalUnitTypes } from "../../../src/daemon/encode/avc.js";
import {
  levelFor,
  MAX_FRAME_BYTES,
  MAX_FRAME_MESSAGE_BYTES,
  PROXY_MESSAGE_LIMIT_BYTES,
} from "../../../src/daemon/encode/bound.js";
import { createEncoder } from "../../../src/daemon/encode/encoder.js";
import type { EncodedFrame } from "../../../src/daemon/encode/types.js";
import { encodeFrame } from "../../../src/protocol/index.js";
import { markedFfmpeg, pidsMatching } from "./helpers.js";

const W = 3840;
const H = 2160;
const NAL_IDR = 5;

/** Deterministic uniform noise (xorshift32): the worst case for any encoder. */
function noise(bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 255;
    out[i + 1] = (x >>> 8) & 255;
    out[i + 2] = (x >>> 16) & 255;
    out[i + 3] = 255;
  }
  return out;
}

/** The stream message the pump would send for `out`. */
function messageBytes(out: EncodedFrame): number {
  return encodeFrame(
    {
      frameId: 1,
      seq: 1,
      keyframe: out.keyframe,
      width: W,
      height: H,
      level: 0,
      levelCount: 1,
      renderMs: 1,
      captureMs: 0,
      encodeMs: out.encodeMs,
      sentAt: Date.now(),
      marginX: 0,
      marginY: 0,
      still: false,
    },
    out.data,
  ).byteLength;
}

describe("encoded frame size bound (4K noise, real ffmpeg)", { timeout: 120_000 }, () => {
  it("the bounds sit below the proxy's 10 MiB message limit", () => {
    assert.ok(MAX_FRAME_BYTES < MAX_FRAME_MESSAGE_BYTES && MAX_FRAME_MESSAGE_BYTES < PROXY_MESSAGE_LIMIT_BYTES);
    assert.equal(PROXY_MESSAGE_LIMIT_BYTES, 10 * 1024 * 1024);
  });

  for (const still of [false, true]) {
    it(`a 3840x2160 noise keyframe${still ? " (4:4:4 still, CRF 3)" : ""} stays under the bound`, async () => {
      const ff = markedFfmpeg();
      const enc = await createEncoder({
        width: W,
        height: H,
        pixelFormat: "rgba",
        profile: "high",
        ffmpeg: ff.path,
        still,
      });
      try {
        const sizes: number[] = [];
        for (let i = 0; i < 3; i++) {
          const out = await enc.encode(noise(W * H * 4, 17 + i), { keyframe: i === 2 });
          assert.notEqual(out.dropped, true);
          // The VBV rates do not raise the stream's level: 4K at 60 fps is level 5.2 (0x34), as without them.
          if (i === 0) assert.match(out.config?.codec ?? "", /^avc1\.[0-9a-f]{4}34$/i);
          const bytes = messageBytes(out);
          sizes.push(bytes);
          assert.ok(bytes < MAX_FRAME_MESSAGE_BYTES, `frame ${i}: ${bytes} bytes`);
          assert.ok(out.data.byteLength <= MAX_FRAME_BYTES, `frame ${i}: ${out.data.byteLength} bytes`);
        }
        console.log(`# 4K noise ${still ? "still" : "4:2:0"} message bytes: ${sizes.join(", ")}`);
      } finally {
        await enc.dispose();
        ff.cleanup();
      }
    });
  }

  it("a frame over the encoder's bound is encoded again coarser (an IDR); the old process's next frame is dropped", async () => {
    const ff = markedFfmpeg();
    const bound = 2_000_000; // below what the normal VBV setting gives a 4K noise frame (~5 MB)
    const enc = await createEncoder({
      width: W,
      height: H,
      pixelFormat: "rgba",
      profile: "high",
      ffmpeg: ff.path,
      maxFrameBytes: bound,
    });
    try {
      const before = pidsMatching(ff.marker);
      // Two frames in the same process at once: the second was queued before the first came back too big.
      const first = enc.encode(noise(W * H * 4, 1));
      const second = enc.encode(noise(W * H * 4, 2));
      const a = await first;
      const b = await second;
      assert.ok(a.data.byteLength <= bound, `re-encoded: ${a.data.byteLength} bytes`);
      assert.ok(a.keyframe && a.config !== undefined, "the re-encoded frame starts the new process: IDR + config");
      assert.ok(nalUnitTypes(a.data).includes(NAL_IDR));
      assert.equal(b.dropped, true, "the old process's P-frame references a frame the client never got");
      assert.equal(b.data.byteLength, 0);
      // The coarser processes go on: the next frame is a P-frame of the new stream, also within the bound.
      const c = await enc.encode(noise(W * H * 4, 3));
      assert.notEqual(c.dropped, true);
      assert.ok(c.data.byteLength <= bound, `next: ${c.data.byteLength} bytes`);
      assert.ok(!c.keyframe);
      console.log(`# bound ${bound}: re-encoded ${a.data.byteLength}, next ${c.data.byteLength} bytes`);
      assert.ok(before.length >= 2);
    } finally {
      await enc.dispose();
      ff.cleanup();
    }
    assert.deepEqual(pidsMatching(ff.marker), [], "no ffmpeg left after dispose");
  });
});

describe("levelFor", () => {
  it("matches the level x264 picks without a VBV at 60 fps (checked against ffmpeg 5.1's libx264)", () => {
    const cases: Array<[number, number, string | null]> = [
      [64, 48, "1"],
      [320, 240, "2.1"],
      [640, 480, "3.1"],
      [1280, 720, "3.2"],
      [1408, 848, "4.2"],
      [1920, 1080, "4.2"],
      [2560, 1440, "5.1"],
      [3840, 2160, "5.2"],
      [4096, 4096, "6"],
      [8192, 2, "5.1"],
      [8192, 8192, null],
    ];
    for (const [w, h, level] of cases) assert.equal(levelFor(w, h), level, `${w}x${h}`);
  });
});
