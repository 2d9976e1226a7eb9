/** Presenter + FrameClock: the newest frame on the display clock, never an older one after a newer one. */
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import type { FrameHeader } from "../../../src/protocol/frame.js";
import { DecoderSet } from "../../../src/widget/display/decoders.js";
import { FrameClock, type Scheduler } from "../../../src/widget/display/frame-clock.js";
import { Presenter } from "../../../src/widget/display/presenter.js";
import type { DisplayedFrame } from "../../../src/widget/instrument/stats.js";
import { config, decoderFor, FakeDecoder, header, installWebCodecs } from "./fake-webcodecs.js";

let restore: () => void;
beforeEach(() => {
  restore = installWebCodecs();
});
afterEach(() => restore());

/** A scheduler whose callbacks run when the test calls fire(). */
class Manual {
  private queue: Array<() => void> = [];
  readonly schedule: Scheduler = (cb) => {
    this.queue.push(cb);
    return () => {
      this.queue = this.queue.filter((x) => x !== cb);
    };
  };
  get pending(): number {
    return this.queue.length;
  }
  fire(): void {
    const q = this.queue;
    this.queue = [];
    for (const cb of q) cb();
  }
}

function rig(drawImpl?: (frame: VideoFrame, h: FrameHeader) => void, superseded?: (seq: number) => boolean) {
  const raf = new Manual();
  const fallback = new Manual();
  const clock = new FrameClock(raf.schedule, fallback.schedule);
  const drawn: number[] = [];
  const displayed: DisplayedFrame[] = [];
  const acks: number[] = [];
  const dropped: number[] = [];
  let t = 100;
  const presenter = new Presenter(
    clock,
    {
      draw: (frame, h) => {
        drawImpl?.(frame, h);
        drawn.push(h.frameId);
      },
      displayed: (f) => {
        displayed.push(f);
        acks.push(f.header.frameId);
      },
      dropped: (id) => {
        dropped.push(id);
        acks.push(id);
      },
      superseded,
    },
    () => (t += 1),
    () => 5000,
  );
  const decoders = new DecoderSet({
    decoded: (frame, info, ms) => presenter.offer(frame, info, ms),
    dropped: (id) => {
      dropped.push(id);
      acks.push(id);
    },
    requestKeyframe: () => undefined,
    failed: () => undefined,
  });
  return { raf, fallback, clock, presenter, decoders, drawn, displayed, acks, dropped };
}

const payload = new Uint8Array([1]);
const FULL = [1280, 720] as const;
const HALF = [640, 360] as const;

test("two decoders finishing out of order: only the newest is drawn, late and replaced frames are acked once", () => {
  const r = rig();
  r.decoders.configure(config(...FULL));
  r.decoders.configure(config(...HALF));
  r.decoders.push(header(1, ...FULL, true), payload, 11);
  r.decoders.push(header(2, ...HALF, true), payload, 12);
  r.decoders.push(header(3, ...FULL), payload, 13);
  r.decoders.push(header(4, ...HALF), payload, 14);
  const full = decoderFor(...FULL);
  const half = decoderFor(...HALF);
  half.emit(2);
  full.emit(1); // older than the waiting frame 2: never shown
  assert.deepEqual(r.drawn, [], "nothing is drawn before the animation frame");
  assert.equal(r.raf.pending, 1);
  r.raf.fire();
  assert.deepEqual(r.drawn, [2]);
  full.emit(3);
  half.emit(4); // replaces 3 before the animation frame
  r.raf.fire();
  assert.deepEqual(r.drawn, [2, 4]);
  assert.deepEqual(r.dropped, [1, 3]);
  assert.deepEqual(
    [...r.acks].sort((a, b) => a - b),
    [1, 2, 3, 4],
    "every frame acked exactly once",
  );
  for (const f of FakeDecoder.all.flatMap((d) => d.frames))
    assert.equal(f.closed, 1, `frame ${f.timestamp} closed once`);
  assert.equal(r.displayed[1]!.bytes, 14);
  assert.equal(r.displayed[1]!.displayedWall, 5000);
  assert.equal(r.fallback.pending, 0, "the animation frame cancelled the fallback");
  // A frame older than the last drawn one, finishing after it, is not shown either.
  r.decoders.push(header(5, ...FULL), payload, 15);
  r.decoders.push(header(6, ...HALF), payload, 16);
  half.emit(6);
  r.raf.fire();
  full.emit(5);
  r.raf.fire();
  assert.deepEqual(r.drawn, [2, 4, 6]);
  assert.deepEqual(r.dropped, [1, 3, 5]);
});

test("a redraw of the state on screen is not drawn once a newer state was sent; new states always are", () => {
  let sent = 5;
  const r = rig(undefined, (seq) => seq < sent);
  r.decoders.configure(config(...FULL));
  r.decoders.configure(config(...HALF));
  const full = decoderFor(...FULL);
  const half = decoderFor(...HALF);
  const show = (id: number, size: readonly [number, number], seq: number) => {
    r.decoders.push(header(id, ...size, id <= 2, seq), payload, 10);
    (size === FULL ? full : half).emit(id);
    r.raf.fire();
  };
  show(1, HALF, 5); // the moving frame of state 5
  show(2, FULL, 5); // its refine at rest: nothing newer was sent, so it is drawn
  assert.deepEqual(r.drawn, [1, 2]);
  sent = 6; // the user moves again
  show(3, FULL, 5); // the still of the rest just left: superseded
  assert.deepEqual(r.drawn, [1, 2]);
  assert.deepEqual(r.dropped, [3], "not drawn, still acked");
  show(4, HALF, 6); // the frame for the new state
  sent = 9;
  show(5, HALF, 7); // newer than the one on screen (older than what was sent): drawn
  show(6, FULL, 9);
  assert.deepEqual(r.drawn, [1, 2, 4, 5, 6]);
  assert.deepEqual(
    [...r.acks].sort((a, b) => a - b),
    [1, 2, 3, 4, 5, 6],
    "every frame acked exactly once",
  );
  r.presenter.reset(); // a new connection: its first frame is drawn whatever its seq
  show(1, FULL, 2);
  assert.deepEqual(r.drawn, [1, 2, 4, 5, 6, 1]);
});

test("no animation frame (hidden tab): the fallback timer presents, acks keep flowing", () => {
  const r = rig();
  r.decoders.configure(config(...FULL));
  r.decoders.push(header(1, ...FULL, true), payload, 10);
  decoderFor(...FULL).emit(1);
  r.fallback.fire();
  assert.deepEqual(r.drawn, [1]);
  assert.equal(r.raf.pending, 0, "the fallback cancelled the animation frame");
});

test("display tasks run by priority in one animation frame, whatever the order they were added", () => {
  const raf = new Manual();
  const clock = new FrameClock(raf.schedule, new Manual().schedule);
  const order: string[] = [];
  const late = clock.task(10, () => order.push("repaint"));
  const early = clock.task(0, () => order.push("present"));
  late.request();
  early.request();
  late.request();
  assert.equal(raf.pending, 1, "one animation frame for all requests");
  raf.fire();
  assert.deepEqual(order, ["present", "repaint"]);
  late.remove();
  late.request();
  early.request();
  raf.fire();
  assert.deepEqual(order, ["present", "repaint", "present"]);
  clock.dispose();
  early.request();
  assert.equal(raf.pending, 0);
});

test("reset (connection dropped): the waiting frame is closed without an ack; the new session's ids start over", () => {
  const r = rig();
  r.decoders.configure(config(...FULL));
  r.decoders.push(header(7, ...FULL, true), payload, 10);
  const f7 = decoderFor(...FULL).emit(7);
  r.decoders.abandon();
  r.presenter.reset();
  assert.equal(f7.closed, 1);
  assert.deepEqual(r.acks, []);
  r.decoders.configure(config(...FULL));
  r.decoders.push(header(1, ...FULL, true), payload, 10);
  decoderFor(...FULL).emit(1);
  r.raf.fire();
  assert.deepEqual(r.drawn, [1]);
  r.presenter.dispose();
  r.presenter.dispose();
});

test("a draw that throws still closes the frame and acks it as not shown", () => {
  const r = rig(() => {
    throw new Error("canvas lost");
  });
  r.decoders.configure(config(...FULL));
  r.decoders.push(header(1, ...FULL, true), payload, 10);
  const f = decoderFor(...FULL).emit(1);
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    r.raf.fire();
  } finally {
    console.warn = warn;
  }
  assert.equal(f.closed, 1);
  assert.deepEqual(r.acks, [1]);
  assert.deepEqual(r.displayed, []);
});
