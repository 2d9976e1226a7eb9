/**
 * Kernel-served layers against a real in-process daemon: /chunks upgrade checks and hello,
 * open_kernel_layer validation, screenshots and layer_range computed from chunks the fake kernel
 * serves, bad kernel messages, reconnects and a kernel that goes away.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { WebSocket } from "ws";
import { defaultConfig } from "../../../src/daemon/config.js";
import { startDaemon, type RunningDaemon } from "../../../src/daemon/daemon.js";
import { setLogLevel } from "../../../src/daemon/log.js";
import { PROTOCOL_VERSION, type LayerRangeResult, type OpenLayerResult } from "../../../src/protocol/index.js";
import { FakeKernel, image, serverId } from "./fake-kernel.js";
import { controlClient, layer, TestClient, TOKENS, viewerState, type TestClient as Client } from "./helpers.js";

type Reply = {
  id: number | null;
  ok: boolean;
  result?: unknown;
  error?: { code: string; path?: string; message: string };
};

const H = 100;
const W = 130;
const canvas = { width: W, height: H, pixel_ratio: 1 };
const state = viewerState([(H - 1) / 2, (W - 1) / 2], 1, [layer("lazy")]);

let daemon: RunningDaemon;
const url = (path: string): string => `ws://127.0.0.1:${daemon.port}${path}`;
let k: Client;
let nextId = 100;

before(async () => {
  setLogLevel("error");
  daemon = await startDaemon({
    config: { ...defaultConfig(), renderThreads: 1, helloTimeoutMs: 2000 },
    tokens: TOKENS,
    chunkConnectWaitMs: 1500,
  });
  k = await controlClient({ url });
});
after(async () => {
  await k.close();
  await daemon.close();
});

function openRequest(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    op: "open_kernel_layer",
    id: ++nextId,
    viewer_id: "kv",
    layer_id: "lazy",
    server_id: serverId(1),
    source_id: "src-1",
    dtype: "uint8",
    levels: [{ shape: [H, W], chunks: [64, 64], factors: [1, 1], offset: [0, 0] }],
    axes: [
      { name: "y", type: "space", unit: null },
      { name: "x", type: "space", unit: null },
    ],
    scale: [1, 1],
    translate: [0, 0],
    name: "lazy",
    contrast_range: [0, 250],
    ...over,
  };
}

async function ask(msg: Record<string, unknown>): Promise<Reply> {
  k.send(msg);
  return k.json<Reply>(15_000);
}

/** Screenshot of `viewer` as pixels, or the error reply. */
async function screenshot(viewer: string, layers = state): Promise<Buffer | Reply> {
  const r = await ask({ op: "screenshot", id: ++nextId, viewer_id: viewer, state: layers, canvas });
  return r.ok ? k.binary() : r;
}

function upgradeStatus(headers: Record<string, string>): Promise<number> {
  const ws = new WebSocket(url("/chunks"), { headers });
  ws.on("error", () => undefined);
  return new Promise<number>((resolve) => {
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.once("open", () => resolve(101));
  }).finally(() => ws.terminate());
}

describe("/chunks upgrade and hello", { timeout: 60_000 }, () => {
  test("no Bearer token => 401, an Origin header => 403, the token => 101", async () => {
    assert.equal(await upgradeStatus({}), 401);
    assert.equal(await upgradeStatus({ authorization: `Bearer ${TOKENS.view}` }), 401);
    const bearer = { authorization: `Bearer ${TOKENS.control}` };
    assert.equal(await upgradeStatus({ ...bearer, origin: "http://localhost:8888" }), 403);
    assert.equal(await upgradeStatus(bearer), 101);
  });

  test("hello: wrong token => unauthorized + 1008; wrong protocol => 1002; bad server_id names it", async () => {
    const bearer = { authorization: `Bearer ${TOKENS.control}` };
    const hello = { op: "hello", id: 1, protocol: PROTOCOL_VERSION, token: TOKENS.control, server_id: serverId(9) };
    const cases: Array<[Record<string, unknown>, string, number, string?]> = [
      [{ token: TOKENS.view }, "unauthorized", 1008],
      [{ protocol: PROTOCOL_VERSION + 1 }, "protocol_mismatch", 1002],
      [{ server_id: "short" }, "hello_required", 1008],
    ];
    for (const [over, code, close] of cases) {
      const c = await TestClient.open(url("/chunks"), bearer);
      c.send({ ...hello, ...over });
      const r = await c.json<Reply>();
      assert.equal(r.ok, false);
      assert.equal(r.error?.code, code, JSON.stringify(r));
      if (over.server_id) assert.match(r.error!.message, /server_id/);
      assert.equal((await c.closed).code, close);
    }
  });
});

describe("open_kernel_layer", { timeout: 60_000 }, () => {
  test("validation errors name the property", async () => {
    const level = { shape: [H, W], chunks: [64, 64], factors: [1, 1], offset: [0, 0] };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ server_id: "x" }, "server_id"],
      [{ source_id: "" }, "source_id"],
      [{ dtype: "complex64" }, "dtype"],
      [{ levels: [] }, "levels"],
      [{ levels: [{ ...level, chunks: [0, 64] }] }, "levels[0].chunks[0]"],
      [{ levels: [level, { ...level, factors: [2, 2, 2] }] }, "levels[1].factors"],
      [{ axes: [{ name: "x", type: null, unit: null }] }, "axes"],
      [{ scale: [1, 0] }, "scale[1]"],
      [{ contrast_range: [5, 1] }, "contrast_range"],
      [{ levels: [{ ...level, shape: [1 << 16, 1 << 16], chunks: [1 << 15, 1 << 15] }] }, "levels[0].chunks"],
    ];
    for (const [over, path] of cases) {
      const r = await ask(openRequest(over));
      assert.equal(r.ok, false, JSON.stringify(over));
      assert.equal(r.error?.path, path, JSON.stringify(r));
    }
  });

  test("opens without computing a chunk; a screenshot then equals the same data sent as an array", async () => {
    const kernel = await FakeKernel.connect(url("/chunks"), serverId(1));
    kernel.serveImage();
    const r = await ask(openRequest());
    assert.ok(r.ok, JSON.stringify(r));
    const result = r.result as OpenLayerResult;
    assert.deepEqual(result.contrast_range, [0, 250]);
    assert.deepEqual(result.levels, [{ shape: [H, W], chunks: [64, 64], factors: [1, 1] }]);
    assert.equal(kernel.requests.length, 0);

    const lazy = await screenshot("kv");
    assert.ok(Buffer.isBuffer(lazy), JSON.stringify(lazy));
    // 2 x 3 chunks, the last row and column clipped to the level (edge chunks).
    assert.equal(kernel.requests.length, 6);
    const edge = kernel.requests.find((q) => q.start[0] === 64 && q.start[1] === 128)!;
    assert.deepEqual(edge.stop, [H, W]);

    const data = image(H, W);
    k.send({
      op: "set_layer_data",
      id: ++nextId,
      viewer_id: "mem",
      layer_id: "lazy",
      dtype: "uint8",
      shape: [H, W],
      nbytes: data.byteLength,
    });
    k.sendBinary(data);
    assert.ok((await k.json<Reply>()).ok);
    const eager = await screenshot("mem");
    assert.ok(Buffer.isBuffer(eager));
    assert.ok(lazy.equals(eager), "the kernel layer's screenshot equals the array's");
    await kernel.close();
  });

  test("layer_range answers min/max of what the canvas shows", async () => {
    const kernel = await FakeKernel.connect(url("/chunks"), serverId(1));
    kernel.serveImage();
    assert.ok((await ask(openRequest({ layer_id: "lazy", source_id: "src-2" }))).ok);
    const data = image(H, W);
    const r = await ask({ op: "layer_range", id: ++nextId, viewer_id: "kv", layer_id: "lazy", state, canvas });
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.result as LayerRangeResult, { min: Math.min(...data), max: Math.max(...data), level: 0 });
    // Zoom 10 around (4.5, 6): the 130 x 100 canvas shows samples y 0..9, x 0..12.
    const zoomed = viewerState([4.5, 6], 10, [layer("lazy")]);
    const z = await ask({ op: "layer_range", id: ++nextId, viewer_id: "kv", layer_id: "lazy", state: zoomed, canvas });
    const corner: number[] = [];
    for (let y = 0; y < 10; y++) for (let x = 0; x < 13; x++) corner.push(data[y * W + x]!);
    assert.deepEqual(z.result, { min: Math.min(...corner), max: Math.max(...corner), level: 0 });
    const missing = await ask({ op: "layer_range", id: ++nextId, viewer_id: "kv", layer_id: "nope", state, canvas });
    assert.equal(missing.error?.code, "unknown_layer");
    await kernel.close();
  });

  test("a kernel that misbehaves or goes away fails the screenshot with compute_failed; the daemon keeps serving", async () => {
    const a = await FakeKernel.connect(url("/chunks"), serverId(2));
    assert.ok((await ask(openRequest({ viewer_id: "kv2", server_id: serverId(2) }))).ok);
    // A chunk of the wrong dtype: answered naming the property; the screenshot fails.
    a.serve((r) => new Uint8Array(2 * r.stop.reduce((n, b, i) => n * (b - r.start[i]!), 1)));
    const bad = (await screenshot("kv2")) as Reply;
    assert.equal(bad.error?.code, "compute_failed", JSON.stringify(bad));
    assert.ok(a.errors.some((e) => e.path === "shape" || e.path === "nbytes"));
    a.serve(() => null);
    const seen = a.requests.length;
    k.send({ op: "screenshot", id: ++nextId, viewer_id: "kv2", state, canvas });
    await a.until(() => a.requests.length > seen);
    await a.close();
    const gone = await k.json<Reply>(15_000);
    assert.equal(gone.error?.code, "compute_failed", JSON.stringify(gone));
    const b = await FakeKernel.connect(url("/chunks"), serverId(2));
    b.serveImage();
    const shot = await screenshot("kv2");
    assert.ok(Buffer.isBuffer(shot), JSON.stringify(shot));
    assert.ok(b.requests.length > 0);
    await b.close();
  });
});
