/**
 * The comm transport in the widget: StreamClient over CommRelays, with a stand-in kernel that
 * relays to a real `ws` server the way kernel-bridge/napari_cuda/_comm_relay.py relays to the daemon.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { test } from "node:test";
import WebSocket, { WebSocketServer } from "ws";
import type { StreamHello, StreamServerMessage } from "../../../src/protocol/stream.js";
import { CommRelays } from "../../../src/widget/stream/comm-socket.js";
import { StreamClient, type ConnectionStatus, type SocketLike } from "../../../src/widget/stream/stream-client.js";
import { COMM_URL } from "../../../src/widget/stream/url.js";

function hello(): StreamHello {
  return {
    type: "hello",
    protocol: 1,
    token: "view-token",
    viewer_id: "m1",
    canvas: { width: 640, height: 480, pixel_ratio: 1 },
    codecs: ["avc1.42E028"],
    seq: 0,
    state: {
      camera: { center: [0, 0], zoom: 1, angles: [0, 0, 90] },
      dims: { ndisplay: 2, current_step: [], axis_labels: [] },
      layers: [],
    },
  };
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

/** The kernel's side: one real socket per relay; replies reach the widget as custom messages. */
function standInKernel(port: number, deliver: (content: object, buffers: DataView[]) => void) {
  const sockets = new Map<string, WebSocket>();
  return (msg: { type: string; relay: string; texts?: string[] }) => {
    if (msg.type === "relay_open") {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/stream`);
      sockets.set(msg.relay, ws);
      ws.on("open", () => deliver({ type: "relay_opened", relay: msg.relay }, []));
      ws.on("message", (data, isBinary) => {
        if (!isBinary) deliver({ type: "relay_text", relay: msg.relay, text: String(data) }, []);
        else {
          // A comm buffer is a view into a larger message buffer: the socket must copy out its bytes.
          const bytes = data as Buffer;
          const big = new Uint8Array(bytes.length + 8);
          big.set(bytes, 4);
          deliver({ type: "relay_frame", relay: msg.relay }, [new DataView(big.buffer, 4, bytes.length)]);
        }
      });
      ws.on("close", (code, reason) =>
        deliver({ type: "relay_closed", relay: msg.relay, code, reason: String(reason) }, []),
      );
    } else if (msg.type === "relay_send") for (const text of msg.texts ?? []) sockets.get(msg.relay)?.send(text);
    else if (msg.type === "relay_close") sockets.get(msg.relay)?.close(1000);
  };
}

test("auto falls back to the comm relay when the proxy route does not open, and streams through it", async () => {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/stream" });
  await once(wss, "listening");
  const port = (wss.address() as net.AddressInfo).port;
  const hellos: string[] = [];
  wss.on("connection", (ws) => {
    ws.once("message", (data) => {
      hellos.push(String(data));
      ws.send(JSON.stringify({ type: "error", code: "busy", message: "just testing" }));
      ws.send(Buffer.from([1, 2, 3, 4, 5]));
    });
  });
  const relays: CommRelays = new CommRelays(standInKernel(port, (c, b) => relays.handle(c, b)));
  const statuses: ConnectionStatus[] = [];
  const messages: StreamServerMessage[] = [];
  const frames: ArrayBuffer[] = [];
  const client = new StreamClient({
    urls: [
      { url: "ws://127.0.0.1:1/stream", transport: "proxy" },
      { url: COMM_URL, transport: "comm" },
    ],
    hello,
    onMessage: (m) => messages.push(m),
    onFrame: (f) => frames.push(f),
    onStatus: (s) => statuses.push(s),
    onProtocolError: (m) => assert.fail(m),
    socketFactory: (url) => (url === COMM_URL ? relays.open() : (new WebSocket(url) as unknown as SocketLike)),
    backoff: { minMs: 10, maxMs: 20 },
  });
  try {
    client.start();
    await until(() => frames.length === 1, "a frame through the relay");
    assert.ok(statuses.some((s) => s.state === "open" && s.transport === "comm"));
    assert.equal(JSON.parse(hellos[0]!).token, "view-token");
    assert.deepEqual([...new Uint8Array(frames[0]!)], [1, 2, 3, 4, 5]);
    assert.equal(messages[0]?.type, "error");
    // The daemon's close code crosses the relay: 1008 (policy) ends the view without retries.
    for (const ws of wss.clients) ws.close(1008, "unauthorized");
    await until(() => statuses.some((s) => s.state === "failed"), "failed status");
  } finally {
    client.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
});

test("relay messages are routed by id; other views' are swallowed, other messages passed on", () => {
  const sent: Array<{ type: string; relay: string }> = [];
  const relays = new CommRelays((m) => sent.push(m));
  const socket = relays.open();
  assert.deepEqual(sent, [{ type: "relay_open", relay: socket.id }]);
  assert.equal(socket.readyState, 0);
  assert.throws(() => socket.send("x"), /not open/);
  let opened = 0;
  socket.onopen = () => opened++;
  assert.equal(relays.handle({ type: "relay_opened", relay: "someone-else" }, []), true);
  assert.equal(opened, 0);
  assert.equal(relays.handle({ type: "relay_opened", relay: socket.id }, []), true);
  assert.equal(opened, 1);
  assert.equal(socket.readyState, 1);
  assert.equal(relays.handle({ type: "connection", port: 1 }, []), false);
  // Texts sent in one task travel as one message, in order, flushed before a close.
  socket.send("a");
  socket.send("b");
  relays.dispose();
  assert.deepEqual(sent.at(-2), { type: "relay_send", relay: socket.id, texts: ["a", "b"] });
  assert.deepEqual(sent.at(-1), { type: "relay_close", relay: socket.id });
  assert.equal(socket.readyState, 3);
});

test("relay messages go untracked where the page's comm can send them so, and say so at open", () => {
  const tracked: Array<{ type: string; relay: string; untracked?: boolean }> = [];
  const quiet: Array<{ type: string; untracked?: boolean }> = [];
  const relays = new CommRelays(
    (m) => tracked.push(m),
    (m) => quiet.push(m) > 0,
  );
  relays.open().close();
  assert.deepEqual(
    quiet.map((m) => [m.type, m.untracked]),
    [
      ["relay_open", true],
      ["relay_close", undefined],
    ],
  );
  assert.equal(tracked.length, 0);
  // No such comm (another frontend): every message is sent the ordinary way, and the kernel keeps statuses.
  const plain = new CommRelays(
    (m) => tracked.push(m),
    () => false,
  );
  plain.open();
  assert.equal(tracked[0]?.type, "relay_open");
  assert.equal(tracked[0]?.untracked, undefined);
});
