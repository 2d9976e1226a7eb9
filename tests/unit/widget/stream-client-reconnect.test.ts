/**
 * Reconnect order of StreamClient over in-memory sockets: after the daemon went away (1001, 1005
 * through the proxy, 1006) the owner is told to ask the kernel before the old port is tried again;
 * the old port is tried only when no answer replaced the client within the kernel's wait.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  StreamClient,
  type ConnectionStatus,
  type SocketLike,
  type StreamClientOptions,
} from "../../../src/widget/stream/stream-client.js";

/** An in-memory WebSocket: the test plays the daemon through open() and drop(). */
class MemorySocket implements SocketLike {
  binaryType = "blob";
  bufferedAmount = 0;
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readonly sent: string[] = [];

  constructor(readonly url: string) {}

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** The daemon side ends the connection with `code`. */
  drop(code: number, reason = ""): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  receive(text: string): void {
    this.onmessage?.({ data: text });
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(): void {
    this.readyState = 3;
  }
}

const OLD = "ws://h/proxy/127.0.0.1:5000/stream";
const NEW = "ws://h/proxy/127.0.0.1:6000/stream";

/** A client on `url` whose sockets and ordering (socket opened, kernel asked) are logged. */
function harness(url: string, log: string[], sockets: MemorySocket[], extra: Partial<StreamClientOptions> = {}) {
  const statuses: ConnectionStatus[] = [];
  const client = new StreamClient({
    urls: [{ url, transport: "proxy" }],
    hello: () => ({
      type: "hello",
      protocol: 1,
      token: "t",
      viewer_id: "v",
      canvas: { width: 64, height: 64, pixel_ratio: 1 },
      codecs: ["avc1.42E028"],
      seq: 1,
      state: {
        camera: { center: [0, 0], zoom: 1, angles: [0, 0, 90] },
        dims: { ndisplay: 2, current_step: [], axis_labels: [] },
        layers: [],
      },
    }),
    onMessage: () => {},
    onFrame: () => {},
    onStatus: (s) => {
      statuses.push(s);
      if (s.state === "reconnecting" && s.askKernel === true) log.push("ask kernel");
    },
    onProtocolError: (m) => assert.fail(m),
    socketFactory: (u) => {
      const ws = new MemorySocket(u);
      sockets.push(ws);
      log.push(`socket ${u}`);
      return ws;
    },
    backoff: { minMs: 1, maxMs: 2, jitter: 0 },
    kernelWaitMs: 20,
    ...extra,
  });
  return { client, statuses };
}

function until(pred: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let polls = 0;
    const poll = () => {
      if (pred()) resolve();
      else if (++polls > 2000) reject(new Error(`never happened: ${what}`));
      else setTimeout(poll, 2);
    };
    poll();
  });
}

for (const code of [1001, 1005, 1006]) {
  test(`after close ${code} the kernel is asked first and its answer is used; the old port is not retried`, async () => {
    const log: string[] = [];
    const sockets: MemorySocket[] = [];
    const first = harness(OLD, log, sockets);
    let second: ReturnType<typeof harness> | null = null;
    try {
      first.client.start();
      sockets[0]!.open();
      sockets[0]!.drop(code);
      const last = first.statuses.at(-1);
      assert.ok(last?.state === "reconnecting", "the view shows reconnecting");
      assert.equal(last.askKernel, true, `close ${code} asks the kernel`);
      assert.equal(last.attempt, 1);
      // The kernel answers with a new daemon: the owner replaces the client (as the session does).
      first.client.dispose();
      second = harness(NEW, log, sockets);
      second.client.start();
      sockets[1]!.open();
      // Past the old client's wait: it was disposed, so it never dials the old port again.
      await new Promise((r) => setTimeout(r, 60));
      assert.deepEqual(log, [`socket ${OLD}`, "ask kernel", `socket ${NEW}`]);
    } finally {
      first.client.dispose();
      second?.client.dispose();
    }
  });
}

test("no answer from the kernel: the old port is tried again after the kernel's wait", async () => {
  const log: string[] = [];
  const sockets: MemorySocket[] = [];
  const { client, statuses } = harness(OLD, log, sockets, { kernelWaitMs: 30 });
  try {
    client.start();
    sockets[0]!.open();
    sockets[0]!.drop(1006);
    const waiting = statuses.at(-1);
    assert.ok(waiting?.state === "reconnecting");
    assert.equal(waiting.delayMs, 30, "the retry waits for the kernel, not the 1 ms backoff");
    await until(() => sockets.length === 2, "a retry of the old port");
    assert.deepEqual(log, [`socket ${OLD}`, "ask kernel", `socket ${OLD}`]);
    sockets[1]!.open();
    assert.equal(statuses.at(-1)?.state, "open");
  } finally {
    client.dispose();
  }
});

test("the daemon's shutting_down error before a close without a code counts as the daemon going away", async () => {
  const log: string[] = [];
  const sockets: MemorySocket[] = [];
  const { client, statuses } = harness(OLD, log, sockets);
  try {
    client.start();
    sockets[0]!.open();
    sockets[0]!.receive(JSON.stringify({ type: "error", code: "shutting_down", message: "the daemon is stopping" }));
    sockets[0]!.drop(1011, "shutting_down");
    const last = statuses.at(-1);
    assert.ok(last?.state === "reconnecting" && last.askKernel === true);
  } finally {
    client.dispose();
  }
});

test("a transient fault (1011) retries the old port at once; the kernel is asked from the second failure", async () => {
  const log: string[] = [];
  const sockets: MemorySocket[] = [];
  const { client, statuses } = harness(OLD, log, sockets, { kernelWaitMs: 60_000 });
  try {
    client.start();
    sockets[0]!.open();
    sockets[0]!.drop(1011, "internal");
    const first = statuses.at(-1);
    assert.ok(first?.state === "reconnecting");
    assert.equal(first.askKernel, false);
    assert.ok(first.delayMs <= 2, "the backoff, not the kernel's wait");
    await until(() => sockets.length === 2, "a retry of the old port");
    sockets[1]!.drop(1006); // refused before it opened
    const second = statuses.at(-1);
    assert.ok(second?.state === "reconnecting" && second.attempt === 2 && second.askKernel === true);
    assert.deepEqual(log, [`socket ${OLD}`, `socket ${OLD}`, "ask kernel"]);
  } finally {
    client.dispose();
  }
});
