/**
 * Before authentication (issue 11 item 2): /control is authenticated at the upgrade (Bearer, no
 * Origin), /stream sockets before hello are few and take small messages, and a flood of idle
 * unauthenticated sockets blocks neither the kernel nor a legitimate view.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { WebSocket } from "ws";
import { PREAUTH_IDLE_MS, PREAUTH_MAX_SOCKETS } from "../../../src/daemon/server/preauth.js";
import { PROTOCOL_VERSION, type InfoResult } from "../../../src/protocol/index.js";
import {
  controlClient,
  layer,
  setLayerData,
  sleep,
  startTestDaemon,
  streamHello,
  TestClient,
  TOKENS,
  viewerState,
  type TestDaemon,
} from "./helpers.js";

/** The HTTP status answering a WebSocket upgrade (101 when it opened; the socket is closed again). */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    ws.once("open", () => {
      ws.terminate();
      resolve(101);
    });
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once("error", reject);
  });
}

describe("/control is authenticated at the upgrade", { timeout: 60_000 }, () => {
  let t: TestDaemon;
  before(async () => {
    t = await startTestDaemon();
  });
  after(async () => {
    await t.daemon.close();
  });

  test("no Bearer, a wrong one, the view token => 401; an Origin header => 403; the right one => 101", async () => {
    const url = t.url("/control");
    const bearer = { authorization: `Bearer ${TOKENS.control}` };
    assert.equal(await upgradeStatus(url, {}), 401);
    assert.equal(await upgradeStatus(url, { authorization: "Bearer nope-nope-nope" }), 401);
    assert.equal(await upgradeStatus(url, { authorization: `Bearer ${TOKENS.view}` }), 401);
    assert.equal(await upgradeStatus(url, { authorization: TOKENS.control }), 401, "no Bearer scheme");
    assert.equal(await upgradeStatus(url, { ...bearer, origin: "http://127.0.0.1:8888" }), 403);
    assert.equal(await upgradeStatus(url, { origin: "http://evil.example" }), 403);
    assert.equal(await upgradeStatus(url, bearer), 101);
    // /stream is the browser's: Origin is expected there, the token comes in hello.
    assert.equal(await upgradeStatus(t.url("/stream"), { origin: "http://127.0.0.1:8888" }), 101);
  });

  test("the hello's token is still checked after a good upgrade", async () => {
    const c = await TestClient.open(t.url("/control"));
    c.send({ op: "hello", id: 1, protocol: PROTOCOL_VERSION, token: "wrong-wrong-wrong" });
    assert.equal((await c.json<{ error: { code: string } }>()).error.code, "unauthorized");
    assert.equal((await c.closed).code, 1008);
  });

  test("a /stream message over 64 KiB before hello => message_too_big, close 1009", async () => {
    const c = await TestClient.open(t.url("/stream"));
    c.send(JSON.stringify({ type: "hello", pad: "x".repeat(100 * 1024) }));
    assert.equal((await c.json<{ code: string }>()).code, "message_too_big");
    assert.equal((await c.closed).code, 1009);
  });
});

describe("200 idle unauthenticated sockets", { timeout: 120_000 }, () => {
  let t: TestDaemon;
  before(async () => {
    // A long hello deadline: the idle sockets stay until the gate drops them.
    t = await startTestDaemon({ helloTimeoutMs: 60_000 });
  });
  after(async () => {
    await t.daemon.close();
  });

  test("block neither the kernel nor a view with the right token, and are never more than the cap", async () => {
    const idle: WebSocket[] = [];
    let refused = 0;
    await Promise.all(
      Array.from({ length: 200 }, async () => {
        const status = await new Promise<number>((resolve) => {
          const ws = new WebSocket(t.url("/stream"), { perMessageDeflate: false });
          ws.on("error", () => resolve(0));
          ws.once("open", () => {
            idle.push(ws);
            resolve(101);
          });
          ws.once("unexpected-response", (_req, res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
        });
        if (status === 503) refused++;
      }),
    );
    const stillOpen = (): number => idle.filter((ws) => ws.readyState === ws.OPEN).length;
    assert.ok(stillOpen() <= PREAUTH_MAX_SOCKETS, `${stillOpen()} unauthenticated sockets open`);
    assert.ok(refused + (idle.length - stillOpen()) >= 200 - PREAUTH_MAX_SOCKETS, "the rest were refused or dropped");

    // The kernel authenticates at the upgrade: never counted, never refused.
    const k = await controlClient(t);
    k.send({ op: "info", id: 1 });
    assert.equal((await k.json<{ ok: boolean; result: InfoResult }>()).ok, true);
    await k.close();
    await setLayerData(t, "legit", "img", "uint8", [16, 16], new Uint8Array(256).fill(200));

    // Once the idle sockets are older than PREAUTH_IDLE_MS a view takes the place of one of them.
    await sleep(PREAUTH_IDLE_MS + 100);
    const v = await TestClient.open(t.url("/stream"));
    v.send(streamHello({ viewer_id: "legit", state: viewerState([7.5, 7.5], 1, [layer("img")]) }));
    assert.equal((await v.json<{ type: string }>()).type, "meta");
    const { data } = await v.untilBinary();
    assert.ok(data.byteLength > 0, "the view streams");
    assert.ok(stillOpen() <= PREAUTH_MAX_SOCKETS - 1, "one idle socket made room");
    await v.close();
    for (const ws of idle) ws.terminate();
  });
});
