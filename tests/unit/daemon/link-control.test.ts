/**
 * LinkControl (flow control + the link's frame scale) on a simulated link (link-sim.ts: fake clock,
 * bottleneck = rate cap + FIFO queue + propagation delay): at 10 Mbit/s and 80 ms RTT its delivery rate
 * settles under the cap with no growing queue and the round trip near its minimum, drawing moving frames
 * at a coarser scale; when the cap lifts to 100 Mbit/s the scale and the rate grow back; when it falls
 * again it settles again. Plus the estimator's arithmetic on hand-made acks.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DaemonMetrics } from "../../../src/daemon/metrics/index.js";
import { LinkControl, QUEUE_MS } from "../../../src/daemon/server/link-control.js";
import { LinkEstimator } from "../../../src/daemon/server/link-estimator.js";
import { simulate, type SimFrame, type SimSample } from "./link-sim.js";

const SLOW = 1250; // bytes per ms: 10 Mbit/s
const FAST = 12_500; // 100 Mbit/s
const ONE_WAY = 40; // ms: 80 ms round trip
const BYTES = { 1: 60_000, 2: 20_000, 4: 7_000 } as const;

const run = simulate({
  phases: [
    { at: 0, bytesPerMs: SLOW },
    { at: 20_000, bytesPerMs: FAST },
    { at: 45_000, bytesPerMs: SLOW },
  ],
  oneWayMs: ONE_WAY,
  bytes: BYTES,
  endMs: 65_000,
});

const shown = (from: number, to: number): SimFrame[] =>
  run.frames.filter((f) => f.displayedAt >= from && f.displayedAt < to);
const sampled = (from: number, to: number): SimSample[] => run.samples.filter((s) => s.t >= from && s.t < to);

/**
 * Per 2 s window in [from, to): frames and bytes shown per second. Two seconds: a probe of the finer
 * scale (a keyframe, then frames too large for the link) stalls the picture ~150-250 ms when it fails.
 */
function perWindow(from: number, to: number): Array<{ fps: number; bytes: number }> {
  const out: Array<{ fps: number; bytes: number }> = [];
  for (let t = from; t + 2000 <= to; t += 2000) {
    const f = shown(t, t + 2000);
    out.push({ fps: f.length / 2, bytes: f.reduce((n, x) => n + x.bytes, 0) / 2 });
  }
  return out;
}

/** The slow link, settled: under the cap, bounded queue, RTT near its minimum, interactive. */
function assertSettled(from: number, to: number): void {
  for (const s of perWindow(from, to)) {
    assert.ok(s.bytes <= SLOW * 1000, `${s.bytes} B/s over the cap`);
    assert.ok(s.bytes >= 0.4 * SLOW * 1000, `${s.bytes} B/s: the link is barely used`);
    assert.ok(s.fps >= 24, `${s.fps} fps`);
  }
  const frames = shown(from, to);
  const half = (from + to) / 2;
  const maxQueue = (fs: SimFrame[]): number => Math.max(...fs.map((f) => f.queuedMs));
  // A probe of the finer scale queues up to ~100 ms until the round trips show it: a transient.
  assert.ok(maxQueue(frames) <= 125, `bottleneck queue ${maxQueue(frames)} ms`);
  // A queue that grows would show in most frames of the later half (probes touch a few).
  const p75 = (fs: SimFrame[]): number =>
    fs.map((f) => f.queuedMs).sort((x, y) => x - y)[Math.floor(fs.length * 0.75)]!;
  const late = p75(frames.filter((f) => f.sentAt >= half));
  const early = p75(frames.filter((f) => f.sentAt < half));
  assert.ok(late <= early + 5, `the queue grows: 75th percentile ${early} -> ${late} ms`);
  const age = Math.max(...frames.map((f) => f.displayedAt - f.inputAt));
  assert.ok(age <= 250, `a frame ${age} ms old was shown`);
  // Serialization of the largest frame (a keyframe at full resolution) on top of the minimum.
  const extra = sampled(from, to).map((s) => s.rtt - s.minRtt);
  const sorted = [...extra].sort((a, b) => a - b);
  const p90 = sorted[Math.floor(sorted.length * 0.9)]!;
  assert.ok(p90 <= QUEUE_MS, `rtt 90th percentile ${p90} ms above the minimum`);
  const coarse = frames.filter((f) => f.scale > 1).length / frames.length;
  assert.ok(coarse >= 0.8, `only ${(coarse * 100).toFixed(0)}% of moving frames coarser than full`);
}

describe("LinkControl on a simulated 10 Mbit/s, 80 ms link", () => {
  it("settles under the cap with a bounded queue and >= 24 fps at a coarser scale", () => {
    assertSettled(3000, 20_000);
  });

  it("grows back when the cap lifts: full scale, a higher rate, >= 30 fps", () => {
    const slowRate = Math.max(...sampled(10_000, 20_000).map((s) => s.rate));
    const fastRate = Math.max(...sampled(35_000, 45_000).map((s) => s.rate));
    assert.ok(fastRate >= 1.5 * slowRate, `rate ${slowRate} -> ${fastRate} B/s`);
    assert.ok(
      shown(35_000, 45_000).every((f) => f.scale === 1),
      "full-resolution moving frames once the link allows",
    );
    for (const s of perWindow(35_000, 45_000)) assert.ok(s.fps >= 30, `${s.fps} fps`);
  });

  it("settles again when the cap comes back", () => {
    assertSettled(50_000, 65_000);
  });
});

describe("LinkEstimator", () => {
  it("measures round trips, bytes in flight and the delivery rate from cumulative acks", () => {
    const e = new LinkEstimator();
    e.onSend(1, 10_000, 0);
    e.onSend(2, 10_000, 10);
    assert.equal(e.bytesInFlight, 20_000);
    assert.equal(e.onAck(2, 110, 3), true); // covers frame 1 too
    assert.equal(e.framesInFlight, 0);
    assert.equal(e.lastRtt, 100);
    assert.equal(e.minRtt, 100);
    assert.equal(e.queue, 3);
    // 20 kB delivered since frame 2 was sent; the clock started at the first send (nothing was in flight).
    assert.equal(e.rate, (20_000 * 1000) / 110);
    assert.equal(e.onAck(2, 120), false, "a repeated ack changes nothing");
  });

  it("an idle gap is not link time; a lower rate sample does not lower the estimate within the window", () => {
    const e = new LinkEstimator();
    e.onSend(1, 50_000, 0);
    e.onAck(1, 100, 0);
    const first = e.rate;
    e.onSend(2, 5_000, 5000); // long idle: the delivery clock restarts at this send
    e.onAck(2, 5100, 0);
    assert.equal(e.lastRtt, 100);
    assert.equal(e.rate, (5_000 * 1000) / 100, "the old sample left the window");
    e.onSend(3, 50_000, 5200);
    e.onSend(4, 5_000, 5210);
    e.onAck(3, 5300);
    e.onAck(4, 5310);
    assert.ok(e.rate >= first, "the max over the window");
  });
});

describe("LinkControl window", () => {
  it("starts at startFrames, then covers the round trip at the display rate, within maxFrames", () => {
    const c = new LinkControl(6, 2);
    assert.equal(c.windowFrames(), 2);
    c.onSend(1, { bytes: 1000, scale: 1, keyframe: true, moving: false, still: false }, 0);
    c.onAck(1, 100);
    assert.equal(c.windowFrames(), 6, "ceil(100 ms / 16.7 ms) + 1 = 7, capped at 6");
    const c3 = new LinkControl(8, 2);
    c3.onSend(1, { bytes: 1000, scale: 1, keyframe: true, moving: false, still: false }, 0);
    c3.onAck(1, 40);
    assert.equal(c3.windowFrames(), 4, "ceil(40 ms / 16.7 ms) + 1");
    assert.equal(c.allows(0, 100), true, "nothing in flight always allows a frame");
    const c2 = new LinkControl(3, 2);
    c2.onSend(1, { bytes: 1000, scale: 1, keyframe: true, moving: false, still: false }, 0);
    c2.onAck(1, 1000);
    assert.equal(c2.windowFrames(), 3, "capped by maxFrames (NAPARI_CUDA_MAX_IN_FLIGHT)");
  });

  it("a decode queue above 2 frames means one frame at a time", () => {
    const c = new LinkControl(6, 2);
    c.onSend(1, { bytes: 1000, scale: 1, keyframe: true, moving: false, still: false }, 0);
    c.onSend(2, { bytes: 1000, scale: 1, keyframe: false, moving: false, still: false }, 1);
    c.onAck(1, 50, 3);
    assert.equal(c.windowFrames(), 1);
    assert.equal(c.allows(0, 51), false);
    c.onAck(2, 60, 0);
    assert.equal(c.allows(0, 61), true);
    assert.ok(c.windowFrames() >= 2);
  });
});

describe("link gauges", () => {
  it("the last ack's estimates show in /metrics", async () => {
    const m = new DaemonMetrics();
    const c = new LinkControl(6, 2);
    c.onSend(1, { bytes: 30_000, scale: 2, keyframe: false, moving: true, still: false }, 0);
    c.onAck(1, 100);
    m.observeLink(c.stats());
    const { body } = await m.expose();
    assert.match(body, /^napari_cuda_link_rtt_ms 100$/m);
    assert.match(body, /^napari_cuda_link_min_rtt_ms 100$/m);
    assert.match(body, new RegExp(`^napari_cuda_link_window_frames ${c.windowFrames()}$`, "m"));
    assert.match(body, /^napari_cuda_link_scale 1$/m);
    assert.match(body, /^napari_cuda_link_rate_bytes_per_second 300000$/m);
  });
});
