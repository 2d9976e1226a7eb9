/** /control against a real in-process daemon: auth, hello deadline, validation, data, screenshot, info. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { WebSocket } from "ws";
import { PROTOCOL_VERSION, type InfoResult, type ScreenshotResult } from "../../../src/protocol/index.js";
import { controlClient, layer, startTestDaemon, TestClient, TOKENS, viewerState, type TestDaemon } from "./helpers.js";

type Reply = { id: number | null; ok: boolean; result?: unknown; error?: { code: string; path?: string } };

let t: TestDaemon;
before(async () => {
  t = await startTestDaemon({ helloTimeoutMs: 300, controlMaxBytes: 64 * 1024 });
});
after(async () => {
  await t.daemon.close();
});

describe("http server", { timeout: 60_000 }, () => {
  test("GET /healthz is 200 ok; other paths 404; upgrades only on /control and /stream", async () => {
    const base = `http://127.0.0.1:${t.daemon.port}`;
    const h = await fetch(`${base}/healthz`);
    assert.deepEqual([h.status, await h.text()], [200, "ok"]);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    for (const path of ["/", "/controls", "/stream/x", "/healthz"]) {
      const ws = new WebSocket(t.url(path));
      ws.on("error", () => undefined);
      const status = await new Promise<number>((resolve) => {
        ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.once("open", () => resolve(101));
      });
      ws.terminate();
      assert.equal(status, 404, path);
    }
    // The query string does not matter (jupyter-server-proxy may add one).
    const c = await TestClient.open(t.url("/control?x=1"));
    await c.close();
  });
});

describe("control auth", { timeout: 60_000 }, () => {
  test("hello with the control token: protocol, version, pid", async () => {
    const c = await TestClient.open(t.url("/control"));
    c.send({ op: "hello", id: 5, protocol: PROTOCOL_VERSION, token: TOKENS.control });
    const r = await c.json<Reply>();
    assert.deepEqual(r, {
      id: 5,
      ok: true,
      result: { protocol: PROTOCOL_VERSION, version: "0.1.0", pid: process.pid },
    });
    await c.close();
  });

  for (const [name, token] of [
    ["a wrong token", "not-the-token"],
    ["the view token (views cannot load data)", TOKENS.view],
  ] as const) {
    test(`${name} => unauthorized, then close 1008`, async () => {
      const c = await TestClient.open(t.url("/control"));
      c.send({ op: "hello", id: 1, protocol: PROTOCOL_VERSION, token });
      const r = await c.json<Reply>();
      assert.equal(r.ok, false);
      assert.equal(r.error?.code, "unauthorized");
      assert.equal((await c.closed).code, 1008);
    });
  }

  test("a request before hello => hello_required, close 1008", async () => {
    const c = await TestClient.open(t.url("/control"));
    c.send({ op: "info", id: 1 });
    assert.equal((await c.json<Reply>()).error?.code, "hello_required");
    assert.equal((await c.closed).code, 1008);
  });

  test("no hello within the deadline => hello_required, close 1008", async () => {
    const c = await TestClient.open(t.url("/control"));
    const t0 = Date.now();
    assert.equal((await c.json<Reply>()).error?.code, "hello_required");
    assert.equal((await c.closed).code, 1008);
    assert.ok(Date.now() - t0 >= 250);
  });

  test("wrong protocol version => protocol_mismatch, close 1002", async () => {
    const c = await TestClient.open(t.url("/control"));
    c.send({ op: "hello", id: 1, protocol: PROTOCOL_VERSION + 1, token: TOKENS.control });
    assert.equal((await c.json<Reply>()).error?.code, "protocol_mismatch");
    assert.equal((await c.closed).code, 1002);
  });
});

describe("control validation", { timeout: 60_000 }, () => {
  test("bad JSON => bad_json and the connection stays usable", async () => {
    const c = await controlClient(t);
    c.send("{not json");
    const r = await c.json<Reply>();
    assert.deepEqual([r.id, r.ok, r.error?.code], [null, false, "bad_json"]);
    c.send({ op: "info", id: 2 });
    const info = await c.json<Reply>();
    assert.deepEqual([info.id, info.ok], [2, true]);
    await c.close();
  });

  test("invalid fields are named; unknown ops are unknown_type; replies keep the id", async () => {
    const c = await controlClient(t);
    c.send({
      op: "screenshot",
      id: 3,
      viewer_id: "v",
      canvas: { width: 32, height: 32 },
      state: viewerState([0, 0], -1),
    });
    const r = await c.json<Reply>();
    assert.deepEqual([r.id, r.error?.code, r.error?.path], [3, "invalid_message", "state.camera.zoom"]);
    c.send({ op: "launch_rockets", id: 4 });
    const u = await c.json<Reply>();
    assert.deepEqual([u.id, u.error?.code], [4, "unknown_type"]);
    c.send({ op: "hello", id: 9, protocol: PROTOCOL_VERSION, token: TOKENS.control });
    assert.equal((await c.json<Reply>()).error?.code, "invalid_message");
    c.send({ op: "info", id: 10 });
    assert.equal((await c.json<Reply>()).ok, true);
    await c.close();
  });

  test("a message over the channel's size limit => close 1009", async () => {
    const c = await controlClient(t);
    c.sendBinary(new Uint8Array(65 * 1024));
    assert.equal((await c.closed).code, 1009);
  });

  test("set_layer_data followed by text instead of bytes => invalid_message; next request works", async () => {
    const c = await controlClient(t);
    c.send({ op: "set_layer_data", id: 1, viewer_id: "vt", layer_id: "a", dtype: "uint8", shape: [4, 4], nbytes: 16 });
    c.send({ op: "info", id: 2 });
    const r1 = await c.json<Reply>();
    assert.deepEqual([r1.id, r1.error?.code], [1, "invalid_message"]);
    const r2 = await c.json<Reply>();
    assert.deepEqual([r2.id, r2.ok], [2, true]);
    await c.close();
  });

  test("byte count not matching nbytes or dtype x shape => invalid_data", async () => {
    const c = await controlClient(t);
    c.send({ op: "set_layer_data", id: 1, viewer_id: "vt", layer_id: "a", dtype: "uint8", shape: [4, 4], nbytes: 16 });
    c.sendBinary(new Uint8Array(15));
    const r0 = await c.json<Reply>();
    assert.deepEqual([r0.id, r0.error?.code, r0.error?.path], [1, "invalid_data", "nbytes"]);
    c.send({ op: "set_layer_data", id: 2, viewer_id: "vt", layer_id: "a", dtype: "uint16", shape: [4, 4], nbytes: 16 });
    c.sendBinary(new Uint8Array(16));
    const r = await c.json<Reply>();
    assert.deepEqual([r.id, r.error?.code], [2, "invalid_data"]);
    c.send({ op: "remove_layer", id: 3, viewer_id: "nope", layer_id: "a" });
    assert.equal((await c.json<Reply>()).error?.code, "unknown_viewer");
    await c.close();
  });
});

/** Expected RGBA of a gray, [0, 255] contrast layer rendered at zoom 1: the data value itself. */
function grayPixels(data: Uint8Array): number[] {
  return [...data].flatMap((v) => [v, v, v, 255]);
}

describe("control data and screenshot", { timeout: 60_000 }, () => {
  const H = 16;
  const W = 20;
  const data = Uint8Array.from({ length: H * W }, (_, i) => (Math.floor(i / W) * 16 + (i % W) * 3) & 255);

  test("set_layer_data + screenshot at zoom 1 returns the exact pixels", async () => {
    const c = await controlClient(t);
    c.send({
      op: "set_layer_data",
      id: 1,
      viewer_id: "shot",
      layer_id: "img",
      dtype: "uint8",
      shape: [H, W],
      nbytes: data.byteLength,
    });
    c.sendBinary(data);
    assert.deepEqual(await c.json<Reply>(), { id: 1, ok: true, result: {} });

    // Pixel centres sit at integer world coordinates: centre the camera on the image.
    const state = viewerState([(H - 1) / 2, (W - 1) / 2], 1, [layer("img")]);
    c.send({ op: "screenshot", id: 2, viewer_id: "shot", state, canvas: { width: W, height: H, pixel_ratio: 1 } });
    const r = await c.json<Reply>();
    const result = r.result as ScreenshotResult;
    assert.deepEqual(result, { width: W, height: H, format: "rgba8", nbytes: W * H * 4, levels: { img: 0 } });
    const pixels = await c.binary();
    assert.deepEqual([...pixels], grayPixels(data));

    // Shift the camera by 3 data pixels along x: content moves left, black (alpha 255) fills in.
    const shifted = viewerState([(H - 1) / 2, (W - 1) / 2 + 3], 1, [layer("img")]);
    c.send({
      op: "screenshot",
      id: 3,
      viewer_id: "shot",
      state: shifted,
      canvas: { width: W, height: H, pixel_ratio: 1 },
    });
    await c.json<Reply>();
    const px = await c.binary();
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const v = x + 3 < W ? data[y * W + x + 3]! : 0;
        assert.deepEqual([...px.subarray((y * W + x) * 4, (y * W + x) * 4 + 4)], [v, v, v, 255], `(${y}, ${x})`);
      }
    }

    // An unknown viewer renders black; after remove_layer the image is gone too.
    c.send({ op: "remove_layer", id: 4, viewer_id: "shot", layer_id: "img" });
    assert.equal((await c.json<Reply>()).ok, true);
    c.send({ op: "screenshot", id: 5, viewer_id: "shot", state, canvas: { width: W, height: H, pixel_ratio: 1 } });
    await c.json<Reply>();
    assert.deepEqual([...(await c.binary())], grayPixels(new Uint8Array(W * H)));
    await c.close();
  });

  test("info reports backend, encoder, ffmpeg and counts", async () => {
    const c = await controlClient(t);
    c.send({
      op: "set_layer_data",
      id: 1,
      viewer_id: "counted",
      layer_id: "img",
      dtype: "uint8",
      shape: [2, 2],
      nbytes: 4,
    });
    c.sendBinary(new Uint8Array(4));
    await c.json<Reply>();
    c.send({ op: "info", id: 2 });
    const info = (await c.json<Reply>()).result as InfoResult;
    // auto: the GPU when this machine has one, else the CPU with the reason (e.g. no NVIDIA driver).
    if (info.backend === "cpu") assert.match(info.backend_reason, /GPU backend unavailable: \S/);
    else assert.equal(info.backend, "gpu");
    assert.equal(info.encoder, "libx264");
    assert.match(info.encoder_reason, /libx264/);
    assert.ok(info.ffmpeg && info.ffmpeg.length > 0);
    assert.equal(info.pid, process.pid);
    assert.equal(info.protocol, PROTOCOL_VERSION);
    assert.ok(info.viewers >= 1);
    assert.equal(info.views, 0);
    c.send({ op: "close_viewer", id: 3, viewer_id: "counted" });
    assert.deepEqual(await c.json<Reply>(), { id: 3, ok: true, result: { closed: true } });
    c.send({ op: "close_viewer", id: 4, viewer_id: "counted" });
    assert.deepEqual(await c.json<Reply>(), { id: 4, ok: true, result: { closed: false } });
    await c.close();
  });

  test("requests are answered in order even when an earlier one is slow", async () => {
    const c = await controlClient(t);
    const state = viewerState([0, 0], 1);
    c.send({ op: "screenshot", id: 1, viewer_id: "x", state, canvas: { width: 1024, height: 1024, pixel_ratio: 1 } });
    c.send({ op: "info", id: 2 });
    assert.equal((await c.json<Reply>()).id, 1);
    assert.equal((await c.binary()).byteLength, 1024 * 1024 * 4);
    assert.equal((await c.json<Reply>()).id, 2);
    await c.close();
  });

  test("shutdown replies ok and asks the owner to stop", async () => {
    const c = await controlClient(t);
    c.send({ op: "shutdown", id: 7 });
    assert.deepEqual(await c.json<Reply>(), { id: 7, ok: true, result: {} });
    assert.deepEqual(t.shutdownRequests.length, 1);
    await c.close();
  });
});
