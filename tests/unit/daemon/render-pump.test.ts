/**
 * RenderPump with in-memory parts: frames of two sizes go to two encoders, a new size's first frame
 * is a keyframe after its config (a switch back is not; a client's keyframe request reaches every
 * encoder), frames leave in frame order whichever encoder finishes first, one size
 * more than the encoder set holds stops the least recently used encoder, a failed encoder is
 * replaced, acks report costs, keyframe requests are rate-limited and wait for the in-flight window, and
 * a frame message over the proxy's bound never leaves.
 * Encodes finish only when the test releases them, so nothing depends on timing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_FRAME_MESSAGE_BYTES } from "../../../src/daemon/encode/bound.js";
import type { EncodedFrame, VideoEncoder } from "../../../src/daemon/encode/types.js";
import { childLogger } from "../../../src/daemon/log.js";
import type { FrameCost } from "../../../src/daemon/scene/interactive.js";
import { MAX_ENCODERS_PER_VIEW } from "../../../src/daemon/server/encoder-set.js";
import { RenderPump, type PumpLimits } from "../../../src/daemon/server/render-pump.js";
import { decodeFrame, NapariCudaError, type Canvas } from "../../../src/protocol/index.js";
import { sleep, viewerState } from "./helpers.js";

/** An encoder whose frames finish when released (in any order across encoders). */
class HeldEncoder implements VideoEncoder {
  readonly name = "held";
  readonly held: Array<{ keyframe: boolean; finish: (fail?: boolean, bytes?: number) => void }> = [];
  disposed = false;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}
  encode(pixels: Uint8Array, opts?: { keyframe?: boolean }): Promise<EncodedFrame> {
    const keyframe = opts?.keyframe === true;
    return new Promise((resolve, reject) =>
      this.held.push({
        keyframe,
        finish: (fail, bytes) => {
          if (fail) reject(new NapariCudaError("encoder_failed", "ffmpeg exited"));
          const config = keyframe ? { config: { codec: "avc1.640028", description: new Uint8Array([1]) } } : {};
          const data = bytes === undefined ? pixels.subarray(0, 4) : new Uint8Array(bytes);
          resolve({ data, keyframe, encodeMs: 3, ...config });
        },
      }),
    );
  }
  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

type Sent = [frameId: number, seq: number, width: number, keyframe: boolean];

/** A pump whose frame for state seq N has width `widthOf(N)` (and 3:4 aspect). */
function setup(widthOf: (seq: number) => number, limits: Partial<PumpLimits> = {}) {
  const sent: Sent[] = [];
  /** Bytes of each frame message, in order. */
  const sizes: number[] = [];
  const events: string[] = [];
  const costs: FrameCost[] = [];
  const encoders: HeldEncoder[] = [];
  let seq = 0;
  const p = new RenderPump(
    {
      render: async () => {
        const w = widthOf(seq);
        const h = (w * 3) / 4;
        return {
          frame: { width: w, height: h, rgba: new Uint8Array(w * h * 4), renderMs: 2 },
          level: 0,
          levelCount: 1,
        };
      },
      release: () => undefined,
      createEncoder: async (w, h) => {
        const e = new HeldEncoder(w, h);
        encoders.push(e);
        return e;
      },
      sendConfig: (_c, enc) => events.push(`config ${enc.width}`),
      sendFrame: (message) => {
        const { header } = decodeFrame(message);
        sent.push([header.frameId, header.seq, header.width, header.keyframe]);
        sizes.push(message.byteLength);
        events.push(`frame ${header.frameId}`);
        return true;
      },
      sendError: (err) => events.push(`error ${err.code}`),
      bufferedAmount: () => 0,
      observeCost: (c) => costs.push(c),
      log: childLogger("test"),
    },
    // Before any ack the link's window is startInFlight frames: these tests hold several encodes at once.
    { maxInFlight: 8, maxBufferedBytes: 1 << 20, startInFlight: 8, ...limits },
    { seq: 0, state: viewerState([24, 32], 1), canvas: { width: 64, height: 48, pixel_ratio: 1 } as Canvas },
  );
  const setState = (n: number) => {
    seq = n;
    p.setState(n, viewerState([24, 32 + n], 1));
  };
  /** Wait until `n` encodes are held across all encoders. */
  const held = async (n: number) => {
    for (let i = 0; i < 500 && encoders.reduce((k, e) => k + e.held.length, 0) < n; i++) await sleep(2);
    assert.equal(
      encoders.reduce((k, e) => k + e.held.length, 0),
      n,
      "encodes started",
    );
  };
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 500 && !cond(); i++) await sleep(2);
    assert.ok(cond(), "timed out");
  };
  return { p, sent, sizes, events, costs, encoders, setState, held, until };
}

const full = (n: number) => (n === 1 || n === 2 ? 32 : 64);

describe("RenderPump with frames of two sizes", () => {
  it("a new size's first frame is a keyframe after its config, a switch back is not; frames leave in frame order", async () => {
    const { p, sent, events, encoders, setState, held, until } = setup(full);
    try {
      await held(1);
      setState(1);
      await held(2);
      setState(2);
      await held(3);
      setState(3);
      await held(4);
      const [big, small] = encoders as [HeldEncoder, HeldEncoder];
      // Finish in the worst order: the later half-size frames before the first full-size one.
      small.held[1]!.finish();
      small.held[0]!.finish();
      big.held[1]!.finish();
      await sleep(20);
      assert.deepEqual(sent, [], "nothing may leave before frame 1");
      big.held[0]!.finish();
      await until(() => sent.length === 4);
      assert.deepEqual(sent, [
        [1, 0, 64, true],
        [2, 1, 32, true],
        [3, 2, 32, false],
        [4, 3, 64, false], // the 64 encoder's stream goes on: the widget keeps its decoder warm
      ]);
      assert.deepEqual(events, ["config 64", "frame 1", "config 32", "frame 2", "frame 3", "frame 4"]);
    } finally {
      await p.dispose();
    }
  });

  it("after the client asks for a keyframe, each encoder's next frame is one (its decoder lost state)", async () => {
    const { p, sent, encoders, setState, held, until } = setup(full);
    try {
      await held(1);
      setState(1);
      await held(2);
      for (const e of encoders) e.held[0]!.finish();
      await until(() => sent.length === 2);
      p.requestKeyframe();
      await held(3); // seq 1 again (size 32), re-rendered for the keyframe
      encoders[1]!.held[1]!.finish();
      await until(() => sent.length === 3);
      setState(3); // back to size 64: its encoder's first frame since the request
      await held(4);
      encoders[0]!.held[1]!.finish();
      await until(() => sent.length === 4);
      setState(4);
      await held(5);
      encoders[0]!.held[2]!.finish();
      await until(() => sent.length === 5);
      assert.deepEqual(
        sent.map(([, , w, key]) => [w, key]),
        [
          [64, true],
          [32, true],
          [32, true],
          [64, true],
          [64, false],
        ],
      );
    } finally {
      await p.dispose();
    }
  });

  it("a keyframe request naming one encoder re-keys only that one", async () => {
    const { p, sent, encoders, setState, held, until } = setup(full);
    try {
      await held(1);
      setState(1);
      await held(2);
      for (const e of encoders) e.held[0]!.finish();
      await until(() => sent.length === 2);
      p.requestKeyframe({ width: 64, height: 48, still: false }); // the 64 encoder's decoder lost state
      await held(3); // seq 1 again at size 32: its encoder was not named
      encoders[1]!.held[1]!.finish();
      await until(() => sent.length === 3);
      setState(3); // size 64 again
      await held(4);
      encoders[0]!.held[1]!.finish();
      await until(() => sent.length === 4);
      assert.deepEqual(
        sent.slice(2).map(([, , w, key]) => [w, key]),
        [
          [32, false],
          [64, true],
        ],
      );
    } finally {
      await p.dispose();
    }
  });

  it("one size more than MAX_ENCODERS_PER_VIEW stops the least recently used encoder; its frame in flight is dropped", async () => {
    const widths = [64, 32, 48, 40, 56];
    assert.equal(widths.length, MAX_ENCODERS_PER_VIEW + 1);
    const { p, sent, encoders, setState, held, until } = setup((n) => widths[n] ?? 56);
    try {
      await held(1); // frame 1 (64 wide) stays in flight
      for (let n = 1; n < widths.length; n++) {
        setState(n); // a new size each time; the last one (a resize) finds the 64 encoder least recently used
        await held(n + 1);
      }
      assert.equal(encoders.length, widths.length);
      assert.ok(encoders[0]!.disposed, "least recently used encoder stopped");
      assert.ok(!encoders[1]!.disposed, "the others stay open");
      for (const e of encoders) e.held[0]!.finish();
      await until(() => sent.length === widths.length - 1);
      await sleep(20);
      assert.deepEqual(
        sent,
        widths.slice(1).map((w, i) => [i + 2, i + 1, w, true]),
      );
    } finally {
      await p.dispose();
    }
    assert.ok(
      encoders.every((e) => e.disposed),
      "dispose stops every encoder",
    );
  });

  it("a failed encoder is reported, stopped and replaced; the next frame is a keyframe", async () => {
    const { p, sent, events, encoders, setState, held, until } = setup(() => 64);
    try {
      await held(1);
      encoders[0]!.held[0]!.finish();
      await until(() => sent.length === 1);
      setState(1);
      await held(2);
      encoders[0]!.held[1]!.finish(true);
      await until(() => encoders.length === 2 && encoders[1]!.held.length === 1);
      assert.ok(encoders[0]!.disposed);
      assert.ok(events.includes("error encoder_failed"));
      assert.equal(encoders[1]!.held[0]!.keyframe, true);
    } finally {
      await p.dispose();
    }
  });

  it("an ack with decode_ms reports the frame's whole cost, keyframes flagged; bare acks report nothing", async () => {
    const { p, sent, costs, encoders, setState, held, until } = setup(() => 64);
    try {
      await held(1);
      encoders[0]!.held[0]!.finish();
      await until(() => sent.length === 1);
      p.ack(1, 5);
      setState(1);
      await held(2);
      encoders[0]!.held[1]!.finish();
      await until(() => sent.length === 2);
      p.ack(2);
      assert.deepEqual(costs, [{ ndisplay: 2, pixels: 64 * 48, fullPixels: 64 * 48, ms: 2 + 3 + 5, keyframe: true }]);
    } finally {
      await p.dispose();
    }
  });

  it("once the link's rate is measured, a frame's cost includes its time on the link (bytes / rate)", async () => {
    const { p, sent, sizes, costs, encoders, setState, held, until } = setup(() => 64);
    try {
      let rate = NaN;
      for (let n = 1; n <= 3; n++) {
        if (n > 1) setState(n);
        await held(n);
        encoders[0]!.held[n - 1]!.finish();
        await until(() => sent.length === n);
        await sleep(5);
        rate = p.linkStats().rateBytesPerSec; // the estimate the ack's cost uses (the ack may raise it)
        p.ack(n, 5);
      }
      assert.ok(rate > 0 && Number.isFinite(rate), `rate ${rate}`);
      const last = costs.at(-1)!;
      const onLink = (sizes[2]! * 1000) / rate;
      assert.ok(Math.abs(last.ms - (2 + 3 + 5 + onLink)) < 1e-6, `${last.ms} ms, on the link ${onLink} ms`);
    } finally {
      await p.dispose();
    }
  });

  it("keyframe requests are rate-limited: one is honoured, more wait and coalesce into one", async () => {
    const { p, sent, encoders, setState, held, until } = setup(() => 64, { keyframeIntervalMs: 50 });
    try {
      await held(1);
      encoders[0]!.held[0]!.finish();
      await until(() => sent.length === 1);
      for (let i = 0; i < 5; i++) p.requestKeyframe(); // a burst (e.g. a decoder error storm)
      await held(2); // the first is honoured at once
      encoders[0]!.held[1]!.finish();
      await until(() => sent.length === 2);
      await held(3); // the other four, together, once the interval has passed
      encoders[0]!.held[2]!.finish();
      await until(() => sent.length === 3);
      await sleep(200);
      assert.equal(encoders[0]!.held.length, 3, "no more frames: the four requests made one keyframe");
      setState(1);
      await held(4);
      encoders[0]!.held[3]!.finish();
      await until(() => sent.length === 4);
      assert.deepEqual(
        sent.map(([, , , key]) => key),
        [true, true, true, false],
      );
    } finally {
      await p.dispose();
    }
  });

  it("within the interval a keyframe request waits: the frames meanwhile are not keyframes", async () => {
    const { p, sent, encoders, setState, held, until } = setup(() => 64, { keyframeIntervalMs: 60_000 });
    try {
      await held(1);
      encoders[0]!.held[0]!.finish();
      await until(() => sent.length === 1);
      p.requestKeyframe();
      await held(2);
      encoders[0]!.held[1]!.finish();
      await until(() => sent.length === 2);
      for (let n = 1; n <= 3; n++) {
        p.requestKeyframe(); // each one swapped in a standby ffmpeg before: now they wait for the interval
        setState(n);
        await held(n + 2);
        encoders[0]!.held[n + 1]!.finish();
        await until(() => sent.length === n + 2);
      }
      assert.deepEqual(
        sent.map(([, , , key]) => key),
        [true, true, false, false, false],
      );
    } finally {
      await p.dispose();
    }
  });

  it("a keyframe request never opens the in-flight window: it waits for an ack", async () => {
    const { p, sent, encoders, held, until } = setup(() => 64, { maxInFlight: 1, startInFlight: 1 });
    try {
      await held(1);
      encoders[0]!.held[0]!.finish();
      await until(() => sent.length === 1);
      p.requestKeyframe(); // frame 1 is not acked: the window (1) is full
      await sleep(50);
      assert.equal(encoders[0]!.held.length, 1, "no frame while one is in flight");
      p.ack(1);
      await held(2);
      assert.equal(encoders[0]!.held[1]!.keyframe, true);
    } finally {
      await p.dispose();
    }
  });

  it("a frame whose message would pass the proxy's limit is never sent: its encoder is replaced, the next frame is an IDR", async () => {
    const { p, sent, encoders, held, until } = setup(() => 64);
    try {
      await held(1);
      encoders[0]!.held[0]!.finish(false, MAX_FRAME_MESSAGE_BYTES); // + the header: over the bound
      await until(() => encoders.length === 2 && encoders[1]!.held.length === 1);
      assert.ok(encoders[0]!.disposed, "the encoder that made it is stopped");
      assert.equal(encoders[1]!.held[0]!.keyframe, true);
      encoders[1]!.held[0]!.finish();
      await until(() => sent.length === 1);
      assert.deepEqual(sent, [[2, 0, 64, true]], "frame 1 never left");
    } finally {
      await p.dispose();
    }
  });
});
