/**
 * RenderPump with in-memory parts: frames of two sizes go to two encoders, a size switch is a
 * keyframe, frames leave in order when the second encoder is faster, and acks report costs.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EncodedFrame, VideoEncoder } from "../../../src/daemon/encode/types.js";
import { childLogger } from "../../../src/daemon/log.js";
import type { FrameCost } from "../../../src/daemon/scene/interactive.js";
import { RenderPump } from "../../../src/daemon/server/render-pump.js";
import { decodeFrame, type Canvas, type ViewerState } from "../../../src/protocol/index.js";
import { sleep, viewerState } from "./helpers.js";

/** An encoder whose frames take `delayMs` (full size) or 1 ms (other sizes); a keyframe carries a config. */
class FakeEncoder implements VideoEncoder {
  readonly name = "fake";
  constructor(
    readonly width: number,
    readonly height: number,
    private readonly delayMs: number,
  ) {}
  async encode(pixels: Uint8Array, opts?: { keyframe?: boolean }): Promise<EncodedFrame> {
    await sleep(this.delayMs);
    const keyframe = opts?.keyframe === true;
    const config = keyframe ? { codec: "avc1.640028", description: new Uint8Array([1]) } : undefined;
    return { data: pixels.subarray(0, 4), keyframe, encodeMs: this.delayMs, ...(config ? { config } : {}) };
  }
  async dispose(): Promise<void> {}
}

interface Sent {
  frameId: number;
  seq: number;
  width: number;
  keyframe: boolean;
}

function pump(sizeOf: (seq: number) => number) {
  const sent: Sent[] = [];
  const configs: number[] = [];
  const costs: FrameCost[] = [];
  const canvas: Canvas = { width: 64, height: 48, pixel_ratio: 1 };
  let seqNow = 0;
  const p = new RenderPump(
    {
      render: async (_state: ViewerState, c: Canvas) => {
        const w = sizeOf(seqNow);
        const h = (w * c.height) / c.width;
        return {
          frame: { width: w, height: h, rgba: new Uint8Array(w * h * 4), renderMs: 2 },
          level: 0,
          levelCount: 1,
        };
      },
      release: () => undefined,
      createEncoder: async (w, h) => new FakeEncoder(w, h, w === 64 ? 60 : 1),
      sendConfig: (_config, enc) => configs.push(enc.width),
      sendFrame: (message) => {
        const { header } = decodeFrame(message);
        sent.push({ frameId: header.frameId, seq: header.seq, width: header.width, keyframe: header.keyframe });
        return true;
      },
      sendError: (err) => assert.fail(err.message),
      bufferedAmount: () => 0,
      observeCost: (c) => costs.push(c),
      log: childLogger("test"),
    },
    { maxInFlight: 8, maxBufferedBytes: 1 << 20 },
    { seq: 0, state: viewerState([24, 32], 1), canvas },
  );
  const setState = (seq: number) => {
    seqNow = seq;
    p.setState(seq, viewerState([24, 32 + seq], 1));
  };
  return { p, sent, configs, costs, setState };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); await sleep(5)) if (Date.now() > end) assert.fail("timed out");
}

describe("RenderPump with frames of two sizes", () => {
  it("sends in frame order although the half-size encoder is faster; each size switch is a keyframe", async () => {
    const { p, sent, configs, setState } = pump((seq) => (seq === 1 || seq === 2 ? 32 : 64));
    try {
      await until(() => sent.length === 1);
      setState(1); // half size: rendered while the full-size frame 1 is done; then seq 2 overlaps it
      await until(() => sent.length === 2);
      setState(2);
      await until(() => sent.length === 3);
      setState(3); // full size again: its encoder is slow
      await sleep(5);
      setState(4); // stays full size
      await until(() => sent.length >= 5);
      assert.deepEqual(
        sent.map((s) => s.frameId),
        [1, 2, 3, 4, 5],
        "in order",
      );
      assert.deepEqual(
        sent.map((s) => [s.width, s.keyframe]),
        [
          [64, true],
          [32, true],
          [32, false],
          [64, true],
          [64, false],
        ],
      );
      assert.deepEqual(configs, [64, 32, 64], "a config before each keyframe");
    } finally {
      await p.dispose();
    }
  });

  it("out of order completion: a fast half-size frame waits for the slow full-size one before it", async () => {
    const { p, sent, setState } = pump((seq) => (seq === 2 ? 32 : 64));
    try {
      await until(() => sent.length === 1);
      setState(1); // full size, 60 ms encode
      await sleep(10);
      setState(2); // half size, 1 ms encode: done long before frame 2
      await until(() => sent.length === 3);
      assert.deepEqual(
        sent.map((s) => [s.frameId, s.seq, s.width]),
        [
          [1, 0, 64],
          [2, 1, 64],
          [3, 2, 32],
        ],
      );
    } finally {
      await p.dispose();
    }
  });

  it("an ack with decode_ms reports a delta frame's whole cost; keyframes and bare acks report nothing", async () => {
    const { p, sent, costs, setState } = pump(() => 64);
    try {
      await until(() => sent.length === 1);
      p.ack(1, 5); // keyframe
      setState(1);
      await until(() => sent.length === 2);
      p.ack(2, 7);
      setState(2);
      await until(() => sent.length === 3);
      p.ack(3);
      assert.deepEqual(costs, [{ ndisplay: 2, pixels: 64 * 48, fullPixels: 64 * 48, ms: 2 + 60 + 7 }]);
    } finally {
      await p.dispose();
    }
  });
});
