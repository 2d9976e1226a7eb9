/**
 * The link's share of the frame scale for one view (link-control.ts measures and calls it).
 *
 * Scale (frames while the view moves; at rest frames are full resolution): when frames have been
 * waiting on the link's bytes or congestion (link-control.ts: gaps under LIMITED_MS) for two round trips, long enough
 * for the rate to grow 4x at gain 2, and the bytes a frame takes at the current scale times TARGET_FPS
 * exceed the rate, the next coarser scale (2 = half, 4 = quarter). Back one step when the finer
 * scale's estimated need is below UP_SHARE of the rate. A link that got faster shows only to frames
 * that need more than the coarse ones do, so a probe also goes one step finer after probeEvery ms at
 * a scale (PROBE_MS, doubling up to PROBE_MAX_MS each time a probe fails within PROBE_FAIL_MS).
 * Changes are SCALE_DWELL_MS apart (each new scale size starts its encoder with a keyframe).
 */
import type { FrameScale } from "../scene/interactive.js";

/** Frame rate the window and the scale aim for while the view moves (the floor is 24). */
export const TARGET_FPS = 30;
export const SCALE_DWELL_MS = 500;
export const UP_SHARE = 0.75;
export const PROBE_MS = 2000;
export const PROBE_MAX_MS = 16_000;
export const PROBE_FAIL_MS = 1500;
/** Bytes of a frame one scale step finer (4x the pixels), when not measured: x264 measured ~3x here. */
const STEP_BYTES = 3;
const BYTES_ALPHA = 0.25;

/** What the pump reports about each frame it sent. */
export interface SentInfo {
  bytes: number;
  scale: FrameScale;
  keyframe: boolean;
  /** Drawn while the view moved (its scale says what moving frames cost). */
  moving: boolean;
  /** A still (4:4:4) frame: never a sample of moving frames' bytes. */
  still: boolean;
}

export class LinkScale {
  /** Running average of delta frames' bytes per scale while moving. */
  private readonly movingBytes = new Map<FrameScale, number>();
  /** Scale of the last frame sent while moving; null after one at rest. */
  private movingScale: FrameScale | null = null;
  private linkScale: FrameScale = 1;
  private changedAt = -Infinity;
  private probing = false;
  private probeEvery = PROBE_MS;

  /** The scale the link asks for while the view moves. */
  get scale(): FrameScale {
    return this.linkScale;
  }

  onSend(info: SentInfo): void {
    this.movingScale = info.moving ? info.scale : null;
    if (info.moving && !info.keyframe && !info.still) {
      this.movingBytes.set(info.scale, ewma(this.movingBytes.get(info.scale) ?? NaN, info.bytes));
    }
  }

  /**
   * After an ack: `rate` the delivery rate (bytes/s); `blocked` frames waited on the link lately;
   * `limited` they have for two round trips; `frameBytes` the average frame (when no scale is measured).
   */
  decide(now: number, rate: number, blocked: boolean, limited: boolean, frameBytes: number): void {
    if (this.movingScale === null || !Number.isFinite(rate)) return;
    const since = now - this.changedAt;
    if (this.probing && since >= PROBE_FAIL_MS) {
      this.probing = false;
      this.probeEvery = PROBE_MS;
    }
    if (since < SCALE_DWELL_MS) return;
    const cur = Math.max(this.linkScale, this.movingScale) as FrameScale;
    if (limited && cur < 4 && this.need(cur, frameBytes) > rate) {
      if (this.probing) this.probeEvery = Math.min(PROBE_MAX_MS, this.probeEvery * 2);
      this.set((cur * 2) as FrameScale, false, now);
    } else if (!blocked && this.linkScale > 1) {
      const finer = (this.linkScale / 2) as FrameScale;
      if (this.need(finer, frameBytes) < rate * UP_SHARE) this.set(finer, false, now);
      else if (since >= this.probeEvery) this.set(finer, true, now);
    }
  }

  private set(scale: FrameScale, probe: boolean, now: number): void {
    this.linkScale = scale;
    this.changedAt = now;
    this.probing = probe;
  }

  /** Bytes per second moving frames at `scale` need at TARGET_FPS (from the nearest measured scale). */
  private need(scale: FrameScale, frameBytes: number): number {
    let nearest: [FrameScale, number] | null = null;
    for (const [s, bytes] of this.movingBytes) {
      if (!nearest || Math.abs(Math.log2(s / scale)) < Math.abs(Math.log2(nearest[0] / scale))) nearest = [s, bytes];
    }
    if (!nearest) return (Number.isFinite(frameBytes) ? frameBytes : 0) * TARGET_FPS;
    return nearest[1] * STEP_BYTES ** Math.log2(nearest[0] / scale) * TARGET_FPS;
  }
}

/** Running average with weight BYTES_ALPHA for the new sample (the sample alone when there is none). */
export function ewma(prev: number, sample: number): number {
  return Number.isFinite(prev) ? prev + BYTES_ALPHA * (sample - prev) : sample;
}
