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

  /** A quality whose view has been moving (states every 10 ms) up to `t`; `move()` adds a state. */
  function moving(budget: number | null) {
    const q = new InteractiveQuality(budget);
    let t = 0;
    const move = (): number => {
      t += 10;
      q.changed(t);
      return t;
    };
    move();
    move();
    return { q, move, at: (nd = 2) => q.scale(nd, move()) };
  }

  it("halves moving frames once full-resolution frames cost more than the budget", () => {
    const { q, at } = moving(20);
    assert.equal(at(), 1, "moving, nothing measured yet");
    q.observe(cost(2, 30));
    assert.equal(at(), 2, "moving and slow");
    assert.equal(at(3), 1, "3D is measured apart");
    assert.equal(q.estimate(2), 30);
  });

  it("every frame within REFINE_AFTER_MS of a change answers at the moving scale; the hello's and at rest: full", () => {
    const q = new InteractiveQuality(0);
    q.changed(0); // the hello's state
    assert.equal(q.scale(2, 1), 1, "the view's first frame: full resolution");
    assert.equal(q.answering(1), false);
    q.changed(1000);
    assert.equal(q.moving(1001), false, "one change after rest is not a move (no still is due, though)");
    assert.equal(q.scale(2, 1001), 2, "one change after rest (a wheel notch): answered at the moving scale");
    q.changed(1000 + REFINE_AFTER_MS - 1);
    const t = 1000 + REFINE_AFTER_MS;
    assert.equal(q.moving(t), true, "a second change soon after: moving");
    assert.equal(q.scale(2, t), 2);
    assert.equal(q.scale(2, t + REFINE_AFTER_MS / 2), 2, "redrawn soon after (chunks arrived): still moving");
    assert.equal(q.scale(2, t + REFINE_AFTER_MS), 1, "at rest: full resolution (the refine)");
    q.changed(t + 5 * REFINE_AFTER_MS);
    assert.equal(q.scale(2, t + 5 * REFINE_AFTER_MS), 2, "the next notch after a pause: the moving scale again");
    assert.equal(q.scale(2, t + 6 * REFINE_AFTER_MS), 1, "and full at rest");
    const off = new InteractiveQuality(null);
    off.changed(0);
    off.changed(1000);
    assert.equal(off.scale(2, 1001), 1, "NAPARI_CUDA_INTERACTIVE_MS=off: always full");
  });

  it("costs are scaled to full resolution, averaged, and leave half resolution below 3/4 of the budget", () => {
    const { q, at } = moving(20);
    q.observe(cost(2, 8, 25)); // a quarter of the pixels: 32 ms at full resolution
    assert.equal(q.estimate(2), 32);
    assert.equal(at(), 2);
    q.observe(cost(2, 4.5, 25)); // 18 ms at full: the average falls, but not under 15
    assert.ok(q.estimate(2)! > 15 && q.estimate(2)! < 32);
    assert.equal(at(), 2, "hysteresis: still above 3/4 of the budget");
    for (let k = 0; k < 10; k++) q.observe(cost(2, 2, 25)); // 8 ms at full
    assert.ok(q.estimate(2)! < 15);
    assert.equal(at(), 1, "cheap again: full resolution while moving");
  });

  it("a cheap full-resolution keyframe (the redraw at rest) leaves half resolution; keyframes never enter it", () => {
    const { q, at } = moving(20);
    q.observe(cost(2, 100, 100, true));
    assert.equal(at(), 1, "an expensive keyframe alone does not halve");
    q.observe(cost(2, 60)); // one spike (a GC pause, a slow decode)
    assert.equal(at(), 2);
    // Half frames carry fixed costs that the x4 scaling inflates: alone they would never lead back.
    for (let k = 0; k < 20; k++) q.observe(cost(2, 5, 25));
    assert.equal(at(), 2, "half frames alone: 20 ms estimated, still halved");
    q.observe(cost(2, 16, 25, true));
    assert.equal(at(), 2, "a half-resolution keyframe says nothing about full frames");
    q.observe(cost(2, 14, 100, true));
    assert.equal(at(), 1, "a 14 ms full keyframe: delta frames cost less, back to full resolution");
    assert.equal(q.estimate(2), 14);
  });

  it("disabled: never halves; 0: always halves while moving", () => {
    const off = moving(null);
    off.q.observe(cost(3, 1e4));
    assert.equal(off.at(3), 1);
    assert.equal(moving(0).at(3), 2);
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
    it(`${nd}D: half resolution while moving and for a single change, full at rest`, async () => {
      const { v, collect, close } = await live(0);
      try {
        v.send(streamHello({ viewer_id: "i", state: moved(nd, 0), canvas }));
        assert.deepEqual(await collect(1500), [{ seq: 0, width: 64, keyframe: true, config: 64 }], "at rest: full");
        v.send({ type: "state", seq: 1, state: moved(nd, 1) });
        v.send({ type: "state", seq: 2, state: moved(nd, 2) });
        const got = await collect(1500);
        const half = got.filter((f) => f.width === 32);
        assert.ok(half.length >= 1, JSON.stringify(got));
        assert.deepEqual(half[0], { seq: 1, width: 32, keyframe: true, config: 32 }, "moving: a half-size keyframe");
        // The full encoder's stream goes on (the widget keeps its decoder warm): no keyframe, no config.
        assert.deepEqual(got.at(-1), { seq: 2, width: 64, keyframe: false }, "at rest: refined in full");
        v.send({ type: "state", seq: 3, state: moved(nd, 3) });
        assert.deepEqual(
          await collect(1000),
          [
            { seq: 3, width: 32, keyframe: false },
            { seq: 3, width: 64, keyframe: false },
          ],
          "one change after rest: answered at half size, then refined",
        );
        // The same camera, dims and layers under a new seq (e.g. only the overscan changed): at rest.
        v.send({ type: "state", seq: 4, state: moved(nd, 3) });
        const same = await collect(1000);
        assert.ok(same.length >= 1 && same.every((f) => f.width === 64), JSON.stringify(same));
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
      const burst = async (seq: number, decodeMs = 1) => {
        v.send({ type: "state", seq, state: moved(2, seq) });
        v.send({ type: "state", seq: seq + 1, state: moved(2, seq + 1) });
        return (await collect(1000, decodeMs)).map((f) => [f.seq, f.width]);
      };
      assert.deepEqual((await burst(1)).at(-1), [2, 64], "cheap frames stay full while moving");
      assert.ok(
        (await burst(3, 2000)).every(([, w]) => w === 64),
        "full while a 2 s decode is measured",
      );
      const next = await burst(5);
      assert.ok(
        next.some(([q, w]) => q === 6 && w === 32),
        `now half while moving: ${JSON.stringify(next)}`,
      );
      assert.deepEqual(next.at(-1), [6, 64], "then refined in full");
    } finally {
      await close();
    }
  });
});
