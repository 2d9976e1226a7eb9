/**
 * Per-view render pump: render on demand, latest state wins, frames in flight bounded by the link.
 *
 * Incoming state/resize only overwrite `latest` and mark the view dirty; nothing
 * is queued. A render starts when the view is dirty, no render is running, and the link's
 * window allows one more frame (link-control.ts: frames and bytes in flight, from the measured
 * round trip and delivery rate). Rendering frame N+1 overlaps encoding frame N. Each frame goes
 * to the encoder of its kind (full, half or quarter resolution, or the still; overscan margins
 * included in the size); switching encoder needs no keyframe (the widget decodes each encoder's
 * frames with its own warm decoder), and frames from an encoder replaced meanwhile (resize,
 * failure) are dropped. After a frame at rest, the encoder of the size the next drag starts with is
 * opened as a spare (encoder-set.ts), so the drag's first frame does not wait for an ffmpeg start.
 * Keyframe requests are rate-limited (keyframe-gate.ts) and, like every frame, wait for the link's window. No message above MAX_FRAME_MESSAGE_BYTES goes out (encode/bound.ts: the
 * proxy's 10 MiB limit). With the daemon's encoders all taken (encoder_limit) the view says so once and
 * tries again every ENCODER_LIMIT_RETRY_MS.
 */
import type { Canvas, KeyframeTarget, Overscan, ViewerState } from "../../protocol/index.js";
import { encodeFrame, NapariCudaError } from "../../protocol/index.js";
import { MAX_FRAME_MESSAGE_BYTES } from "../encode/bound.js";
import type { EncodedFrame, VideoEncoder } from "../encode/types.js";
import type { RenderedFrame } from "../render/types.js";
import { EncoderSet } from "./encoder-set.js";
import { KEYFRAME_INTERVAL_MS, KeyframeGate, type KeyframeRequests } from "./keyframe-gate.js";
import type { LinkStats } from "./link-control.js";
import { clampMargins } from "./overscan.js";
import { FrameLedger } from "./pump-ledger.js";
import {
  evenCanvas,
  type PumpDeps,
  type PumpFrame,
  type PumpLimits,
  type PumpStats,
  type ViewRequest,
} from "./pump-types.js";
import { asNapariError } from "./socket.js";

export { evenCanvas } from "./pump-types.js";
export type { PumpDeps, PumpFrame, PumpLimits, PumpStats, ViewRequest } from "./pump-types.js";

/** A view refused an encoder (encoder_limit) tries again this often. */
export const ENCODER_LIMIT_RETRY_MS = 1000;

export class RenderPump {
  private state: ViewerState;
  private canvas: Canvas;
  private overscan: Overscan | undefined;
  private seq: number;
  private dirty = true;
  /** The next frame is an IDR whatever its encoder (a level switch, an encoder failure). */
  private forceKeyframe = true;
  /**
   * Bumped when the client lost decoder state (it asked for a keyframe): each encoder's next frame is
   * then an IDR. Otherwise a switch between encoders (full <-> half, the still) needs none: the
   * widget keeps one warm decoder per coded size and kind, each still holding that encoder's last
   * frame. A keyframe per switch also swapped in a standby ffmpeg and started another in the background,
   * which on this 2-core machine delayed the first frames of every drag by ~100-250 ms.
   */
  private keyEpoch = 0;
  /** Per encoder, the keyEpoch of its last IDR (absent: it has sent none, its first frame is one). */
  private readonly keyedAt = new WeakMap<VideoEncoder, number>();
  private rendering = false;
  private encoding = 0;
  private readonly ledger: FrameLedger;
  private nextFrameId = 1;
  private readonly encoders: EncoderSet;
  /** Settles when the previous frame was sent (or dropped): frames from two encoders go out in order. */
  private sendTail: Promise<void> = Promise.resolve();
  private unavailable = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private bufferTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly abort = new AbortController();
  private readonly keyGate: KeyframeGate;
  /** The encoder_limit error was sent and no frame went out since: do not repeat it every retry. */
  private limitReported = false;

  constructor(
    private readonly deps: PumpDeps,
    private readonly limits: PumpLimits,
    initial: { seq: number; state: ViewerState; canvas: Canvas; overscan?: Overscan },
  ) {
    this.state = initial.state;
    this.canvas = initial.canvas;
    this.overscan = initial.overscan;
    this.seq = initial.seq;
    this.ledger = new FrameLedger(deps, limits.maxInFlight, limits.startInFlight ?? 2);
    this.encoders = new EncoderSet((w, h, still, spare) => this.deps.createEncoder(w, h, still, spare));
    this.keyGate = new KeyframeGate(limits.keyframeIntervalMs ?? KEYFRAME_INTERVAL_MS, (keys) => this.rekey(keys));
    queueMicrotask(() => this.kick());
  }

  /** Latest state (and the overscan the view asks for with it; absent: none) wins: store it and mark dirty. */
  setState(seq: number, state: ViewerState, overscan?: Overscan): void {
    this.state = state;
    this.overscan = overscan;
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

  /**
   * The client lost decoder state: the next frame of the encoder of `target` (its coded size and
   * kind) is an IDR, or without a target every encoder's (one request must not swap in a standby
   * ffmpeg for all four). Frames in flight stay counted: the widget acks every frame, the ones it
   * drops while waiting for the keyframe too (forgetting them reopened the window on top of frames
   * still on the wire, while the browser was behind).
   */
  requestKeyframe(target?: KeyframeTarget): void {
    this.keyGate.request(target);
  }

  /** Honour keyframe requests (KeyframeGate); the frame waits for the link's window like any other. */
  private rekey(keys: KeyframeRequests): void {
    if (keys.all) this.keyEpoch++;
    else {
      for (const t of keys.targets) {
        const enc = this.encoders.peek(t.width, t.height, t.still);
        // No such encoder open: its next one starts with an IDR anyway.
        if (enc !== undefined) this.keyedAt.delete(enc);
      }
    }
    this.markDirty();
  }

  /** Make the frame being rendered (or the next one) an IDR, e.g. on a level switch; unacked frames stay. */
  keyframeNext(): void {
    this.forceKeyframe = true;
  }

  /** The client displayed `frameId` (and, acks being cumulative, every earlier frame); `queue`: its decode queue. */
  ack(frameId: number, decodeMs?: number, queue?: number): void {
    if (this.ledger.ack(frameId, performance.now(), decodeMs, queue)) this.kick();
  }

  /** Frames sent and not yet acked. */
  get inFlight(): number {
    return this.ledger.link.est.framesInFlight;
  }

  /** Frame counts and timings, and the link's estimates as of the last ack. */
  get stats(): PumpStats {
    return this.ledger.stats;
  }

  /** The link's estimates now. */
  linkStats(): LinkStats {
    return this.ledger.link.stats();
  }

  /** Stop: no more frames; the encoder's processes are killed. Never throws. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort();
    clearTimeout(this.retryTimer);
    clearTimeout(this.bufferTimer);
    this.keyGate.dispose();
    await this.encoders.dispose();
  }

  private kick(): void {
    if (this.disposed || this.rendering || !this.dirty || this.unavailable || this.retryTimer) return;
    if (!this.ledger.link.allows(this.encoding, performance.now())) return;
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
    const canvas = evenCanvas(this.canvas);
    void this.produce(this.seq, {
      state: this.state,
      canvas,
      margins: clampMargins(this.overscan, canvas, this.limits.overscanMaxArea ?? 1),
      linkScale: this.ledger.link.scale,
      stills: this.limits.stills?.() === true,
    });
  }

  private async produce(seq: number, req: ViewRequest): Promise<void> {
    const t0 = performance.now();
    const { state } = req;
    let encoder: VideoEncoder;
    let frame: RenderedFrame | undefined;
    let rendered: PumpFrame;
    try {
      rendered = await this.deps.render(req, this.abort.signal);
      frame = rendered.frame;
      encoder = await this.encoders.get(frame.width, frame.height, rendered.still === true);
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
    const keyframe = this.forceKeyframe || (this.keyedAt.get(encoder) ?? -1) < this.keyEpoch;
    this.forceKeyframe = false;
    if (keyframe) this.keyedAt.set(encoder, this.keyEpoch);
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
      if (this.disposed) return;
      if (!this.encoders.has(encoder) || out.dropped === true) {
        // Replaced meanwhile (a coarser re-encode, or stopped for another view): draw the latest state again.
        if (out.dropped === true || encoder.closed === true) this.dirty = true;
        return;
      }
      this.failures = 0;
      this.limitReported = false;
      if (out.config) this.deps.sendConfig(out.config, encoder);
      const message = encodeFrame(
        {
          frameId,
          seq,
          keyframe: out.keyframe,
          width: encoder.width,
          height: encoder.height,
          level: Math.min(rendered.level, 255),
          levelCount: Math.min(rendered.levelCount, 255),
          renderMs: frame.renderMs,
          captureMs: frame.gpu?.captureMs ?? 0,
          encodeMs: out.encodeMs,
          sentAt: Date.now(),
          marginX: rendered.marginX ?? 0,
          marginY: rendered.marginY ?? 0,
          still: rendered.still === true,
        },
        out.data,
      );
      if (message.byteLength > MAX_FRAME_MESSAGE_BYTES) {
        // The encoder bounds its frames; this is the last guard: such a message would close the proxied
        // socket. Start that encoder afresh (its next frame is an IDR) and draw the latest state again.
        this.deps.log.warn(
          { bytes: message.byteLength, bound: MAX_FRAME_MESSAGE_BYTES, width: encoder.width, height: encoder.height },
          "frame over the message bound not sent",
        );
        this.encoders.drop(encoder);
        this.forceKeyframe = true;
        this.dirty = true;
        return;
      }
      if (this.deps.sendFrame(message)) {
        const { width, height } = encoder;
        const record = {
          frameId,
          rendered,
          ndisplay: state.dims.ndisplay,
          width,
          height,
          out,
          bytes: message.byteLength,
        };
        this.ledger.sent(record, performance.now());
        this.deps.observe?.({ renderMs: frame.renderMs, encodeMs: out.encodeMs, totalMs: performance.now() - t0 });
        if (rendered.moving !== true && rendered.still !== true) this.warmMovingEncoder(req);
      }
    } catch (err) {
      if (!this.disposed && this.encoders.has(encoder)) this.onEncoderFailed(err, encoder);
      else if (encoder.closed === true) this.dirty = true; // stopped for another view: draw again on a new one
    } finally {
      void previousSent.then(sent);
      this.encoding--;
      this.deps.release(frame);
      this.kick();
    }
  }

  /**
   * A frame at rest went out: open the encoder the next drag's first frame needs (a spare, EncoderSet.warm),
   * so that frame does not wait for an ffmpeg start (bench, remote link: its age was 381-425 ms).
   */
  private warmMovingEncoder(req: ViewRequest): void {
    if (this.deps.movingSize) this.encoders.warm(this.deps.movingSize(req));
  }

  private onProduceError(err: unknown): void {
    const e = asNapariError(err);
    if (e.code === "encoder_unavailable") {
      // No ffmpeg: nothing will change by retrying. The widget shows the error.
      this.unavailable = true;
      this.deps.sendError(e);
    } else if (e.code === "encoder_failed") {
      this.onEncoderFailed(e, null);
    } else if (e.code === "encoder_limit") {
      // Every encoder of the daemon is taken: say so once, and try again while the view waits.
      if (!this.limitReported) this.deps.sendError(e);
      this.limitReported = true;
      this.dirty = true;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.kick();
      }, ENCODER_LIMIT_RETRY_MS);
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
