import assert from "node:assert/strict";
import { test } from "node:test";
import type { FrameHeader } from "../../../src/protocol/frame.js";
import { FrameBook } from "../../../src/widget/display/frame-book.js";

const h = (frameId: number): FrameHeader => ({
  frameId,
  seq: 0,
  keyframe: false,
  width: 64,
  height: 64,
  level: 0,
  levelCount: 1,
  renderMs: 0,
  captureMs: 0,
  encodeMs: 0,
  sentAt: 0,
  marginX: 0,
  marginY: 0,
});

test("deltas are refused until a keyframe; requireKeyframe re-arms the gate", () => {
  const b = new FrameBook();
  assert.equal(b.waitingForKeyframe, true);
  assert.equal(b.admit(false), false);
  assert.equal(b.admit(true), true);
  assert.equal(b.admit(false), true);
  b.requireKeyframe();
  assert.equal(b.admit(false), false);
  assert.equal(b.admit(true), true);
});

test("take returns the frame and the older ones the decoder skipped; drain empties", () => {
  const b = new FrameBook();
  for (const id of [3, 4, 5, 6]) b.add(id, { header: h(id), bytes: id, decodeStart: id });
  const r = b.take(5);
  assert.equal(r.frame?.header.frameId, 5);
  assert.deepEqual(r.skipped, [3, 4]);
  assert.equal(b.size, 1);
  assert.deepEqual(b.take(42).frame, undefined);
  b.add(9, { header: h(9), bytes: 9, decodeStart: 9 });
  b.add(8, { header: h(8), bytes: 8, decodeStart: 8 });
  assert.deepEqual(b.drain(), [8, 9]);
  assert.equal(b.size, 0);
});
