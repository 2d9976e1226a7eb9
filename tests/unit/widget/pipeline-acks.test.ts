/**
 * StreamPipeline end to end in node: wire messages in (config, binary frames), acks out. Each
 * frame gets exactly one ack: `decode_ms` when drawn (in the animation frame), none when not shown;
 * every ack carries the browser's decode queue. State messages carry the overscan.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import { encodeFrame } from "../../../src/protocol/frame.js";
import type { StreamHello } from "../../../src/protocol/stream.js";
import { FrameClock, type Scheduler } from "../../../src/widget/display/frame-clock.js";
import { ViewStats } from "../../../src/widget/instrument/stats.js";
import { StreamPipeline } from "../../../src/widget/stream/pipeline.js";
import type { SocketLike } from "../../../src/widget/stream/stream-client.js";
import { config, decoderFor, header, installWebCodecs } from "./fake-webcodecs.js";

let restore: () => void;
beforeEach(() => {
  restore = installWebCodecs();
});
afterEach(() => restore());

class FakeSocket implements SocketLike {
  binaryType = "blob";
  bufferedAmount = 0;
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readonly sent: Array<Record<string, unknown>> = [];
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  text(msg: object): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  binary(bytes: Uint8Array): void {
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }
}

const HELLO = {
  type: "hello",
  protocol: 2,
  token: "t",
  viewer_id: "v",
  canvas: { width: 1280, height: 720, pixel_ratio: 1 },
  codecs: ["avc1.42E01F"],
  seq: 0,
  state: {
    camera: { center: [0, 0], zoom: 1, angles: [0, 0, 90] },
    dims: { ndisplay: 2, current_step: [], axis_labels: [] },
    layers: [],
  },
  overscan: [64, 64],
} as StreamHello;

/** A pipeline on a fake socket whose animation frames run when the test calls `frame()`. */
function rig() {
  let raf: Array<() => void> = [];
  const schedule: Scheduler = (cb) => {
    raf.push(cb);
    return () => (raf = raf.filter((x) => x !== cb));
  };
  const clock = new FrameClock(schedule, () => () => undefined);
  const sock = new FakeSocket();
  const drawn: number[] = [];
  const stats = new ViewStats();
  const pipeline = new StreamPipeline({
    urls: [{ url: "ws://x/stream", transport: "direct" }],
    hello: () => HELLO,
    draw: (_frame, h) => drawn.push(h.frameId),
    clock,
    stats,
    events: {
      status: () => undefined,
      error: (m) => assert.fail(m),
      config: () => undefined,
      meta: () => undefined,
      displayed: () => undefined,
    },
    socketFactory: () => sock,
  });
  const animationFrame = () => {
    for (const cb of raf.splice(0)) cb();
  };
  return { sock, drawn, stats, pipeline, animationFrame };
}

test("acks: one per frame, decode_ms only for the frame drawn, queue always; overscan rides on state", async () => {
  const { sock, drawn, stats, pipeline, animationFrame } = rig();
  try {
    pipeline.start();
    sock.open();
    assert.deepEqual(sock.sent[0]!["overscan"], [64, 64], "hello carries the overscan");
    sock.text(config(1280, 720));
    sock.text(config(640, 360));
    const payload = new Uint8Array([0, 0, 0, 1, 0x65]);
    const sentAt = Date.now();
    sock.binary(encodeFrame({ ...header(1, 1280, 720, true), sentAt }, payload));
    sock.binary(encodeFrame({ ...header(2, 640, 360, true), sentAt }, payload));
    sock.binary(encodeFrame(header(3, 1280, 720), payload));
    assert.equal(pipeline.decodeQueue, 3);
    decoderFor(640, 360).emit(2);
    decoderFor(1280, 720).emit(1); // late: older than the waiting frame 2
    const acks = () => sock.sent.filter((m) => m["type"] === "ack");
    assert.deepEqual(acks(), [{ type: "ack", frame_id: 1, queue: 1 }]);
    animationFrame();
    assert.deepEqual(drawn, [2]);
    const a2 = acks()[1]!;
    assert.equal(a2["frame_id"], 2);
    assert.equal(a2["queue"], 1, "frame 3 still in the full-size decoder");
    assert.equal(typeof a2["decode_ms"], "number");
    assert.equal(stats.frames, 1);
    assert.equal(stats.dropped, 1);
    assert.equal(stats.frameAgeMs.values.length, 1, "frame age measured for the drawn frame");
    assert.ok(stats.frameAgeMs.values[0]! >= 6, "at least render + encode + capture");

    pipeline.sendState(5, HELLO.state, [96, 32]);
    // State messages closer than MIN_STATE_INTERVAL_MS apart are held for a tick.
    await new Promise((done) => setTimeout(done, 30));
    pipeline.sendState(6, HELLO.state);
    const states = sock.sent.filter((m) => m["type"] === "state");
    assert.deepEqual(states[0]!["overscan"], [96, 32]);
    assert.equal("overscan" in states[1]!, false);
  } finally {
    pipeline.dispose();
  }
});

test("a redraw of the state on screen is not drawn after a newer state or resize went out; acked once", async () => {
  const { sock, drawn, pipeline, animationFrame } = rig();
  const payload = new Uint8Array([0, 0, 0, 1, 0x65]);
  const frame = (id: number, w: number, h: number, seq: number) => {
    sock.binary(encodeFrame(header(id, w, h, id <= 2, seq), payload));
    decoderFor(w, h).emit(id);
    animationFrame();
  };
  try {
    pipeline.start();
    sock.open();
    sock.text(config(1280, 720));
    sock.text(config(640, 360));
    frame(1, 640, 360, 0); // the hello's state (seq 0)
    frame(2, 1280, 720, 0); // its refine: nothing newer was sent, drawn
    assert.deepEqual(drawn, [1, 2]);
    pipeline.sendState(1, HELLO.state);
    frame(3, 1280, 720, 0); // the still of seq 0, after state 1 went out: superseded
    assert.deepEqual(drawn, [1, 2]);
    frame(4, 640, 360, 1);
    frame(5, 1280, 720, 1); // the refine of the newest state sent: drawn
    assert.ok(pipeline.resize(2, { width: 1280, height: 720, pixel_ratio: 1 }));
    frame(6, 1280, 720, 1); // a resize is a newer state too
    frame(7, 1280, 720, 2);
    assert.deepEqual(drawn, [1, 2, 4, 5, 7]);
    const acks = sock.sent.filter((m) => m["type"] === "ack").map((m) => m["frame_id"]);
    assert.deepEqual(acks, [1, 2, 3, 4, 5, 6, 7], "every frame acked once, in order");
    const dropped = sock.sent.filter((m) => m["type"] === "ack" && !("decode_ms" in m)).map((m) => m["frame_id"]);
    assert.deepEqual(dropped, [3, 6]);
  } finally {
    pipeline.dispose();
  }
});
