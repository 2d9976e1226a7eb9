/** StreamClient against real sockets: a `ws` server on loopback and the `ws` client WebSocket. */
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { test } from "node:test";
import WebSocket, { WebSocketServer } from "ws";
import type { StreamHello, StreamServerMessage } from "../../../src/protocol/stream.js";
import { StreamClient, type ConnectionStatus, type SocketLike } from "../../../src/widget/stream/stream-client.js";

const factory = (url: string) => new WebSocket(url) as unknown as SocketLike;

function hello(seq: number): StreamHello {
  return {
    type: "hello",
    protocol: 1,
    token: "view-token",
    viewer_id: "m1",
    canvas: { width: 640, height: 480, pixel_ratio: 1 },
    codecs: ["avc1.42E028"],
    seq,
    state: {
      camera: { center: [0, 0], zoom: 1, angles: [0, 0, 90] },
      dims: { ndisplay: 2, current_step: [], axis_labels: [] },
      layers: [],
    },
  };
}

async function wsServer(): Promise<{ wss: WebSocketServer; port: number }> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/stream" });
  await once(wss, "listening");
  return { wss, port: (wss.address() as net.AddressInfo).port };
}

async function closeServer(wss: WebSocketServer): Promise<void> {
  for (const c of wss.clients) c.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}

/** A loopback port with nothing listening (bound, then released). */
async function deadPort(): Promise<number> {
  const srv = net.createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function firstMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once("message", (data) => resolve(String(data))));
}

function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (pred()) resolve();
      else if (Date.now() - start > ms) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

test("falls back to the next URL, sends hello first, delivers text and binary messages", async () => {
  const { wss, port } = await wsServer();
  const dead = await deadPort();
  const statuses: ConnectionStatus[] = [];
  const messages: StreamServerMessage[] = [];
  const frames: ArrayBuffer[] = [];
  const hellos: unknown[] = [];
  wss.on("connection", (ws) => {
    void firstMessage(ws).then((text) => {
      hellos.push(JSON.parse(text));
      ws.send(JSON.stringify({ type: "meta", layers: [], level: 0, level_count: 1 }));
      ws.send(new Uint8Array([9, 8, 7, 6]));
    });
  });
  const client = new StreamClient({
    urls: [
      { url: `ws://127.0.0.1:${dead}/stream`, transport: "proxy" },
      { url: `ws://127.0.0.1:${port}/stream`, transport: "direct" },
    ],
    hello: () => hello(3),
    onMessage: (m) => messages.push(m),
    onFrame: (f) => frames.push(f),
    onStatus: (s) => statuses.push(s),
    onProtocolError: (m) => assert.fail(m),
    socketFactory: factory,
  });
  try {
    client.start();
    await until(() => frames.length === 1 && messages.length === 1, "meta and frame");
    assert.deepEqual(hellos, [hello(3)]);
    assert.equal(messages[0]!.type, "meta");
    assert.ok(frames[0] instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(frames[0]!)], [9, 8, 7, 6]);
    assert.deepEqual(
      statuses.map((s) => [s.state, "transport" in s ? s.transport : null]),
      [
        ["connecting", "proxy"],
        ["connecting", "direct"],
        ["open", "direct"],
      ],
    );
    assert.equal(client.isOpen, true);
  } finally {
    client.dispose();
    await closeServer(wss);
  }
});

test("reconnects with a fresh hello after an abnormal close; stops for good on 1008 with the daemon's error", async () => {
  const { wss, port } = await wsServer();
  const seqs: number[] = [];
  let connections = 0;
  wss.on("connection", (ws) => {
    const n = ++connections;
    void firstMessage(ws).then((text) => {
      seqs.push((JSON.parse(text) as StreamHello).seq);
      if (n === 1) ws.close(1011, "internal");
      else {
        ws.send(JSON.stringify({ type: "error", code: "unauthorized", message: "the token is wrong" }));
        ws.close(1008, "unauthorized");
      }
    });
  });
  const statuses: ConnectionStatus[] = [];
  let seq = 1;
  const client = new StreamClient({
    urls: [{ url: `ws://127.0.0.1:${port}/stream`, transport: "direct" }],
    hello: () => hello(seq++),
    onMessage: () => {},
    onFrame: () => {},
    onStatus: (s) => statuses.push(s),
    onProtocolError: (m) => assert.fail(m),
    socketFactory: factory,
    backoff: { minMs: 20, maxMs: 40 },
  });
  try {
    client.start();
    await until(() => statuses.some((s) => s.state === "failed"), "failed status");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(connections, 2, "no reconnect after 1008");
    assert.deepEqual(seqs, [1, 2]);
    const states = statuses.map((s) => s.state);
    assert.deepEqual(states, ["connecting", "open", "reconnecting", "connecting", "open", "failed"]);
    const failed = statuses.at(-1);
    assert.ok(failed?.state === "failed" && failed.reason === "unauthorized: the token is wrong");
  } finally {
    client.dispose();
    await closeServer(wss);
  }
});

test("a socket that never opens times out and the next URL is tried", async () => {
  const held: net.Socket[] = [];
  const silent = net.createServer((s) => void held.push(s));
  silent.listen(0, "127.0.0.1");
  await once(silent, "listening");
  const { wss, port } = await wsServer();
  const statuses: ConnectionStatus[] = [];
  const client = new StreamClient({
    urls: [
      { url: `ws://127.0.0.1:${(silent.address() as net.AddressInfo).port}/stream`, transport: "proxy" },
      { url: `ws://127.0.0.1:${port}/stream`, transport: "direct" },
    ],
    hello: () => hello(1),
    onMessage: () => {},
    onFrame: () => {},
    onStatus: (s) => statuses.push(s),
    onProtocolError: (m) => assert.fail(m),
    socketFactory: factory,
    openTimeoutMs: 200,
  });
  try {
    client.start();
    await until(() => client.isOpen, "open via the second URL");
    assert.ok(statuses.some((s) => s.state === "open" && s.transport === "direct"));
  } finally {
    client.dispose();
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await closeServer(wss);
  }
});

test("state is sent only while open; dispose closes with 1000 and never reconnects", async () => {
  const { wss, port } = await wsServer();
  const received: string[] = [];
  const closes: number[] = [];
  let connections = 0;
  wss.on("connection", (ws) => {
    connections++;
    ws.on("message", (d) => received.push(String(d)));
    ws.on("close", (code) => closes.push(code));
  });
  const statuses: ConnectionStatus[] = [];
  const client = new StreamClient({
    urls: [{ url: `ws://127.0.0.1:${port}/stream`, transport: "direct" }],
    hello: () => hello(0),
    onMessage: () => {},
    onFrame: () => {},
    onStatus: (s) => statuses.push(s),
    onProtocolError: (m) => assert.fail(m),
    socketFactory: factory,
    backoff: { minMs: 20, maxMs: 40 },
  });
  try {
    client.sendState({ type: "state", seq: 1 }); // not started: dropped
    assert.equal(client.send({ type: "ack", frame_id: 1 }), false);
    client.start();
    await until(() => client.isOpen, "open");
    client.sendState({ type: "state", seq: 2 });
    assert.equal(client.send({ type: "ack", frame_id: 1 }), true);
    await until(() => received.length === 3, "hello, state, ack");
    assert.deepEqual(
      received.map((t) => (JSON.parse(t) as { type: string }).type),
      ["hello", "state", "ack"],
    );
    client.dispose();
    await until(() => closes.length === 1, "server sees the close");
    assert.deepEqual(closes, [1000]);
    assert.equal(statuses.at(-1)?.state, "closed");
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(connections, 1);
  } finally {
    client.dispose();
    await closeServer(wss);
  }
});
