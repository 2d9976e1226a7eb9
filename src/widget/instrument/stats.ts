/** Per-view stream statistics: what the HUD shows and what the benchmark hook reads. */
import type { FrameHeader } from "../../protocol/frame.js";
import { percentile, RateWindow, SampleBuffer } from "./samples.js";
import { SeqTracker } from "./seq-tracker.js";

export const SAMPLE_CAPACITY = 2000;

/** One displayed frame, as the decoder reports it. */
export interface DisplayedFrame {
  header: FrameHeader;
  /** Size of the binary message (header + payload). */
  bytes: number;
  /** From decode() to the decoder's output callback, ms. */
  decodeMs: number;
  /** performance.now() when the frame was drawn. */
  displayedAt: number;
  /** Date.now() when the frame was drawn (the daemon's clock domain, for the frame's age); absent: not measured. */
  displayedWall?: number;
}

/** Summary of the recent samples (ms unless named otherwise); null where there are no samples. */
export interface StatsSummary {
  frames: number;
  keyframes: number;
  dropped: number;
  fps: number;
  bytes: number;
  bytes_per_s: number;
  m2p_samples: number;
  m2p_p50_ms: number | null;
  m2p_p95_ms: number | null;
  decode_ms_p50: number | null;
  render_ms_p50: number | null;
  capture_ms_p50: number | null;
  encode_ms_p50: number | null;
  /** Render start of the daemon's frame to its display (same host: one wall clock). */
  frame_age_ms_p50: number | null;
  frame_age_ms_max: number | null;
  /** Warped (predicted) draws, and whether a prediction is on screen now. */
  predicted: number;
  uncovered: number;
  predicting: boolean;
  last_seq: number;
  level: number;
  level_count: number;
  width: number;
  height: number;
}

/** Counters, bounded sample buffers and m2p matching for one view. */
export class ViewStats {
  frames = 0;
  keyframes = 0;
  dropped = 0;
  bytes = 0;
  lastFrameAt: number | null = null;
  lastHeader: FrameHeader | null = null;
  readonly m2p = new SampleBuffer(SAMPLE_CAPACITY);
  readonly decodeMs = new SampleBuffer(SAMPLE_CAPACITY);
  readonly renderMs = new SampleBuffer(SAMPLE_CAPACITY);
  readonly captureMs = new SampleBuffer(SAMPLE_CAPACITY);
  readonly encodeMs = new SampleBuffer(SAMPLE_CAPACITY);
  /** Per drawn daemon frame: wall time at display minus the daemon's render start (ms). */
  readonly frameAgeMs = new SampleBuffer(SAMPLE_CAPACITY);
  /** Draws of a stored frame warped to a newer camera (client-side prediction). */
  predicted = 0;
  /** Predicted draws that left part of the canvas black (beyond the overscan). */
  uncovered = 0;
  private predictingNow = false;
  private readonly predictingListeners = new Set<(on: boolean) => void>();
  readonly seqs = new SeqTracker();
  /** Frames displayed per coded size, "WxH" -> count. */
  readonly sizes = new Map<string, number>();
  private readonly fpsWindow = new RateWindow(1000);
  private readonly byteWindow = new RateWindow(1000);

  /** A binary frame message arrived (counted whether or not it is displayed). */
  received(bytes: number, now: number): void {
    this.bytes += bytes;
    this.byteWindow.add(now, bytes);
  }

  /** A frame was not displayed (waiting for a keyframe, decoder reset, backlog). */
  droppedFrame(): void {
    this.dropped++;
  }

  /** A frame was drawn; returns its motion-to-photon time when it showed a new input, else null. */
  displayed(f: DisplayedFrame): number | null {
    this.frames++;
    if (f.header.keyframe) this.keyframes++;
    this.lastFrameAt = f.displayedAt;
    this.lastHeader = f.header;
    this.fpsWindow.add(f.displayedAt);
    this.decodeMs.push(f.decodeMs);
    this.renderMs.push(f.header.renderMs);
    this.captureMs.push(f.header.captureMs);
    this.encodeMs.push(f.header.encodeMs);
    const size = `${f.header.width}x${f.header.height}`;
    this.sizes.set(size, (this.sizes.get(size) ?? 0) + 1);
    const m2p = this.seqs.displayed(f.header.seq, f.displayedAt);
    if (m2p !== null) this.m2p.push(m2p);
    const h = f.header;
    // A still re-sends a resting view sharper (large, slow on a thin link): it shows nothing older
    // than what is on screen, so only frames of a changing view count as frame age.
    if (f.displayedWall !== undefined && h.sentAt > 0 && h.still !== true) {
      this.frameAgeMs.push(f.displayedWall - (h.sentAt - h.renderMs - h.encodeMs - h.captureMs));
    }
    return m2p;
  }

  /** A non-identity warp of a stored frame is on screen now (a prediction). */
  get predicting(): boolean {
    return this.predictingNow;
  }

  /**
   * A draw happened: `warped` when it showed a prediction (counted), else the real picture;
   * `covered`: the picture covered the whole canvas (a prediction that did not shows black edges:
   * the overscan was too small for that move, counted in `uncovered`).
   */
  drew(warped: boolean, covered = true): void {
    if (warped) this.predicted++;
    if (warped && !covered) this.uncovered++;
    if (warped === this.predictingNow) return;
    this.predictingNow = warped;
    for (const fn of [...this.predictingListeners]) fn(warped);
  }

  /** Listen to `predicting` turning on or off; returns the unsubscriber. */
  onPredicting(fn: (on: boolean) => void): () => void {
    this.predictingListeners.add(fn);
    return () => this.predictingListeners.delete(fn);
  }

  /** Frames displayed in the last second. */
  fps(now: number): number {
    return this.fpsWindow.rate(now);
  }

  summary(now: number): StatsSummary {
    const h = this.lastHeader;
    return {
      frames: this.frames,
      keyframes: this.keyframes,
      dropped: this.dropped,
      fps: this.fps(now),
      bytes: this.bytes,
      bytes_per_s: this.byteWindow.rate(now),
      m2p_samples: this.m2p.values.length,
      m2p_p50_ms: percentile(this.m2p.values, 50),
      m2p_p95_ms: percentile(this.m2p.values, 95),
      decode_ms_p50: percentile(this.decodeMs.values, 50),
      render_ms_p50: percentile(this.renderMs.values, 50),
      capture_ms_p50: percentile(this.captureMs.values, 50),
      encode_ms_p50: percentile(this.encodeMs.values, 50),
      frame_age_ms_p50: percentile(this.frameAgeMs.values, 50),
      frame_age_ms_max: this.frameAgeMs.values.length > 0 ? Math.max(...this.frameAgeMs.values) : null,
      predicted: this.predicted,
      uncovered: this.uncovered,
      predicting: this.predictingNow,
      last_seq: h?.seq ?? 0,
      level: h?.level ?? 0,
      level_count: h?.levelCount ?? 1,
      width: h?.width ?? 0,
      height: h?.height ?? 0,
    };
  }

  /** Clear samples and counters (a benchmark starts a measurement window); pending input seqs are kept. */
  reset(): void {
    this.frames = 0;
    this.keyframes = 0;
    this.dropped = 0;
    this.bytes = 0;
    this.predicted = 0;
    this.uncovered = 0;
    for (const b of [this.m2p, this.decodeMs, this.renderMs, this.captureMs, this.encodeMs, this.frameAgeMs]) b.clear();
    this.fpsWindow.clear();
    this.byteWindow.clear();
    this.sizes.clear();
  }
}
