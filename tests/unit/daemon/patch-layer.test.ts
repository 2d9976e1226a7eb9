/**
 * `patch_layer_data` (a label edit from the kernel): the box is written in place, the view's pick
 * (and frames) see it; bad patches are refused with their error code and change nothing. Against a
 * real in-process daemon; applyPatch on its own for n-D boxes.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { applyPatch } from "../../../src/daemon/data/layer-patch.js";
import type { LayerData } from "../../../src/daemon/data/types.js";
import type { StreamValue } from "../../../src/protocol/index.js";
import {
  controlClient,
  frameAt,
  layer,
  nextReply,
  setLayerData,
  startTestDaemon,
  streamHello,
  TestClient,
  viewerState,
  type TestDaemon,
} from "./helpers.js";

function volume(shape: number[]): LayerData {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Uint16Array(new SharedArrayBuffer(n * 2));
  data.forEach((_, i) => (data[i] = i));
  return { id: "v", dtype: "uint16", shape, data };
}

describe("applyPatch", () => {
  test("writes an n-D box in C order and nothing else", () => {
    const v = volume([3, 4, 5]);
    const before = Uint16Array.from(v.data);
    const box = new Uint16Array([900, 901, 902, 910, 911, 912]); // shape [1, 2, 3]
    applyPatch(v, { dtype: "uint16", start: [2, 1, 1], shape: [1, 2, 3], bytes: new Uint8Array(box.buffer) });
    const at = (z: number, y: number, x: number) => v.data[z * 20 + y * 5 + x];
    assert.deepEqual([at(2, 1, 1), at(2, 1, 2), at(2, 1, 3), at(2, 2, 1), at(2, 2, 3)], [900, 901, 902, 910, 912]);
    let changed = 0;
    v.data.forEach((x, i) => (changed += x !== before[i] ? 1 : 0));
    assert.equal(changed, 6);
  });

  test("a box outside the array, another dtype or a wrong byte count changes nothing", () => {
    const v = volume([2, 4]);
    const before = Uint16Array.from(v.data);
    const two = new Uint8Array(4);
    for (const [patch, path] of [
      [{ dtype: "uint16", start: [1, 3], shape: [1, 2], bytes: two }, "start"],
      [{ dtype: "uint8", start: [0, 0], shape: [1, 4], bytes: two }, "dtype"],
      [{ dtype: "uint16", start: [0, 0], shape: [1, 1], bytes: two }, "nbytes"],
      [{ dtype: "uint16", start: [0], shape: [2], bytes: two }, "start"],
    ] as const) {
      assert.throws(
        () => applyPatch(v, patch),
        (e: { code?: string; path?: string }) => e.code === "invalid_data" && e.path === path,
        JSON.stringify(patch.start),
      );
    }
    assert.deepEqual(v.data, before);
  });
});

describe("patch_layer_data on the control channel", { timeout: 60_000 }, () => {
  let t: TestDaemon;
  before(async () => {
    t = await startTestDaemon();
  });
  after(async () => {
    await t.daemon.close();
  });

  async function patch(
    fields: Record<string, unknown>,
    bytes: Uint8Array,
  ): Promise<{ ok: boolean; error?: { code: string; path?: string } }> {
    const k = await controlClient(t);
    try {
      k.send({ op: "patch_layer_data", id: 7, ...fields, nbytes: fields["nbytes"] ?? bytes.byteLength });
      k.sendBinary(bytes);
      return await k.json();
    } finally {
      await k.close();
    }
  }

  test("the patched values are what the view picks; bad patches get their error code", async () => {
    await setLayerData(t, "pp", "lab", "int32", [2, 6, 8], new Int32Array(2 * 6 * 8));
    const state = viewerState([2.5, 3.5], 4, [layer("lab", { kind: "labels" })]);
    state.dims.current_step = [1, 0, 0];
    const c = await TestClient.open(t.url("/stream"));
    c.send(streamHello({ viewer_id: "pp", state }));
    await frameAt(c, 0);
    const pick = async (p: number[]): Promise<unknown> => {
      c.send({ type: "pick", id: 1, position: p, layer_id: "lab" });
      return (await nextReply<StreamValue>(c)).value;
    };
    try {
      const box = new Int32Array([7, 7, 7, 8, 8, 8]);
      const ok = await patch(
        { viewer_id: "pp", layer_id: "lab", dtype: "int32", start: [1, 2, 3], shape: [1, 2, 3] },
        new Uint8Array(box.buffer),
      );
      assert.deepEqual(ok, { id: 7, ok: true, result: {} });
      assert.deepEqual([await pick([1, 2, 3]), await pick([1, 3, 5]), await pick([1, 2, 2])], [7, 8, 0]);
      assert.equal(await pick([0, 2, 3]), 0, "the other slice is untouched");
      const four = new Uint8Array(4);
      const base = { viewer_id: "pp", layer_id: "lab", dtype: "int32", start: [0, 0, 0], shape: [1, 1, 1] };
      for (const [over, code, path] of [
        [{ layer_id: "nope" }, "unknown_layer", "layer_id"],
        [{ viewer_id: "nobody" }, "unknown_viewer", "viewer_id"],
        [{ dtype: "uint32" }, "invalid_data", "dtype"],
        [{ start: [1, 5, 7], shape: [1, 2, 1] }, "invalid_data", "start"],
        [{ nbytes: 8 }, "invalid_data", "nbytes"],
      ] as const) {
        const r = await patch({ ...base, ...over }, four);
        assert.equal(r.ok, false, JSON.stringify(over));
        assert.deepEqual([r.error?.code, r.error?.path], [code, path], JSON.stringify(over));
      }
      assert.equal(await pick([0, 0, 0]), 0, "refused patches wrote nothing");
    } finally {
      await c.close();
    }
  });
});
