/**
 * Per-view render pump: render on demand, latest state wins, bounded frames in flight.
 *
 * Incoming state/resize only overwrite `latest` and mark the view dirty; nothing
 * is queued. A render starts when the view is dirty, no render is running, and
 * frames encoding + frames sent-but-unacked < maxInFlight. Rendering frame N+1
 * overlaps encoding frame N. Each frame goes to the encoder of its size (full or,
 * while moving, half resolution); switching size makes the frame a keyframe, and
 * frames from an encoder replaced meanwhile (resize, failure) are dropped.
 */
import type { Canvas, ViewerState } from "../../protocol/index.js";
import { encodeFrame, NapariCudaError } from "../../protocol/index.js";
import type { DecoderConfig, EncodedFrame, VideoEncoder } from "../encode/types.js";
import type { Logger } from "../log.js";
import type { RenderedFrame } from "../render/types.js";
import type { FrameCost } from "../scene/interactive.js";
import { EncoderSet } from "./encoder-set.js";
import { asNapariError } from "./socket.js";

/** A rendered frame and the multiscale level its header reports. */
export interface PumpFrame {
  frame: RenderedFrame;
  level: number;
  levelCount: number;
}

export interface PumpDeps {
  render(state: ViewerState, canvas: Canvas, signal: AbortSignal): Promise<PumpFrame>;
  release(frame: RenderedFrame): void;
  createEncoder(width: number, height: number): Promise<VideoEncoder>;
  /** The encoder produced a new SPS/PPS: the client must (re)configure before the next frame. */
  sendConfig(config: DecoderConfig, encoder: VideoEncoder): void;
  sendFrame(message: Uint8Array): boolean;
  sendError(err: NapariCudaError): void;
  bufferedAmount(): number;
  /** A frame went out: its render and encode times and render start to send (ms), for metrics. */
  observe?(t: { renderMs: number; encodeMs: number; totalMs: number }): void;
  /** The client acked a frame with its decode time: the frame's whole cost (interactive quality). */
  observeCost?(cost: FrameCost): void;
  log: Logger;
}

export interface PumpLimits {
  maxInFlight: number;
  maxBufferedBytes: number;
}

/** Canvas rounded down to even width/height (yuv420p needs even sizes). */
export function evenCanvas(c: Canvas): Canvas {
  return { ...c, width: c.width & ~1, height: c.height & ~1 };
}

/** Timings of sent frames, for stats and logs. */
export interface PumpStats {
  framesSent: number;
  keyframesSent: number;
  lastRenderMs: number;
  lastEncodeMs: number;
}

export class RenderPump {
  private state: ViewerState;
  private canvas: Canvas;
  private seq: number;
  private dirty = true;
  private forceKeyframe = true;
  private rendering = false;
  private encoding = 0;
  private unacked: number[] = [];
  /** Sent frames' costs so far, until their ack brings the client's decode time. */
  private readonly costs = new Map<number, FrameCost>();
  private nextFrameId = 1;
  private readonly encoders: EncoderSet;
  /** The encoder of the last frame sent: a frame from another one must be a keyframe. */
  private current: VideoEncoder | null = null;
  /** Settles when the previous frame was sent (or dropped): frames from two encoders go out in order. */
  private sendTail: Promise<void> = Promise.resolve();
  private unavailable = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private bufferTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly abort = new AbortController();
  readonly stats: PumpStats = { framesSent: 0, keyframesSent: 0, lastRenderMs: 0, lastEncodeMs: 0 };

  constructor(
    private readonly deps: PumpDeps,
    private readonly limits: PumpLimits,
    initial: { seq: number; state: ViewerState; canvas: Canvas },
  ) {
    this.state = initial.state;
    this.canvas = initial.canvas;
    this.seq = initial.seq;
    this.encoders = new EncoderSet((w, h) => this.deps.createEncoder(w, h));
    queueMicrotask(() => this.kick());
  }

  /** Latest state wins: store it and mark dirty. */
  setState(seq: number, state: ViewerState): void {
    this.state = state;
    this.seq = seq;
    this.markDirty();
  }

  /** New canvas size; the next frame goes to an encoder of the new (even) size, the least recently used one is stopped. */
  setCanvas(seq: number, canvas: Canvas): void {
    this.canvas = canvas;
    this.seq = seq;
    this.markDirty();
  }

  /** Layer data changed: render again with the same state. */
  markDirty(): void {
    this.dirty = true;
    this.kick();
  }

  /** Next frame is an IDR. The client lost its decoder state, so frames it has not acked are forgotten. */
  requestKeyframe(): void {
    this.forceKeyframe = true;
    this.unacked = [];
    this.markDirty();
  }

  /** Make the frame being rendered (or the next one) an IDR, e.g. on a level switch; unacked frames stay. */
  keyframeNext(): void {
    this.forceKeyframe = true;
  }

  /** The client displayed `frameId` (and, acks being cumulative, every earlier frame). */
  ack(frameId: number, decodeMs?: number): void {
    const cost = this.costs.get(frameId);
    if (cost && decodeMs !== undefined) this.deps.observeCost?.({ ...cost, ms: cost.ms + decodeMs });
    for (const id of this.costs.keys()) if (id <= frameId) this.costs.delete(id);
    if (this.unacked.length === 0) return;
    this.unacked = this.unacked.filter((id) => id > frameId);
    this.kick();
  }

  /** Frames sent and not yet acked. */
  get inFlight(): number {
    return this.unacked.length;
  }

  /** Stop: no more frames; the encoder's processes are killed. Never throws. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort();
    clearTimeout(this.retryTimer);
    clearTimeout(this.bufferTimer);
    this.current = null;
    await this.encoders.dispose();
  }

  private kick(): void {
    if (this.disposed || this.rendering || !this.dirty || this.unavailable || this.retryTimer) return;
    if (this.unacked.length + this.encoding >= this.limits.maxInFlight) return;
    if (this.deps.bufferedAmount() > this.limits.maxBufferedBytes) {
      // No event tells us when the socket drains: look again shortly.
      if (!this.bufferTimer) {
        this.bufferTimer = setTimeout(() => {
          this.bufferTimer = undefined;
          this.kick();
        }, 20);
      }
      return;
    }
    this.rendering = true;
    this.dirty = false;
    void this.produce(this.seq, this.state, evenCanvas(this.canvas));
  }

  private async produce(seq: number, state: ViewerState, canvas: Canvas): Promise<void> {
    const t0 = performance.now();
    let encoder: VideoEncoder;
    let frame: RenderedFrame | undefined;
    let levels: { level: number; levelCount: number };
    try {
      const rendered = await this.deps.render(state, canvas, this.abort.signal);
      frame = rendered.frame;
      levels = { level: rendered.level, levelCount: rendered.levelCount };
      encoder = await this.encoders.get(frame.width, frame.height);
    } catch (err) {
      this.rendering = false;
      if (frame) this.deps.release(frame);
      if (!this.disposed) this.onProduceError(err);
      return;
    }
    this.rendering = false;
    if (this.disposed) {
      this.deps.release(frame);
      return;
    }
    const keyframe = this.forceKeyframe || encoder !== this.current;
    this.forceKeyframe = false;
    this.current = encoder;
    const frameId = this.nextFrameId++;
    const previousSent = this.sendTail;
    let sent = (): void => undefined;
    this.sendTail = new Promise((resolve) => (sent = resolve));
    this.encoding++;
    let encoded: Promise<EncodedFrame>;
    try {
      encoded = encoder.encode(frame.nv12 ?? frame.rgba, { keyframe });
    } catch (err) {
      encoded = Promise.reject(err);
    }
    this.kick(); // render the next state while this one encodes
    try {
      const out = await encoded;
      // A half-resolution frame encodes faster than the full one before it: keep the order.
      await previousSent;
      if (this.disposed || !this.encoders.has(encoder)) return;
      this.failures = 0;
      if (out.config) this.deps.sendConfig(out.config, encoder);
      const message = encodeFrame(
        {
          frameId,
          seq,
          keyframe: out.keyframe,
          width: encoder.width,
          height: encoder.height,
          level: Math.min(levels.level, 255),
          levelCount: Math.min(levels.levelCount, 255),
          renderMs: frame.renderMs,
          captureMs: frame.gpu?.captureMs ?? 0,
          encodeMs: out.encodeMs,
          sentAt: Date.now(),
          marginX: 0,
          marginY: 0,
        },
        out.data,
      );
      if (this.deps.sendFrame(message)) {
        this.unacked.push(frameId);
        this.costs.set(frameId, {
          ndisplay: state.dims.ndisplay,
          pixels: encoder.width * encoder.height,
          fullPixels: canvas.width * canvas.height,
          ms: frame.renderMs + (frame.gpu?.captureMs ?? 0) + out.encodeMs,
          keyframe: out.keyframe,
        });
        this.stats.framesSent++;
        if (out.keyframe) this.stats.keyframesSent++;
        this.stats.lastRenderMs = frame.renderMs;
        this.stats.lastEncodeMs = out.encodeMs;
        this.deps.observe?.({ renderMs: frame.renderMs, encodeMs: out.encodeMs, totalMs: performance.now() - t0 });
      }
    } catch (err) {
      if (!this.disposed && this.encoders.has(encoder)) this.onEncoderFailed(err, encoder);
    } finally {
      void previousSent.then(sent);
      this.encoding--;
      this.deps.release(frame);
      this.kick();
    }
  }

  private onProduceError(err: unknown): void {
    const e = asNapariError(err);
    if (e.code === "encoder_unavailable") {
      // No ffmpeg: nothing will change by retrying. The widget shows the error.
      this.unavailable = true;
      this.deps.sendError(e);
    } else if (e.code === "encoder_failed") {
      this.onEncoderFailed(e, null);
    } else {
      this.deps.log.warn({ err: e }, "render failed");
      this.deps.sendError(e.code === "internal" ? new NapariCudaError("render_failed", e.message) : e);
    }
  }

  /** Report, drop the encoder, and retry the latest state with backoff; the next frame is a keyframe. */
  private onEncoderFailed(err: unknown, enc: VideoEncoder | null): void {
    const e = asNapariError(err);
    this.deps.log.warn({ err: e }, "encoder failed");
    this.deps.sendError(e.code === "encoder_failed" ? e : new NapariCudaError("encoder_failed", e.message));
    if (enc) this.encoders.drop(enc);
    if (enc === this.current) this.current = null;
    this.forceKeyframe = true;
    this.dirty = true;
    this.failures++;
    const delay = Math.min(5000, 50 * 2 ** Math.min(this.failures, 7));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, delay);
  }
}
