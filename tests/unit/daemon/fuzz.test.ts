/**
 * Bad input never breaks the daemon: seeded random mutations of valid control and stream messages,
 * garbage text and stray binary; afterwards the same daemon still loads data, renders and streams.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { decodeFrame, PROTOCOL_VERSION, type InfoResult } from "../../../src/protocol/index.js";
import {
  openViewer,
  controlClient,
  layer,
  sleep,
  startTestDaemon,
  streamHello,
  TestClient,
  viewerState,
  type TestDaemon,
} from "./helpers.js";
import { prng as rng } from "../encode/helpers.js";

const NASTY: unknown[] = [
  null,
  -1,
  0,
  1e308,
  -1e308,
  2 ** 53,
  "",
  "x".repeat(5000),
  "NaN",
  true,
  [],
  {},
  [[[[[]]]]],
  { __proto__: { polluted: true } },
  { constructor: { prototype: { polluted: true } } },
  [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
    32, 33,
  ],
];

/** Replace, delete or retype one random property somewhere inside `value`. */
function mutate(value: unknown, r: () => number): unknown {
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  let node = copy as Record<string, unknown>;
  for (let depth = 0; depth < 4; depth++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[Math.floor(r() * keys.length)]!;
    const child = node[key];
    const descend = typeof child === "object" && child !== null && r() < 0.5;
    if (descend) {
      node = child as Record<string, unknown>;
      continue;
    }
    if (r() < 0.2) delete node[key];
    else node[key] = NASTY[Math.floor(r() * NASTY.length)];
    break;
  }
  return copy;
}

function garbage(r: () => number): string {
  const pool = ['{"type":', "[]", "null", "{}", '{"op":"screenshot"}', "\u0000\uffff", "}{", '"hello"', "1e999"];
  return pool[Math.floor(r() * pool.length)]!;
}

describe("fuzzed input", { timeout: 120_000 }, () => {
  let t: TestDaemon;
  before(async () => {
    t = await startTestDaemon();
  });
  after(async () => {
    await t.daemon.close();
  });

  test("control channel: 400 mutated requests (open_layer too), then the daemon still loads and renders", async () => {
    const c = await controlClient(t);
    const r = rng(0xc0ffee);
    const st = viewerState([1, 1.5], 1, [layer("a")]);
    const valid: Array<Record<string, unknown>> = [
      { op: "set_layer_data", id: 1, viewer_id: "f", layer_id: "a", dtype: "uint8", shape: [3, 4], nbytes: 12 },
      { op: "screenshot", id: 2, viewer_id: "f", state: st, canvas: { width: 16, height: 16, pixel_ratio: 1 } },
      { op: "remove_layer", id: 3, viewer_id: "f", layer_id: "a" },
      { op: "close_viewer", id: 4, viewer_id: "f" },
      { op: "info", id: 5 },
      { op: "hello", id: 6, protocol: PROTOCOL_VERSION, token: "wrong-but-already-authenticated" },
      { op: "open_layer", id: 7, viewer_id: "f", layer_id: "z", uri: "/nonexistent/image.ome.zarr" },
      { op: "open_layer", id: 8, viewer_id: "f", layer_id: "z", uri: "/etc/passwd", select: [{ axis: 0, index: 0 }] },
      { op: "open_layer", id: 9, viewer_id: "f", layer_id: "z", uri: "http://127.0.0.1:1/x.zarr" },
    ];
    for (let i = 0; i < 400; i++) {
      const roll = r();
      if (roll < 0.1) c.send(garbage(r));
      else if (roll < 0.15) c.sendBinary(Buffer.alloc(Math.floor(r() * 64), 7));
      else {
        const msg = mutate(valid[Math.floor(r() * valid.length)], r) as Record<string, unknown>;
        if (msg.op === "shutdown") continue;
        c.send(msg);
        if (msg.op === "set_layer_data" && r() < 0.5) c.sendBinary(Buffer.alloc(Math.floor(r() * 24), 3));
      }
      if (i % 50 === 49) await sleep(20);
    }
    await c.close();

    const fresh = await controlClient(t);
    fresh.send({ op: "info", id: 10 });
    const info = await fresh.json<{ id: number; ok: boolean; result: InfoResult }>();
    assert.equal(info.ok, true);
    fresh.send({
      op: "set_layer_data",
      id: 11,
      viewer_id: "g",
      layer_id: "a",
      dtype: "uint8",
      shape: [16, 16],
      nbytes: 256,
    });
    fresh.sendBinary(Buffer.from([...Array(256).keys()]));
    assert.equal((await fresh.json<{ ok: boolean }>()).ok, true);
    fresh.send({
      op: "screenshot",
      id: 12,
      viewer_id: "g",
      state: viewerState([7.5, 7.5], 1, [layer("a")]),
      canvas: { width: 16, height: 16, pixel_ratio: 1 },
    });
    const reply = await fresh.json<{ ok: boolean; result: { nbytes: number } }>();
    assert.equal(reply.ok, true, JSON.stringify(reply));
    const px = await fresh.binary();
    assert.equal(px.byteLength, reply.result.nbytes);
    for (const i of [0, 1, 17, 255]) assert.deepEqual([...px.subarray(i * 4, i * 4 + 4)], [i, i, i, 255]);
    await fresh.close();
  });

  test("stream channel: 300 mutated messages, then a fresh view still gets frames", async () => {
    const r = rng(0xbadf00d);
    await openViewer(t, "fz");
    await openViewer(t, "fz2");
    const v = await TestClient.open(t.url("/stream"));
    v.send(streamHello({ viewer_id: "fz" }));
    const valid: Array<Record<string, unknown>> = [
      { type: "state", seq: 1, state: viewerState([5, 5], 2) },
      { type: "resize", seq: 2, canvas: { width: 64, height: 48, pixel_ratio: 1 } },
      { type: "ack", frame_id: 1, decode_ms: 1 },
      { type: "keyframe", reason: "fuzz" },
      { type: "pick", id: 1, position: [1, 2] },
      { type: "range", id: 2, layer_id: "a" },
      streamHello({ viewer_id: "fz" }),
    ];
    for (let i = 0; i < 300; i++) {
      const roll = r();
      if (roll < 0.1) v.send(garbage(r));
      else if (roll < 0.15) v.sendBinary(Buffer.alloc(Math.floor(r() * 64), 1));
      else v.send(mutate(valid[Math.floor(r() * valid.length)], r));
      if (i % 50 === 49) await sleep(20);
    }
    await v.close();

    const w = await TestClient.open(t.url("/stream"));
    w.send(streamHello({ viewer_id: "fz2" }));
    const { data } = await w.untilBinary();
    assert.equal(decodeFrame(data).header.keyframe, true);
    await w.close();
  });
});
