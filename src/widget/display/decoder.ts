/**
 * WebCodecs decoding of the daemon's H.264 frames of one coded size (decoders.ts keeps one per
 * size, warm). Decoded frames are handed to the sink, which owns (and closes) them.
 */
import type { FrameHeader } from "../../protocol/frame.js";
import type { KeyframeTarget, StreamConfig } from "../../protocol/stream.js";
import { base64ToBytes } from "../stream/base64.js";
import { FrameBook, type InFlight } from "./frame-book.js";

/** Above this many queued decodes a delta frame is dropped and a keyframe requested. */
export const MAX_DECODE_QUEUE = 3;
/** Consecutive decoder failures (without an output frame in between) before giving up until the next config. */
export const MAX_DECODER_FAILURES = 3;

/** Where decoded frames and decoder events go. */
export interface DecoderSink {
  /** A decoded frame and its record; the sink owns the frame and must close it. */
  decoded(frame: VideoFrame, info: InFlight, decodeMs: number): void;
  /** A frame that will not be displayed: ack it so the daemon's in-flight window moves on. */
  dropped(frameId: number): void;
  /** Ask the daemon for a keyframe; `target`: only for the frames of this size and kind. */
  requestKeyframe(reason: string, target?: KeyframeTarget): void;
  /** Decoding stopped (until the next config); `message` is shown to the user. */
  failed(message: string): void;
}

/** What makes two configs decode alike: a config equal to the current one keeps the decoder warm. */
function configKey(msg: StreamConfig): string {
  return `${msg.codec}|${msg.width}x${msg.height}|${msg.description}`;
}

/** Owns one VideoDecoder at a time for one coded size; recreates it after errors. */
/** The error a browser reports when it closes an idle decoder to free resources. */
function isReclaim(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "QuotaExceededError";
}

export class FrameDecoder {
  private decoder: VideoDecoder | null = null;
  private config: VideoDecoderConfig | null = null;
  private key: string | null = null;
  private readonly book = new FrameBook();
  private failures = 0;
  private stopped = false;
  private disposed = false;
  /** The browser reclaimed the idle decoder: rebuilt on the next frame. */
  private reclaimed = false;

  constructor(
    private readonly sink: DecoderSink,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Frames handed to the browser's decoder and not yet output. */
  get queueSize(): number {
    const d = this.decoder;
    return d !== null && d.state === "configured" ? d.decodeQueueSize : 0;
  }

  /**
   * Apply a config message from the daemon. The same codec, size and description as the current
   * config keeps the decoder and its references (a new encoder of the same size starts with a
   * keyframe anyway); anything else rebuilds it and decoding restarts at the next keyframe.
   */
  configure(msg: StreamConfig): void {
    if (this.disposed) return;
    const key = configKey(msg);
    if (key === this.key && !this.stopped && this.decoder?.state === "configured") return;
    this.config = {
      codec: msg.codec,
      description: base64ToBytes(msg.description),
      codedWidth: msg.width,
      codedHeight: msg.height,
      optimizeForLatency: true,
      hardwareAcceleration: "no-preference",
    };
    this.key = key;
    this.failures = 0;
    this.stopped = false;
    this.reconfigure();
  }

  /** Decode one frame (or drop it, acked, while waiting for a keyframe or when backed up). */
  push(header: FrameHeader, payload: Uint8Array, bytes: number): void {
    if (this.reclaimed && !this.disposed && !this.stopped) {
      // The browser closed this idle decoder: build it again; its references are gone.
      this.reclaimed = false;
      this.reconfigure();
      if (!header.keyframe) this.sink.requestKeyframe("decoder_reclaimed");
    }
    const d = this.decoder;
    if (this.disposed || this.stopped || d === null || d.state !== "configured") {
      this.sink.dropped(header.frameId);
      return;
    }
    if (!header.keyframe && !this.book.waitingForKeyframe && d.decodeQueueSize >= MAX_DECODE_QUEUE) {
      this.book.requireKeyframe();
      this.sink.requestKeyframe("decode_backlog");
    }
    if (!this.book.admit(header.keyframe)) {
      this.sink.dropped(header.frameId);
      return;
    }
    this.book.add(header.frameId, { header, bytes, decodeStart: this.now() });
    try {
      d.decode(
        new EncodedVideoChunk({
          type: header.keyframe ? "key" : "delta",
          timestamp: header.frameId * 1000,
          data: payload,
        }),
      );
    } catch (err) {
      this.fail(err);
    }
  }

  /** Close the decoder and ack its in-flight frames as dropped (evicted from the warm set). */
  retire(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.closeDecoder();
    for (const id of this.book.drain()) this.sink.dropped(id);
  }

  /**
   * Close the decoder and forget in-flight frames without acking them: the connection dropped,
   * their ids belong to the old daemon session. Safe to call twice; never throws.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.closeDecoder();
    this.book.drain();
  }

  private reconfigure(): void {
    this.closeDecoder();
    for (const id of this.book.drain()) this.sink.dropped(id);
    this.book.requireKeyframe();
    if (this.config === null) return;
    const decoder = new VideoDecoder({
      output: (frame) => this.output(decoder, frame),
      error: (err) => {
        if (this.decoder !== decoder) return;
        if (isReclaim(err)) this.reclaim();
        else this.fail(err);
      },
    });
    this.decoder = decoder;
    try {
      decoder.configure(this.config);
    } catch (err) {
      this.fail(err);
    }
  }

  private output(decoder: VideoDecoder, frame: VideoFrame): void {
    if (this.disposed || decoder !== this.decoder) {
      frame.close();
      return;
    }
    const { frame: info, skipped } = this.book.take(Math.round(frame.timestamp / 1000));
    for (const id of skipped) this.sink.dropped(id);
    if (info === undefined) {
      frame.close();
      return;
    }
    this.failures = 0;
    try {
      this.sink.decoded(frame, info, this.now() - info.decodeStart);
    } catch (err) {
      frame.close(); // closing twice is harmless; a frame left open would stall the decoder
      throw err;
    }
  }

  /**
   * Chrome closes a decoder that decoded nothing for a while in a hidden tab ("reclaimed due to
   * inactivity"): not a failure. A warm decoder of a size not streamed lately (the half-size one at
   * rest) is closed until its next frame, which rebuilds it; counted as failures, four reclaims
   * stopped it for good.
   */
  private reclaim(): void {
    this.closeDecoder();
    for (const id of this.book.drain()) this.sink.dropped(id);
    this.book.requireKeyframe();
    this.reclaimed = true;
  }

  private fail(err: unknown): void {
    if (this.disposed) return;
    const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.failures++;
    if (this.failures > MAX_DECODER_FAILURES) {
      this.stopped = true;
      this.closeDecoder();
      for (const id of this.book.drain()) this.sink.dropped(id);
      this.sink.failed(`video decoder failed ${this.failures} times in a row (${why})`);
      return;
    }
    this.reconfigure();
    this.sink.requestKeyframe("decoder_error");
  }

  private closeDecoder(): void {
    const d = this.decoder;
    this.decoder = null;
    if (d !== null && d.state !== "closed") {
      try {
        d.close();
      } catch {
        // Closing an already-broken decoder can throw; nothing is left to release.
      }
    }
  }
}
