/**
 * One warm FrameDecoder per coded size and kind: the daemon streams a moving view at half (or
 * quarter) resolution, a resting one at full resolution and its 4:4:4 still, each from its own
 * encoder; switching between them costs no decoder rebuild and no keyframe (each decoder keeps its
 * encoder's last frame). Frames are routed by their header's width x height and still flag.
 */
import type { FrameHeader } from "../../protocol/frame.js";
import { isStillCodec } from "../../protocol/codecs.js";
import type { KeyframeTarget, StreamConfig } from "../../protocol/stream.js";
import { FrameDecoder, type DecoderSink } from "./decoder.js";

/** Decoders kept warm at once (least recently used is closed first): the daemon's encoders per view. */
export const MAX_WARM_DECODERS = 4;
/** Configs remembered per size, so an evicted size can be decoded again after a keyframe. */
const MAX_CONFIGS = 8;

/** Decoders are per coded size, and stills (High 4:4:4, same size as full frames) get their own. */
const sizeKey = (width: number, height: number, still = false): string => `${width}x${height}${still ? "s" : ""}`;

/** A Map used as an LRU: get() moves the entry to the back, set() evicts from the front. */
function touch<V>(map: Map<string, V>, key: string): V | undefined {
  const v = map.get(key);
  if (v !== undefined) {
    map.delete(key);
    map.set(key, v);
  }
  return v;
}

/** The decoders of one connection, by coded size. */
export class DecoderSet {
  private readonly decoders = new Map<string, FrameDecoder>();
  private readonly configs = new Map<string, StreamConfig>();
  /** Sizes whose frames came without a config: a keyframe was asked for once. */
  private readonly asked = new Set<string>();
  private disposed = false;

  constructor(
    private readonly sink: DecoderSink,
    private readonly maxWarm = MAX_WARM_DECODERS,
    private readonly now?: () => number,
  ) {}

  /** Number of live decoders. */
  get size(): number {
    return this.decoders.size;
  }

  /** Frames handed to the browser's decoders and not yet output (the ack's `queue`). */
  get queueSize(): number {
    let n = 0;
    for (const d of this.decoders.values()) n += d.queueSize;
    return n;
  }

  /** A config for one coded size: (re)configures only that size's decoder, only when it changed. */
  configure(msg: StreamConfig): void {
    if (this.disposed) return;
    const key = sizeKey(msg.width, msg.height, isStillCodec(msg.codec));
    this.configs.delete(key);
    this.configs.set(key, msg);
    while (this.configs.size > MAX_CONFIGS) this.configs.delete(this.configs.keys().next().value!);
    this.asked.delete(key);
    const target = { width: msg.width, height: msg.height, still: isStillCodec(msg.codec) };
    (touch(this.decoders, key) ?? this.create(key, target)).configure(msg);
  }

  /** Route a frame to its size's decoder; a size never configured is dropped (acked). */
  push(header: FrameHeader, payload: Uint8Array, bytes: number): void {
    if (this.disposed) {
      this.sink.dropped(header.frameId);
      return;
    }
    const target = { width: header.width, height: header.height, still: header.still === true };
    const key = sizeKey(target.width, target.height, target.still);
    let d = touch(this.decoders, key);
    if (d === undefined) {
      const cfg = this.configs.get(key);
      if (cfg === undefined) {
        this.sink.dropped(header.frameId);
        if (!this.asked.has(key)) {
          this.asked.add(key);
          this.sink.requestKeyframe("no_config", target);
        }
        return;
      }
      // Evicted earlier: rebuild from its config; its references are gone, so ask for a keyframe.
      d = this.create(key, target);
      d.configure(cfg);
      if (!header.keyframe) this.sink.requestKeyframe("decoder_evicted", target);
    }
    d.push(header, payload, bytes);
  }

  /** The connection dropped: close every decoder without acks; the next session sends new configs. */
  abandon(): void {
    for (const d of this.decoders.values()) d.dispose();
    this.decoders.clear();
    this.configs.clear();
    this.asked.clear();
  }

  /** Close every decoder; safe to call twice; never throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.abandon();
  }

  /** A decoder for frames of `target`'s size and kind; its keyframe requests name them. */
  private create(key: string, target: KeyframeTarget): FrameDecoder {
    while (this.decoders.size >= this.maxWarm) {
      const [oldest, d] = this.decoders.entries().next().value!;
      this.decoders.delete(oldest);
      d.retire();
    }
    const base = this.sink;
    const sink: DecoderSink = {
      decoded: (frame, info, decodeMs) => base.decoded(frame, info, decodeMs),
      dropped: (id) => base.dropped(id),
      requestKeyframe: (reason) => base.requestKeyframe(reason, target),
      failed: (message) => base.failed(message),
    };
    const d = new FrameDecoder(sink, this.now);
    this.decoders.set(key, d);
    return d;
  }
}
