/**
 * NAPARI_CUDA_DEBUG_RENDER_DELAY_MS (config.renderDelayMs): every view render waits first, so a view
 * can be tried against a slow daemon. Only a lower bound is checked: a timer never fires early.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeFrame } from "../../../src/protocol/index.js";
import { openViewer, startTestDaemon, streamHello, TestClient, viewerState, type TestDaemon } from "./helpers.js";

const DELAY_MS = 300;

describe("render delay (debug)", { timeout: 60_000 }, () => {
  let t: TestDaemon;
  before(async () => {
    t = await startTestDaemon({ renderDelayMs: DELAY_MS });
  });
  after(async () => {
    await t.daemon.close();
  });

  it("each frame comes at least the delay after the state it shows", async () => {
    await openViewer(t, "slow");
    const c = await TestClient.open(t.url("/stream"));
    try {
      let t0 = performance.now();
      c.send(streamHello({ viewer_id: "slow" }));
      let f = decodeFrame((await c.untilBinary()).data).header;
      assert.ok(performance.now() - t0 >= DELAY_MS - 1, "first frame too early");
      c.send({ type: "ack", frame_id: f.frameId });
      t0 = performance.now();
      c.send({ type: "state", seq: 1, state: viewerState([3, 3], 1) });
      f = decodeFrame((await c.untilBinary()).data).header;
      assert.equal(f.seq, 1);
      assert.ok(performance.now() - t0 >= DELAY_MS - 1, "frame for the new state too early");
    } finally {
      await c.close();
    }
  });
});
