import assert from "node:assert/strict";
import { test } from "node:test";
import type { FrameHeader } from "../../../src/protocol/frame.js";
import { percentile, RateWindow, SampleBuffer } from "../../../src/widget/instrument/samples.js";
import { SeqTracker } from "../../../src/widget/instrument/seq-tracker.js";
import { SAMPLE_CAPACITY, ViewStats } from "../../../src/widget/instrument/stats.js";

function header(frameId: number, seq: number, keyframe = false): FrameHeader {
  return {
    frameId,
    seq,
    keyframe,
    width: 1280,
    height: 720,
    level: 0,
    levelCount: 1,
    renderMs: 4,
    captureMs: 1,
    encodeMs: 6,
    sentAt: 0,
    marginX: 0,
    marginY: 0,
  };
}

test("m2p: earliest not-yet-displayed seq <= frame seq; all of them retired", () => {
  const t = new SeqTracker();
  t.record(1, 100);
  t.record(2, 110);
  t.record(3, 120);
  t.record(3, 999); // not increasing: ignored
  assert.equal(t.displayed(0, 130), null, "frame predates every input");
  assert.equal(t.displayed(2, 140), 40, "seq 1 is the earliest shown");
  assert.equal(t.pending, 1);
  assert.equal(t.displayed(2, 150), null, "seq 1 and 2 already retired");
  assert.equal(t.displayed(10, 160), 40, "seq 3 input at 120");
  assert.equal(t.pending, 0);
});

test("seq tracker is bounded", () => {
  const t = new SeqTracker(3);
  for (let s = 1; s <= 5; s++) t.record(s, s * 10);
  assert.equal(t.pending, 3);
  assert.equal(t.displayed(5, 100), 100 - 30);
});

test("sample buffer keeps the last N; percentile interpolates", () => {
  const b = new SampleBuffer(3);
  for (const v of [5, 1, 4, 2]) b.push(v);
  assert.deepEqual(b.values, [1, 4, 2]);
  assert.equal(percentile([], 50), null);
  assert.equal(percentile([3, 1, 2], 50), 2);
  assert.equal(percentile([0, 10], 95), 9.5);
});

test("rate window counts the last second only", () => {
  const w = new RateWindow(1000);
  for (let t = 0; t < 2000; t += 20) w.add(t);
  assert.equal(w.rate(1990), 50);
  assert.equal(w.rate(5000), 0);
});

test("view stats: frames, fps, m2p, timings, bytes and reset", () => {
  const s = new ViewStats();
  s.seqs.record(1, 1000);
  s.seqs.record(2, 1005);
  for (let i = 1; i <= 60; i++) {
    s.received(5000, 1000 + i * 16);
    const m2p = s.displayed({
      header: header(i, i < 10 ? 0 : 2, i === 1),
      bytes: 5000,
      decodeMs: 2,
      displayedAt: 1000 + i * 16,
    });
    if (i === 10) assert.equal(m2p, 1160 - 1000);
    else assert.equal(m2p, null);
  }
  const sum = s.summary(1000 + 60 * 16);
  assert.equal(sum.frames, 60);
  assert.equal(sum.keyframes, 1);
  assert.equal(sum.fps, 60);
  assert.equal(sum.m2p_samples, 1);
  assert.equal(sum.m2p_p50_ms, 160);
  assert.equal(sum.encode_ms_p50, 6);
  assert.equal(sum.decode_ms_p50, 2);
  assert.equal(sum.bytes, 300_000);
  assert.equal(sum.last_seq, 2);
  assert.equal(sum.width, 1280);
  s.reset();
  assert.equal(s.summary(2000).frames, 0);
  assert.equal(s.m2p.values.length, 0);
  assert.equal(s.m2p.capacity, SAMPLE_CAPACITY);
});

test("frame age: wall time at display minus the daemon's render start; only when both clocks are known", () => {
  const s = new ViewStats();
  // Rendered at 10_000 (sent at 10_000 + render 4 + capture 1 + encode 6), shown at 10_050.
  s.displayed({
    header: { ...header(1, 1), sentAt: 10_011 },
    bytes: 1,
    decodeMs: 1,
    displayedAt: 5,
    displayedWall: 10_050,
  });
  s.displayed({ header: header(2, 2), bytes: 1, decodeMs: 1, displayedAt: 6, displayedWall: 10_060 });
  s.displayed({ header: { ...header(3, 3), sentAt: 10_011 }, bytes: 1, decodeMs: 1, displayedAt: 7 });
  assert.deepEqual(s.frameAgeMs.values, [50]);
  assert.equal(s.summary(10).frame_age_ms_max, 50);
  s.reset();
  assert.deepEqual(s.frameAgeMs.values, []);
});

test("predicting: counted per warped draw, listeners hear it turn on and off once", () => {
  const s = new ViewStats();
  const heard: boolean[] = [];
  const off = s.onPredicting((on) => heard.push(on));
  s.drew(false);
  s.drew(true);
  s.drew(true);
  s.drew(false);
  assert.equal(s.predicted, 2);
  assert.equal(s.predicting, false);
  assert.deepEqual(heard, [true, false]);
  off();
  s.drew(true);
  assert.deepEqual(heard, [true, false]);
  assert.equal(s.summary(0).predicting, true);
});
