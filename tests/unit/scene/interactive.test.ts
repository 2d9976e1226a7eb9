/** Interactive quality: half-resolution moving frames (measured costs), the rest refine, geometry and env. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_INTERACTIVE_MS,
  halfCanvas,
  interactiveMsFromEnv,
  InteractiveQuality,
  REFINE_AFTER_MS,
  type FrameCost,
} from "../../../src/daemon/scene/interactive.js";
import { devicePixelToWorld, type ViewerState } from "../../../src/protocol/index.js";
import { controlClient, layer, startTestDaemon, streamHello, TestClient } from "../daemon/helpers.js";
import { decodeFrame } from "../../../src/protocol/index.js";

function state(ndisplay: 2 | 3, x = 0): ViewerState {
  return {
    camera: { center: [4, 8, 8 + x], zoom: 2, angles: [0, 0, 90] },
    dims: { ndisplay, current_step: [0, 0, 0], axis_labels: [] },
    layers: [],
  };
}

describe("InteractiveQuality", () => {
  const cost = (ndisplay: number, ms: number, pixels = 100, keyframe = false): FrameCost => ({
    ndisplay,
    pixels,
    fullPixels: 100,
    ms,
    keyframe,
  });

  it("halves moving frames once full-resolution frames cost more than the budget", () => {
    const q = new InteractiveQuality(20);
    const a = state(2);
    assert.equal(q.scale(a, 0), 1, "first frame");
    assert.equal(q.scale(state(2, 1), 10), 1, "moving, nothing measured yet");
    q.observe(cost(2, 30));
    assert.equal(q.scale(state(2, 2), 20), 2, "moving and slow");
    assert.equal(q.scale(state(3, 3), 30), 1, "3D is measured apart");
    assert.equal(q.estimate(2), 30);
  });

  it("a view is moving while its state changed within REFINE_AFTER_MS; then it is drawn in full", () => {
    const q = new InteractiveQuality(0);
    const b = state(2, 1);
    q.scale(state(2), 0);
    assert.equal(q.scale(b, 100), 2, "new state");
    assert.equal(q.scale(b, 100 + REFINE_AFTER_MS / 2), 2, "redrawn soon after (chunks arrived): still moving");
    assert.equal(q.scale(b, 100 + REFINE_AFTER_MS), 1, "at rest: full resolution");
  });

  it("costs are scaled to full resolution, averaged, and leave half resolution below 3/4 of the budget", () => {
    const q = new InteractiveQuality(20);
    q.observe(cost(2, 8, 25)); // a quarter of the pixels: 32 ms at full resolution
    assert.equal(q.estimate(2), 32);
    let t = 0;
    q.scale(state(2), t);
    const moving = () => q.scale(state(2, ++t), t);
    assert.equal(moving(), 2);
    q.observe(cost(2, 4.5, 25)); // 18 ms at full: the average falls, but not under 15
    assert.ok(q.estimate(2)! > 15 && q.estimate(2)! < 32);
    assert.equal(moving(), 2, "hysteresis: still above 3/4 of the budget");
    for (let k = 0; k < 10; k++) q.observe(cost(2, 2, 25)); // 8 ms at full
    assert.ok(q.estimate(2)! < 15);
    assert.equal(moving(), 1, "cheap again: full resolution while moving");
  });

  it("a cheap full-resolution keyframe (the redraw at rest) leaves half resolution; keyframes never enter it", () => {
    const q = new InteractiveQuality(20);
    let t = 0;
    q.scale(state(2), t);
    const moving = () => q.scale(state(2, ++t), t);
    q.observe(cost(2, 100, 100, true));
    assert.equal(moving(), 1, "an expensive keyframe alone does not halve");
    q.observe(cost(2, 60)); // one spike (a GC pause, a slow decode)
    assert.equal(moving(), 2);
    // Half frames carry fixed costs that the x4 scaling inflates: alone they would never lead back.
    for (let k = 0; k < 20; k++) q.observe(cost(2, 5, 25));
    assert.equal(moving(), 2, "half frames alone: 20 ms estimated, still halved");
    q.observe(cost(2, 16, 25, true));
    assert.equal(moving(), 2, "a half-resolution keyframe says nothing about full frames");
    q.observe(cost(2, 14, 100, true));
    assert.equal(moving(), 1, "a 14 ms full keyframe: delta frames cost less, back to full resolution");
    assert.equal(q.estimate(2), 14);
  });

  it("disabled: never halves; 0: always halves while moving", () => {
    const off = new InteractiveQuality(null);
    off.scale(state(3), 0);
    off.observe(cost(3, 1e4));
    assert.equal(off.scale(state(3, 1), 1), 1);
    const always = new InteractiveQuality(0);
    always.scale(state(3), 0);
    assert.equal(always.scale(state(3, 1), 1), 2);
  });

  it("reads NAPARI_CUDA_INTERACTIVE_MS", () => {
    assert.equal(interactiveMsFromEnv({}), DEFAULT_INTERACTIVE_MS);
    assert.equal(interactiveMsFromEnv({ NAPARI_CUDA_INTERACTIVE_MS: "0" }), 0);
    assert.equal(interactiveMsFromEnv({ NAPARI_CUDA_INTERACTIVE_MS: "12.5" }), 12.5);
    assert.equal(interactiveMsFromEnv({ NAPARI_CUDA_INTERACTIVE_MS: "off" }), null);
    assert.throws(() => interactiveMsFromEnv({ NAPARI_CUDA_INTERACTIVE_MS: "fast" }), /INTERACTIVE_MS/);
  });

  it("half canvases have even sizes", () => {
    assert.deepEqual(halfCanvas({ width: 1282, height: 722, pixel_ratio: 2 }), {
      width: 642,
      height: 362,
      pixel_ratio: 1,
    });
    assert.deepEqual(halfCanvas({ width: 2, height: 2, pixel_ratio: 1 }), { width: 2, height: 2, pixel_ratio: 0.5 });
  });

  it("a half-resolution pixel sits between the two full-resolution pixels it covers", () => {
    const cam = state(2).camera;
    const full = { width: 64, height: 48, pixel_ratio: 1.5 };
    const f = devicePixelToWorld(cam, full);
    const h = devicePixelToWorld(cam, halfCanvas(full));
    for (const i of [0, 5, 31]) {
      assert.ok(Math.abs(h.originX + i * h.step - (f.originX + (2 * i + 0.5) * f.step)) < 1e-9);
      assert.ok(Math.abs(h.originY + i * h.step - (f.originY + (2 * i + 0.5) * f.step)) < 1e-9);
    }
  });
});

type Seen = { seq: number; width: number; keyframe: boolean; config?: number };

/** A daemon with a 16^3 uint8 volume on viewer "i"; `collect` gathers frames (acked with `decodeMs`). */
async function live(interactiveMs: number) {
  const t = await startTestDaemon({ interactiveMs });
  const c = await controlClient(t);
  const v = await TestClient.open(t.url("/stream"));
  const D = 16;
  c.send({
    op: "set_layer_data",
    id: 1,
    viewer_id: "i",
    layer_id: "vol",
    dtype: "uint8",
    shape: [D, D, D],
    nbytes: D ** 3,
  });
  c.sendBinary(new Uint8Array(D ** 3).map((_, i) => i % 251));
  await c.json();
  const collect = async (ms: number, decodeMs = 1): Promise<Seen[]> => {
    const seen: Seen[] = [];
    let config: number | undefined;
    const end = Date.now() + ms;
    for (;;) {
      const left = end - Date.now();
      if (left <= 0) return seen;
      const m = await v.next(left).catch(() => null);
      if (!m) return seen;
      if (m.kind !== "binary") {
        const j = m.json as { type: string; width: number };
        if (j.type === "config") config = j.width;
        continue;
      }
      const { header } = decodeFrame(m.data);
      seen.push({ seq: header.seq, width: header.width, keyframe: header.keyframe, ...(config ? { config } : {}) });
      config = undefined;
      v.send({ type: "ack", frame_id: header.frameId, decode_ms: decodeMs });
    }
  };
  const close = async () => {
    await v.close();
    await c.close();
    await t.daemon.close();
  };
  return { v, collect, close };
}

const vol = layer("vol") as ViewerState["layers"][0];
const moved = (nd: 2 | 3, x: number): ViewerState =>
  nd === 3
    ? { ...state(3, x), layers: [vol] }
    : {
        camera: { center: [8, 8 + x], zoom: 2, angles: [0, 0, 90] },
        dims: { ndisplay: 2, current_step: [4, 0, 0], axis_labels: [] },
        layers: [vol],
      };
const canvas = { width: 64, height: 48, pixel_ratio: 1 };

describe("moving frames in a live view", { timeout: 60_000 }, () => {
  for (const nd of [2, 3] as const) {
    it(`${nd}D: half resolution while moving, full at rest; each size switch is a keyframe after its config`, async () => {
      const { v, collect, close } = await live(0);
      try {
        v.send(streamHello({ viewer_id: "i", state: moved(nd, 0), canvas }));
        assert.deepEqual(await collect(1500), [{ seq: 0, width: 64, keyframe: true, config: 64 }], "at rest: full");
        v.send({ type: "state", seq: 1, state: moved(nd, 1) });
        assert.deepEqual(
          await collect(1500),
          [
            { seq: 1, width: 32, keyframe: true, config: 32 },
            { seq: 1, width: 64, keyframe: true, config: 64 },
          ],
          "moving: a half-resolution frame, then the resting view refined in full",
        );
      } finally {
        await close();
      }
    });
  }

  it("the client's measured decode time decides: slow full frames make moving frames half resolution", async () => {
    const { v, collect, close } = await live(500);
    try {
      v.send(streamHello({ viewer_id: "i", state: moved(2, 0), canvas }));
      await collect(800);
      v.send({ type: "state", seq: 1, state: moved(2, 1) });
      const fast = await collect(800, 1);
      assert.deepEqual(
        fast.map((f) => [f.seq, f.width]),
        [[1, 64]],
        "cheap frames stay full while moving",
      );
      v.send({ type: "state", seq: 2, state: moved(2, 2) });
      const slow = await collect(800, 2000);
      assert.deepEqual(
        slow.map((f) => [f.seq, f.width, f.keyframe]),
        [[2, 64, false]],
        "measured: 2 s decode",
      );
      v.send({ type: "state", seq: 3, state: moved(2, 3) });
      const next = await collect(1500);
      assert.deepEqual(
        next.map((f) => [f.seq, f.width]),
        [
          [3, 32],
          [3, 64],
        ],
        "now half while moving, then refined",
      );
    } finally {
      await close();
    }
  });
});
