/**
 * The spare encoder, with the real ffmpeg: after a frame at rest the render pump opens the encoder of the
 * size the next drag starts with, so the drag's first frame finds it running (no ffmpeg start between its
 * render and its encode); the spare takes only a free slot of the daemon's budget, is the first stopped for
 * another encoder (idle or not), is kept while the view rests, and is stopped when the view closes.
 */
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import type { VideoEncoder } from "../../../src/daemon/encode/types.js";
import { childLogger } from "../../../src/daemon/log.js";
import { FfmpegEncoderFactory } from "../../../src/daemon/server/encoder-factory.js";
import { EncoderSet } from "../../../src/daemon/server/encoder-set.js";
import { RenderPump } from "../../../src/daemon/server/render-pump.js";
import { decodeFrame, isNapariCudaError, type Canvas } from "../../../src/protocol/index.js";
import { markedFfmpeg, pidsMatching, reaped } from "../encode/helpers.js";
import { viewerState } from "./helpers.js";

const REST = { width: 64, height: 48 };
const MOVING = { width: 32, height: 24 };
const rgba = (s: { width: number; height: number }): Uint8Array => new Uint8Array(s.width * s.height * 4).fill(90);

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1500 && !cond(); i++) await sleep(10);
  assert.ok(cond(), `timed out waiting for ${what}`);
}

describe("spare encoder (real ffmpeg)", { timeout: 120_000 }, () => {
  let ff: ReturnType<typeof markedFfmpeg>;
  let env: NodeJS.ProcessEnv;
  before(() => {
    ff = markedFfmpeg();
    env = { ...process.env, NAPARI_CUDA_FFMPEG: ff.path, NAPARI_CUDA_ENCODER: "libx264" };
  });
  after(() => ff.cleanup());

  it("the first moving frame after a drag starts finds its encoder already running", async () => {
    const factory = new FfmpegEncoderFactory(env, 8);
    const events: string[] = [];
    let moving = false;
    const pump = new RenderPump(
      {
        render: async () => {
          const size = moving ? MOVING : REST;
          events.push(`render ${size.width}`);
          const frame = { ...size, rgba: rgba(size), renderMs: 1 };
          return { frame, level: 0, levelCount: 1, moving, scale: moving ? 2 : 1 };
        },
        movingSize: () => MOVING,
        release: () => undefined,
        createEncoder: async (w, h, still, spare) => {
          events.push(`create ${w}${spare === true ? " spare" : ""}`);
          const enc = await factory.create(w, h, "high", "rgba", still, spare);
          events.push(`open ${w}`);
          return enc;
        },
        sendConfig: () => undefined,
        sendFrame: (message) => {
          const { header } = decodeFrame(message);
          events.push(`sent ${header.width}`);
          pump.ack(header.frameId);
          return true;
        },
        sendError: (err) => events.push(`error ${err.code}`),
        bufferedAmount: () => 0,
        log: childLogger("test"),
      },
      { maxInFlight: 2, maxBufferedBytes: 1 << 20 },
      { seq: 0, state: viewerState([24, 32], 1), canvas: { ...REST, pixel_ratio: 1 } as Canvas },
    );
    try {
      await until(() => events.includes(`open ${MOVING.width}`), "the spare to open");
      moving = true;
      pump.setState(1, viewerState([24, 33], 1));
      await until(() => events.includes(`sent ${MOVING.width}`), "the moving frame");
      assert.deepEqual(events, [
        `render ${REST.width}`,
        `create ${REST.width}`,
        `open ${REST.width}`,
        `sent ${REST.width}`,
        `create ${MOVING.width} spare`, // opened after the frame at rest went out, not before it
        `open ${MOVING.width}`,
        `render ${MOVING.width}`, // the drag's first frame: no encoder start after its render
        `sent ${MOVING.width}`,
      ]);
      assert.equal(factory.budget.used, 2);
    } finally {
      await pump.dispose();
    }
    assert.equal(factory.budget.used, 0, "closing the view stops its spare too");
    for (const pid of pidsMatching(ff.marker)) await reaped(pid);
    assert.deepEqual(pidsMatching(ff.marker), []);
  });

  it("a spare takes only a free slot, and is the first stopped when another encoder needs one", async () => {
    const factory = new FfmpegEncoderFactory(env, 2);
    const used: VideoEncoder[] = [];
    try {
      used.push(await factory.create(REST.width, REST.height, "high", "rgba"));
      await used[0]!.encode(rgba(REST));
      const spare = await factory.create(MOVING.width, MOVING.height, "high", "rgba", false, true);
      used.push(spare);
      await assert.rejects(
        factory.create(MOVING.width, MOVING.height, "high", "rgba", false, true),
        (err) => isNapariCudaError(err, "encoder_limit"),
        "no free slot: a spare is refused, nothing is stopped for it",
      );
      assert.equal(used[0]!.closed, false);
      assert.equal(factory.budget.used, 2);
      // Another view's encoder: the spare (unused, opened just now) makes room, the busy one is kept.
      used.push(await factory.create(REST.width, REST.height, "high", "rgba"));
      assert.equal(spare.closed, true, "the spare was stopped for it");
      assert.equal(used[0]!.closed, false);
      await used[2]!.encode(rgba(REST));
    } finally {
      await Promise.all(used.map((e) => e.dispose()));
    }
  });

  it("a view at rest keeps its spare; when it no longer is the spare it retires like any idle kind", async () => {
    const factory = new FfmpegEncoderFactory(env, 8);
    const set = new EncoderSet((w, h, still, spare) => factory.create(w, h, "high", "rgba", still, spare), 60_000);
    try {
      set.warm(MOVING);
      await until(() => set.peek(MOVING.width, MOVING.height) !== undefined, "the spare to open");
      const full = await set.get(REST.width, REST.height);
      const still = await set.get(REST.width, REST.height, true);
      const spare = set.peek(MOVING.width, MOVING.height)!;
      assert.equal(set.retireIdle(performance.now() + 60_000), 0, "the spare and the two used last stay");
      assert.equal(set.has(spare) && set.has(full) && set.has(still), true);
      set.warm(null); // e.g. moving frames are full size now
      assert.equal(set.retireIdle(performance.now() + 60_000), 1);
      assert.equal(set.has(spare), false, "the former spare retired");
      assert.equal(set.has(full) && set.has(still), true);
    } finally {
      await set.dispose();
    }
    assert.equal(factory.budget.used, 0);
  });
});
