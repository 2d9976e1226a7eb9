/** Interactive 3D quality: half-resolution moving frames, the rest refine, geometry and env. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  halfCanvas,
  interactive3dMsFromEnv,
  InteractiveQuality,
  upscale2x,
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
  it("halves only moving CPU 3D frames whose full render was slow", () => {
    const q = new InteractiveQuality(50);
    const a = state(3);
    assert.equal(q.scale(a, true), 1, "first frame");
    q.observeFull(a, 80);
    const b = state(3, 1);
    assert.equal(q.scale(b, true), 2, "moving, slow");
    assert.equal(q.scale(b, true), 1, "the same state again = at rest: refine");
    assert.equal(q.scale(state(3, 2), false), 1, "GPU renderer");
    assert.equal(q.scale(state(2, 3), true), 1, "2D");
    q.observeFull(b, 20);
    assert.equal(q.scale(state(3, 4), true), 1, "fast enough");
    const off = new InteractiveQuality(null);
    off.scale(a, true);
    off.observeFull(a, 1e4);
    assert.equal(off.scale(b, true), 1, "disabled");
  });

  it("reads NAPARI_CUDA_INTERACTIVE_3D_MS", () => {
    assert.equal(interactive3dMsFromEnv({}), 50);
    assert.equal(interactive3dMsFromEnv({ NAPARI_CUDA_INTERACTIVE_3D_MS: "0" }), 0);
    assert.equal(interactive3dMsFromEnv({ NAPARI_CUDA_INTERACTIVE_3D_MS: "off" }), null);
    assert.throws(() => interactive3dMsFromEnv({ NAPARI_CUDA_INTERACTIVE_3D_MS: "fast" }), /INTERACTIVE_3D_MS/);
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

  it("upscale2x doubles pixels, odd sizes included", () => {
    const sw = 3;
    const sh = 2;
    const src = new Uint8Array(sw * sh * 4).map((_, i) => i);
    const out = new Uint8Array(5 * 3 * 4);
    upscale2x(src, sw, out, 5, 3);
    const px = (buf: Uint8Array, w: number, x: number, y: number) => [
      ...buf.subarray((y * w + x) * 4, (y * w + x) * 4 + 4),
    ];
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 5; x++) assert.deepEqual(px(out, 5, x, y), px(src, sw, x >> 1, y >> 1));
  });
});

describe("moving 3D frames in a live view", { timeout: 60_000 }, () => {
  it("come at half resolution, then the resting view is drawn again at full resolution", async () => {
    const t = await startTestDaemon({ interactive3dMs: 0 });
    const c = await controlClient(t);
    const v = await TestClient.open(t.url("/stream"));
    try {
      const D = 16;
      c.send({
        op: "set_layer_data",
        id: 1,
        viewer_id: "i3",
        layer_id: "vol",
        dtype: "uint8",
        shape: [D, D, D],
        nbytes: D ** 3,
      });
      c.sendBinary(new Uint8Array(D ** 3).map((_, i) => i % 251));
      await c.json();
      const s3 = (x: number): ViewerState => ({ ...state(3, x), layers: [layer("vol") as ViewerState["layers"][0]] });
      const frames = async (ms: number): Promise<number[]> => {
        const seqs: number[] = [];
        const end = Date.now() + ms;
        for (;;) {
          const left = end - Date.now();
          if (left <= 0) return seqs;
          const m = await v.next(left).catch(() => null);
          if (!m) return seqs;
          if (m.kind !== "binary") continue;
          const { header } = decodeFrame(m.data);
          seqs.push(header.seq);
          v.send({ type: "ack", frame_id: header.frameId });
        }
      };
      v.send(streamHello({ viewer_id: "i3", state: s3(0), canvas: { width: 64, height: 48, pixel_ratio: 1 } }));
      assert.deepEqual(await frames(1500), [0], "a resting first view: one full frame");
      v.send({ type: "state", seq: 1, state: s3(1) });
      assert.deepEqual(await frames(1500), [1, 1], "moving: a half-resolution frame, then its refinement");
    } finally {
      await v.close();
      await c.close();
      await t.daemon.close();
    }
  });
});
