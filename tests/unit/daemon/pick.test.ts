/**
 * `pick` -> `value` on /stream against a real in-process daemon: exact values at known samples of
 * in-memory layers (transforms, sliced axes, floats), of a real OME-Zarr pyramid at a coarser
 * level and through a chunk the cache did not hold; outside the data, no layer, bad messages
 * (error naming the property) and a flood (busy answers, the stream keeps working).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { StreamValue } from "../../../src/protocol/index.js";
import { PICK_BURST } from "../../../src/daemon/server/pick.js";
import { openPyramid, PYRAMID_SKIP, type Level } from "./pyramid-fixture.js";
import {
  layer,
  startTestDaemon,
  streamHello,
  TestClient,
  viewerState,
  type TestDaemon,
  frameAt,
  nextReply,
  setLayerData,
} from "./helpers.js";

type ErrorMsg = { type: "error"; code: string; path?: string };

let t: TestDaemon;
let nextId = 1;

before(async () => {
  t = await startTestDaemon();
});
after(async () => {
  await t.daemon.close();
});

async function pick(c: TestClient, position: number[], layerId?: string): Promise<StreamValue> {
  const id = nextId++;
  c.send(layerId === undefined ? { type: "pick", id, position } : { type: "pick", id, position, layer_id: layerId });
  const r = await nextReply<StreamValue>(c);
  assert.equal(r.type, "value", JSON.stringify(r));
  assert.equal(r.id, id);
  return r;
}

async function view(viewer: string, state: ReturnType<typeof viewerState>): Promise<TestClient> {
  const c = await TestClient.open(t.url("/stream"));
  c.send(streamHello({ viewer_id: viewer, state }));
  await frameAt(c, 0);
  return c;
}

describe("pick on in-memory layers", { timeout: 60_000 }, () => {
  const H = 40;
  const W = 50;
  const ramp = Uint16Array.from({ length: H * W }, (_, i) => Math.floor(i / W) * 1000 + (i % W));

  test("the exact value at known samples, with scale and translate; outside => null", async () => {
    await setLayerData(t, "pm", "img", "uint16", [H, W], ramp);
    const look = { contrast_limits: [0, 40000], scale: [2, 3], translate: [10, -5] };
    const c = await view("pm", viewerState([50, 70], 1, [layer("img", look)]));
    try {
      // world = data * scale + translate: data (7, 11) sits at world (24, 28).
      const r = await pick(c, [24, 28]);
      assert.deepEqual(r, {
        type: "value",
        id: r.id,
        layer_id: "img",
        status: "ok",
        value: 7011,
        level: 0,
        level_count: 1,
        data_position: [7, 11],
      });
      // A sample covers +-0.5 data units (here +-1 world unit in y) around its centre.
      assert.equal((await pick(c, [24 + 0.98, 28 - 1.4])).value, 7011);
      assert.equal((await pick(c, [24 + 1.02, 28])).value, 8011);
      assert.equal((await pick(c, [10 + 2 * 39, -5 + 3 * 49])).value, 39049, "last sample");
      for (const p of [
        [10 - 1.2, 0],
        [0, -5 - 1.6],
        [10 + 2 * 39.6, 0],
        [20, -5 + 3 * 49.6],
      ]) {
        const out = await pick(c, p);
        assert.deepEqual([out.status, out.value, out.layer_id], ["outside", null, "img"], JSON.stringify(p));
      }
    } finally {
      await c.close();
    }
  });

  test("sliced axes: the world position of every viewer axis, right-aligned to the layer", async () => {
    const vol = Uint16Array.from({ length: 3 * 20 * 30 }, (_, i) => {
      const z = Math.floor(i / 600);
      const y = Math.floor((i % 600) / 30);
      return z * 10000 + y * 100 + (i % 30);
    });
    await setLayerData(t, "pv", "vol", "uint16", [3, 20, 30], vol);
    const state = viewerState([10, 15], 2, [layer("vol", { contrast_limits: [0, 30000] })]);
    state.dims.current_step = [2, 0, 0];
    const c = await view("pv", state);
    try {
      assert.equal((await pick(c, [2, 5, 6])).value, 20506);
      assert.equal((await pick(c, [1, 19, 29])).value, 11929);
      // A viewer with more axes than the layer: the extra leading axis is not the layer's.
      const r = await pick(c, [7, 0, 5, 6]);
      assert.deepEqual([r.value, r.data_position], [506, [0, 5, 6]]);
      assert.equal((await pick(c, [3, 5, 6])).status, "outside");
    } finally {
      await c.close();
    }
  });

  test("floats come back exactly, non-finite ones by name", async () => {
    const f = new Float32Array([0.1, Number.NaN, Number.POSITIVE_INFINITY, -2.5e-7]);
    await setLayerData(t, "pf", "f", "float32", [2, 2], f);
    const c = await view("pf", viewerState([0.5, 0.5], 8, [layer("f", { contrast_limits: [0, 1] })]));
    try {
      const got = [];
      for (const p of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ])
        got.push((await pick(c, p)).value);
      assert.deepEqual(got, [Math.fround(0.1), "NaN", "Infinity", Math.fround(-2.5e-7)]);
    } finally {
      await c.close();
    }
  });

  test("which layer: the top visible one by default, or the one named; no layer => no_layer", async () => {
    await setLayerData(t, "pl", "a", "uint8", [2, 2], new Uint8Array([1, 2, 3, 4]));
    await setLayerData(t, "pl", "b", "uint8", [2, 2], new Uint8Array([5, 6, 7, 8]));
    const state = viewerState([0.5, 0.5], 8, [layer("a"), layer("b")]);
    const c = await view("pl", state);
    try {
      assert.deepEqual([(await pick(c, [1, 1])).layer_id, (await pick(c, [1, 1])).value], ["b", 8]);
      assert.equal((await pick(c, [1, 1], "a")).value, 4);
      const hidden = viewerState([0.5, 0.5], 8, [layer("a"), layer("b", { visible: false })]);
      c.send({ type: "state", seq: 1, state: hidden });
      assert.deepEqual([(await pick(c, [0, 1])).layer_id, (await pick(c, [0, 1])).value], ["a", 2]);
      const none = await pick(c, [0, 0], "nope");
      assert.deepEqual([none.status, none.value, none.layer_id, none.data_position], ["no_layer", null, "nope", []]);
      c.send({ type: "state", seq: 2, state: viewerState([0, 0], 1, []) });
      assert.deepEqual((await pick(c, [0, 0])).status, "no_layer");
    } finally {
      await c.close();
    }
  });

  test("bad picks get invalid_message naming the property; the view keeps answering", async () => {
    await setLayerData(t, "pb", "img", "uint8", [2, 2], new Uint8Array([1, 2, 3, 4]));
    const c = await view("pb", viewerState([0.5, 0.5], 8, [layer("img")]));
    try {
      for (const [msg, path] of [
        [{ type: "pick", id: 1, position: [1, "x"] }, "position[1]"],
        [{ type: "pick", id: 1, position: [] }, "position"],
        [{ type: "pick", id: -1, position: [0, 0] }, "id"],
        [{ type: "pick", id: 1.5, position: [0, 0] }, "id"],
        [{ type: "pick", position: [0, 0] }, "id"],
        [{ type: "pick", id: 1, position: [0, 0], layer_id: "" }, "layer_id"],
        [{ type: "pick", id: 1, position: Array(33).fill(0) }, "position"],
        ['{"type": "pick", "id": 1, "position": [1e400, 0]}', "position[0]"],
      ] as const) {
        c.send(typeof msg === "string" ? msg : JSON.stringify(msg));
        const e = await nextReply<ErrorMsg>(c);
        assert.deepEqual([e.type, e.code, e.path], ["error", "invalid_message", path], JSON.stringify(msg));
      }
      assert.equal((await pick(c, [1, 0])).value, 3);
    } finally {
      await c.close();
    }
  });

  test("a flood of picks is answered busy beyond the pick rate, and the view keeps working", async () => {
    await setLayerData(t, "pr", "img", "uint8", [2, 2], new Uint8Array([1, 2, 3, 4]));
    const c = await view("pr", viewerState([0.5, 0.5], 8, [layer("img")]));
    try {
      const first = nextId;
      for (let i = 0; i < 200; i++) c.send({ type: "pick", id: nextId++, position: [0, 1] });
      const replies: StreamValue[] = [];
      while (replies.length < 200) replies.push(await nextReply<StreamValue>(c));
      assert.deepEqual(
        replies.map((r) => r.id),
        Array.from({ length: 200 }, (_, i) => first + i),
        "one answer per pick, in order",
      );
      const ok = replies.filter((r) => r.status === "ok");
      assert.ok(ok.length >= PICK_BURST && ok.every((r) => r.value === 2), `${ok.length} answered`);
      assert.ok(
        replies.some((r) => r.status === "busy" && r.value === null),
        "picks over the rate are answered busy",
      );
      c.send({ type: "state", seq: 5, state: viewerState([0.5, 0.5], 4, [layer("img")]) });
      await frameAt(c, 0);
    } finally {
      await c.close();
    }
  });
});

describe("pick on an OME-Zarr pyramid", { skip: PYRAMID_SKIP, timeout: 90_000 }, () => {
  let levels: Level[];
  let remove = (): void => undefined;

  before(async () => {
    ({ levels, remove } = await openPyramid(t, "pz", "yy * 500 + xx"));
  });
  after(() => remove());

  /** Level-0 data coordinates of the centre of sample (i, j) of `level`, from its NGFF transform. */
  function centre(level: number, i: number, j: number): [number, number] {
    const l = levels[level]!;
    const l0 = levels[0]!;
    return [0, 1].map((a) => (l.translate[a]! + [i, j][a]! * l.scale[a]! - l0.translate[a]!) / l0.scale[a]!) as [
      number,
      number,
    ];
  }

  test("at a coarser level: the value of that level's sample under the point", async () => {
    const look = { contrast_limits: [0, 50000], locked_data_level: 2 };
    const c = await TestClient.open(t.url("/stream"));
    c.send(streamHello({ viewer_id: "pz", state: viewerState([48, 64], 0.5, [layer("img", look)]) }));
    try {
      await frameAt(c, 2);
      for (const [i, j] of [
        [0, 0],
        [5, 7],
        [23, 31],
      ] as const) {
        const [y, x] = centre(2, i, j);
        // Anywhere within the sample (a quarter of its width off centre): same answer.
        const r = await pick(c, [y + 0.9, x - 0.9]);
        assert.deepEqual(
          [r.status, r.value, r.level, r.level_count, r.data_position],
          ["ok", levels[2]!.values[i]![j]!, 2, 3, [i, j]],
          `sample (${i}, ${j})`,
        );
      }
      // The level-2 value differs from level 0's at the same point (the test would notice level 0).
      const [y, x] = centre(2, 5, 7);
      assert.notEqual(levels[2]!.values[5]![7], levels[0]!.values[Math.round(y + 0.9)]![Math.round(x - 0.9)]);
    } finally {
      await c.close();
    }
  });

  test("a sample whose chunk is not cached: loading, then its exact value", async () => {
    // Locked at level 0 and zoomed on the top-left corner: only chunk (0, 0) is drawn (and cached).
    const look = { contrast_limits: [0, 50000], locked_data_level: 0 };
    const c = await TestClient.open(t.url("/stream"));
    c.send(streamHello({ viewer_id: "pz", state: viewerState([8, 8], 4, [layer("img", look)]) }));
    try {
      await frameAt(c, 0);
      const first = await pick(c, [90, 120]);
      assert.deepEqual([first.status, first.value, first.level, first.data_position], ["loading", null, 0, [90, 120]]);
      let r = first;
      for (let n = 0; n < 200 && r.status === "loading"; n++) {
        await new Promise((done) => setTimeout(done, 20));
        r = await pick(c, [90, 120]);
      }
      assert.deepEqual([r.status, r.value], ["ok", levels[0]!.values[90]![120]]);
      assert.equal(r.value, 90 * 500 + 120);
    } finally {
      await c.close();
    }
  });
});
