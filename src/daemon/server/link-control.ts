/**
 * Flow control for one view from LinkEstimator's measurements, and the link's share of the frame
 * scale (link-scale.ts) from the same.
 *
 * Window: a new frame may start while
 *   frames in flight (sent + encoding) < ceil(minRtt / FRAME_INTERVAL_MS) + 1 (within 1..maxFrames):
 *     enough frames to keep the display's WINDOW_FPS going over the round trip. The window bounds
 *     latency, not throughput: on a long link each frame in flight waits on the wire, not in a queue,
 *     and a window sized for 30 fps made every input wait for a slot (remote bench link: window 4,
 *     29 fps, true m2p p50 137 ms; at 60 Hz: window 6, 41 fps, 129 ms). On loopback the round trip
 *     is mostly the browser's decode and draw, the window stays 2-3 frames and the congestion rule
 *     below cuts a decode queue; 30 and 60 Hz measured the same there (docs/latency.md).
 *   beyond the second frame, bytes in flight + the new frame <= rate * minRtt * BYTES_GAIN: the
 *     bandwidth-delay product with BBR's window gain of 2, since the ack round trip also holds the
 *     browser's decode and its wait for the display clock (a gain of 1.25 measured no growth in the
 *     simulation: the round trip is often 1.2x its minimum). The queue it allows at a bottleneck is cut
 *     by the congestion rule below.
 * One or two frames are always allowed (today's fixed window; the rate on loopback is only what the app
 * sent). Before the first ack the window is `startFrames` frames.
 * Congestion: every one of the last RECENT_RTTS round trips above minRtt + QUEUE_MS (a standing queue;
 * one slow decode is not one), or the browser's decode queue above QUEUE_FRAMES: one frame at a time
 * until it drains, and the rate restarts from the newest sample (taken behind that queue: the link's).
 *
 * Measured in the simulation of tests/unit/daemon/link-sim.ts (10 Mbit/s, 80 ms): 850 kB/s delivered
 * at half scale, 34-43 fps, frames <= 233 ms old; a failing probe stalls the picture ~200 ms.
 */
import type { FrameScale } from "../scene/interactive.js";
import { LinkEstimator } from "./link-estimator.js";
import { ewma, LinkScale, type SentInfo } from "./link-scale.js";

/** Frame rate the window keeps going over the round trip: the display's. */
export const WINDOW_FPS = 60;
export const FRAME_INTERVAL_MS = 1000 / WINDOW_FPS;
export const BYTES_GAIN = 2;
export const QUEUE_MS = 60;
export const QUEUE_FRAMES = 2;
/** Frames waited on the link within this long (ms): the link is the bottleneck now. */
export const LIMITED_MS = 500;

export { TARGET_FPS, type SentInfo } from "./link-scale.js";

/** The estimates, for stats, logs and metrics. */
export interface LinkStats {
  rttMs: number;
  minRttMs: number;
  rateBytesPerSec: number;
  windowFrames: number;
  windowBytes: number;
  inFlightFrames: number;
  inFlightBytes: number;
  scale: FrameScale;
  congested: boolean;
  queue: number;
}

export class LinkControl {
  readonly est = new LinkEstimator();
  private congested = false;
  /** Last time a frame waited on the link's bytes or congestion, and when that episode began. */
  private blockedAt = -Infinity;
  private limitedSince = -Infinity;
  /** A frame waited on the link since the last send: the next sample measures the link, not the app. */
  private waited = false;
  /** Running average of frame bytes (stills aside). */
  private frameBytes = NaN;
  private readonly scaler = new LinkScale();

  constructor(
    private readonly maxFrames: number,
    private readonly startFrames = 2,
  ) {}

  /** The scale the link asks for while the view moves. */
  get scale(): FrameScale {
    return this.scaler.scale;
  }

  /** May a frame start now, with `encoding` frames rendered or encoding and not yet sent? */
  allows(encoding: number, now: number): boolean {
    const frames = this.est.framesInFlight + encoding;
    if (frames === 0) return true;
    if (this.congested) return this.block(now, true);
    if (frames >= this.windowFrames()) return this.block(now, false); // a latency bound, not bandwidth
    if (frames < 2) return true;
    // Waiting on our own bytes window says the link limits frames only when a queue shows (the round
    // trip above its minimum): the window's rate may be no more than what we sent (app limited).
    // Counting every window wait stepped a 10 Mbit/s remote link down to quarter scale at 1.5 Mbit/s.
    if (this.est.bytesInFlight + (encoding + 1) * this.nextBytes() > this.windowBytes()) {
      return this.block(now, this.est.recentRtt - this.est.minRtt > QUEUE_MS / 2);
    }
    return true;
  }

  onSend(id: number, info: SentInfo, now: number): void {
    this.est.onSend(id, info.bytes, now, !this.waited);
    this.waited = false;
    // A still comes once per rest: the next frame is not one.
    if (!info.still) this.frameBytes = ewma(this.frameBytes, info.bytes);
    this.scaler.onSend(info);
  }

  onAck(id: number, now: number, queue?: number): void {
    if (!this.est.onAck(id, now, queue)) return;
    const was = this.congested;
    this.congested = this.est.recentRtt - this.est.minRtt > QUEUE_MS || this.est.queue > QUEUE_FRAMES;
    if (this.congested && !was) this.est.resetRate();
    const blocked = now - this.blockedAt < LIMITED_MS;
    const limited = blocked && now - this.limitedSince >= 2 * this.est.minRtt;
    this.scaler.decide(now, this.est.rate, blocked, limited, this.frameBytes);
  }

  windowFrames(): number {
    if (this.congested) return 1;
    const rtt = this.est.minRtt;
    if (!Number.isFinite(rtt)) return Math.min(this.startFrames, this.maxFrames);
    return Math.max(1, Math.min(this.maxFrames, Math.ceil(rtt / FRAME_INTERVAL_MS) + 1));
  }

  /** Bytes in flight allowed beyond the second frame: rate * minRtt * BYTES_GAIN (Infinity until measured). */
  windowBytes(): number {
    const bdp = (this.est.rate * this.est.minRtt * BYTES_GAIN) / 1000;
    return Number.isFinite(bdp) ? bdp : Infinity;
  }

  /** A frame waits; `link`: on the link's bytes or congestion (not the frame count). Returns false. */
  private block(now: number, link: boolean): false {
    // The frame-count window is our latency bound: what is sent under it measures us, not the link.
    if (link) {
      this.waited = true;
      if (now - this.blockedAt >= LIMITED_MS) this.limitedSince = now;
      this.blockedAt = now;
    }
    return false;
  }

  /** Expected bytes of the next frame: the running average of all frames. */
  private nextBytes(): number {
    return Number.isFinite(this.frameBytes) ? this.frameBytes : 0;
  }

  stats(): LinkStats {
    return {
      rttMs: this.est.lastRtt,
      minRttMs: this.est.minRtt,
      rateBytesPerSec: this.est.rate,
      windowFrames: this.windowFrames(),
      windowBytes: this.windowBytes(),
      inFlightFrames: this.est.framesInFlight,
      inFlightBytes: this.est.bytesInFlight,
      scale: this.scaler.scale,
      congested: this.congested,
      queue: this.est.queue,
    };
  }
}
