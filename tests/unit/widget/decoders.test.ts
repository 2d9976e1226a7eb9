/** DecoderSet: one warm decoder per coded size, routing, keyframe gating per size, LRU, acks. */
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import { DecoderSet } from "../../../src/widget/display/decoders.js";
import { MAX_DECODE_QUEUE } from "../../../src/widget/display/decoder.js";
import type { InFlight } from "../../../src/widget/display/frame-book.js";
import { config, decoderFor, FakeDecoder, header, installWebCodecs } from "./fake-webcodecs.js";

let restore: () => void;
beforeEach(() => {
  restore = installWebCodecs();
});
afterEach(() => restore());

function recorder() {
  const r = {
    decoded: [] as number[],
    frames: [] as VideoFrame[],
    dropped: [] as number[],
    keyframes: [] as string[],
    failed: [] as string[],
  };
  const sink = {
    decoded: (frame: VideoFrame, info: InFlight) => {
      r.decoded.push(info.header.frameId);
      r.frames.push(frame);
    },
    dropped: (id: number) => r.dropped.push(id),
    requestKeyframe: (reason: string) => r.keyframes.push(reason),
    failed: (m: string) => r.failed.push(m),
  };
  return { r, sink };
}

const payload = new Uint8Array([0, 0, 0, 1, 0x65]);
const FULL = [1280, 720] as const;
const HALF = [640, 360] as const;

test("half and full resolution each keep their own warm decoder: switching rebuilds nothing", () => {
  const { r, sink } = recorder();
  const set = new DecoderSet(sink);
  set.configure(config(...FULL));
  set.push(header(1, ...FULL, true), payload, 10);
  set.configure(config(...HALF));
  set.push(header(2, ...HALF, true), payload, 10);
  // Back and forth with deltas only: both decoders keep their references.
  set.push(header(3, ...FULL), payload, 10);
  set.push(header(4, ...HALF), payload, 10);
  set.push(header(5, ...FULL), payload, 10);
  assert.equal(FakeDecoder.all.length, 2, "one decoder per coded size");
  assert.deepEqual(
    decoderFor(...FULL).queue.map((c) => [c.timestamp / 1000, c.type]),
    [
      [1, "key"],
      [3, "delta"],
      [5, "delta"],
    ],
  );
  assert.deepEqual(
    decoderFor(...HALF).queue.map((c) => c.timestamp / 1000),
    [2, 4],
  );
  assert.equal(set.queueSize, 5, "the ack's queue: every decoder's queue together");
  assert.deepEqual(r.dropped, []);
  assert.deepEqual(r.keyframes, []);
  // A repeated, identical config (a new encoder of the same size) keeps the decoder and its queue.
  set.configure(config(...FULL));
  assert.equal(decoderFor(...FULL).configures, 1);
  assert.equal(decoderFor(...FULL).queue.length, 3);
  decoderFor(...FULL).emit(1);
  decoderFor(...HALF).emit(2);
  assert.deepEqual(r.decoded, [1, 2]);
});

test("a changed config rebuilds only that size; its in-flight frames are acked; deltas wait for its keyframe", () => {
  const { r, sink } = recorder();
  const set = new DecoderSet(sink);
  set.configure(config(...FULL));
  set.configure(config(...HALF));
  set.push(header(1, ...FULL, true), payload, 10);
  set.push(header(2, ...HALF, true), payload, 10);
  set.push(header(3, ...FULL), payload, 10);
  const oldFull = decoderFor(...FULL);
  set.configure(config(...FULL, "AAED"));
  assert.equal(oldFull.state, "closed");
  assert.deepEqual(r.dropped, [1, 3], "the rebuilt size's in-flight frames are acked as not shown");
  set.push(header(4, ...FULL), payload, 10);
  set.push(header(5, ...HALF), payload, 10);
  assert.deepEqual(r.dropped, [1, 3, 4], "full waits for its keyframe; half goes on");
  set.push(header(6, ...FULL, true), payload, 10);
  assert.deepEqual(
    decoderFor(...FULL).queue.map((c) => c.timestamp / 1000),
    [6],
  );
  assert.deepEqual(
    decoderFor(...HALF).queue.map((c) => c.timestamp / 1000),
    [2, 5],
  );
});

test("frames are routed by header size; a size never configured is acked and asks for a keyframe once", () => {
  const { r, sink } = recorder();
  const set = new DecoderSet(sink);
  set.configure(config(...FULL));
  set.push(header(1, 800, 600, true), payload, 10);
  set.push(header(2, 800, 600), payload, 10);
  assert.deepEqual(r.dropped, [1, 2]);
  assert.deepEqual(r.keyframes, ["no_config"]);
  set.configure(config(800, 600));
  set.push(header(3, 800, 600, true), payload, 10);
  assert.equal(decoderFor(800, 600).queue.length, 1);
});

test("at most maxWarm decoders: the least recently used is closed, acked, and rebuilt from its config", () => {
  const { r, sink } = recorder();
  const set = new DecoderSet(sink, 2);
  set.configure(config(...FULL));
  set.push(header(1, ...FULL, true), payload, 10);
  set.configure(config(...HALF));
  set.push(header(2, ...HALF, true), payload, 10);
  set.push(header(3, ...FULL), payload, 10); // full is now the most recently used
  set.configure(config(320, 180));
  assert.equal(set.size, 2);
  assert.deepEqual(r.dropped, [2], "half (least recently used) retired, its frame acked");
  assert.equal(decoderFor(...FULL).queue.length, 2);
  // Half again: rebuilt from its remembered config; a delta cannot decode, so a keyframe is asked.
  set.push(header(4, ...HALF), payload, 10);
  assert.deepEqual(r.dropped, [2, 1, 3, 4], "full retired in turn (its 2 frames acked), then the delta");
  assert.deepEqual(r.keyframes, ["decoder_evicted"]);
  set.push(header(5, ...HALF, true), payload, 10);
  assert.equal(decoderFor(...HALF).queue.length, 1);
});

test("a backed-up decoder drops its next delta and asks for a keyframe; other sizes are not affected", () => {
  const { r, sink } = recorder();
  const set = new DecoderSet(sink);
  set.configure(config(...FULL));
  set.configure(config(...HALF));
  set.push(header(1, ...HALF, true), payload, 10);
  set.push(header(2, ...FULL, true), payload, 10);
  let id = 3;
  for (let i = 1; i < MAX_DECODE_QUEUE; i++) set.push(header(id++, ...FULL), payload, 10);
  assert.deepEqual(r.dropped, []);
  set.push(header(id, ...FULL), payload, 10);
  assert.deepEqual(r.dropped, [id]);
  assert.deepEqual(r.keyframes, ["decode_backlog"]);
  set.push(header(id + 1, ...HALF), payload, 10);
  assert.equal(decoderFor(...HALF).queue.length, 2);
});

test("output: the decoder skipped older frames -> acked; abandon closes all without acks", () => {
  const { r, sink } = recorder();
  const set = new DecoderSet(sink);
  set.configure(config(...FULL));
  for (const [id, key] of [
    [1, true],
    [2, false],
    [3, false],
  ] as const)
    set.push(header(id, ...FULL, key), payload, 10);
  decoderFor(...FULL).emit(3);
  assert.deepEqual(r.decoded, [3]);
  assert.deepEqual(r.dropped, [1, 2]);
  set.push(header(4, ...FULL), payload, 10);
  const d = decoderFor(...FULL);
  set.abandon();
  assert.equal(d.state, "closed");
  assert.equal(set.size, 0);
  assert.deepEqual(r.dropped, [1, 2], "the old session's frame ids get no ack");
  set.push(header(1, ...FULL, true), payload, 10);
  assert.deepEqual(r.dropped, [1, 2, 1], "no config of the new session yet");
  set.dispose();
  set.dispose();
});

test("a decoder the browser reclaims (idle, hidden tab) is rebuilt on its next frame, never counted as failing", () => {
  const { r, sink } = recorder();
  const set = new DecoderSet(sink);
  set.configure(config(...HALF));
  set.push(header(1, ...HALF, true), payload, 10);
  decoderFor(...HALF).emit(1);
  // Five reclaims in a row: a failure count would have stopped the decoder after four.
  let id = 2;
  for (let i = 0; i < 5; i++) {
    const d = decoderFor(...HALF);
    d.state = "closed";
    d.error(new DOMException("Codec reclaimed due to inactivity", "QuotaExceededError"));
    assert.deepEqual(r.keyframes, [], "a reclaim asks for nothing until a frame comes");
    // A keyframe after a reclaim decodes at once on a new decoder.
    set.push(header(id, ...HALF, true), payload, 10);
    decoderFor(...HALF).emit(id);
    id++;
  }
  assert.deepEqual(r.failed, []);
  // A delta after a reclaim cannot decode (its references are gone): dropped, acked, keyframe asked.
  decoderFor(...HALF).error(new DOMException("Codec reclaimed due to inactivity", "QuotaExceededError"));
  set.push(header(id, ...HALF), payload, 10);
  assert.deepEqual(r.keyframes, ["decoder_reclaimed"]);
  assert.ok(r.dropped.includes(id));
  assert.deepEqual(r.decoded, [1, 2, 3, 4, 5, 6]);
});

test("a keyframe request names the decoder that needs it: its coded size and kind", () => {
  const asked: Array<[string, unknown]> = [];
  const { sink } = recorder();
  const set = new DecoderSet({ ...sink, requestKeyframe: (reason, target) => asked.push([reason, target]) });
  set.configure(config(...FULL));
  set.configure(config(...HALF));
  set.push(header(1, ...FULL, true), payload, 10);
  set.push(header(2, ...HALF, true), payload, 10);
  // The half-size decoder backs up (nothing is output): its next delta asks for a keyframe for it.
  for (let id = 3; id < 3 + MAX_DECODE_QUEUE; id++) set.push(header(id, ...HALF), payload, 10);
  assert.deepEqual(asked, [["decode_backlog", { width: HALF[0], height: HALF[1], still: false }]]);
  // Frames of a size never configured: a keyframe for that size.
  set.push(header(20, 320, 180), payload, 10);
  assert.deepEqual(asked.at(-1), ["no_config", { width: 320, height: 180, still: false }]);
});
