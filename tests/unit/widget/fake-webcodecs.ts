/**
 * Test helper: a stand-in for the browser's WebCodecs (node has none). The fake VideoDecoder
 * queues chunks and outputs a frame only when the test says so (emit), in any order, so ordering
 * and ack bookkeeping can be driven frame by frame. Not a mock of our code: the decoder, the set
 * and the presenter under test are the real ones.
 */
import type { FrameHeader } from "../../../src/protocol/frame.js";
import type { StreamConfig } from "../../../src/protocol/stream.js";

export class FakeFrame {
  closed = 0;
  constructor(
    readonly timestamp: number,
    readonly displayWidth: number,
    readonly displayHeight: number,
  ) {}
  close(): void {
    this.closed++;
  }
}

export class FakeChunk {
  readonly type: "key" | "delta";
  readonly timestamp: number;
  constructor(init: { type: "key" | "delta"; timestamp: number; data: Uint8Array }) {
    this.type = init.type;
    this.timestamp = init.timestamp;
  }
}

export class FakeDecoder {
  static all: FakeDecoder[] = [];
  state: "unconfigured" | "configured" | "closed" = "unconfigured";
  config: VideoDecoderConfig | null = null;
  configures = 0;
  readonly queue: FakeChunk[] = [];
  readonly frames: FakeFrame[] = [];
  private readonly output: (frame: VideoFrame) => void;
  readonly error: (err: Error) => void;

  constructor(init: { output: (frame: VideoFrame) => void; error: (err: Error) => void }) {
    this.output = init.output;
    this.error = init.error;
    FakeDecoder.all.push(this);
  }

  get decodeQueueSize(): number {
    return this.queue.length;
  }

  configure(config: VideoDecoderConfig): void {
    this.state = "configured";
    this.config = config;
    this.configures++;
  }

  decode(chunk: FakeChunk): void {
    if (this.state !== "configured") throw new Error("decode on an unconfigured decoder");
    this.queue.push(chunk);
  }

  close(): void {
    this.state = "closed";
    this.queue.length = 0;
  }

  /** Output the queued chunk of `frameId` (default: the oldest); returns the frame handed out. */
  emit(frameId?: number): FakeFrame {
    const i = frameId === undefined ? 0 : this.queue.findIndex((c) => c.timestamp === frameId * 1000);
    if (i < 0) throw new Error(`frame ${frameId} is not queued`);
    const [chunk] = this.queue.splice(i, 1);
    const frame = new FakeFrame(chunk!.timestamp, this.config!.codedWidth!, this.config!.codedHeight!);
    this.frames.push(frame);
    this.output(frame as unknown as VideoFrame);
    return frame;
  }
}

/** Install the fakes as the globals WebCodecs code uses; returns a function restoring the old ones. */
export function installWebCodecs(): () => void {
  const g = globalThis as Record<string, unknown>;
  const saved = { VideoDecoder: g["VideoDecoder"], EncodedVideoChunk: g["EncodedVideoChunk"] };
  FakeDecoder.all = [];
  g["VideoDecoder"] = FakeDecoder;
  g["EncodedVideoChunk"] = FakeChunk;
  return () => {
    g["VideoDecoder"] = saved.VideoDecoder;
    g["EncodedVideoChunk"] = saved.EncodedVideoChunk;
  };
}

/** The live (not closed) fake decoder configured for a coded size. */
export function decoderFor(width: number, height: number): FakeDecoder {
  const d = FakeDecoder.all.find(
    (x) => x.state === "configured" && x.config?.codedWidth === width && x.config?.codedHeight === height,
  );
  if (d === undefined) throw new Error(`no live decoder for ${width}x${height}`);
  return d;
}

export function config(width: number, height: number, description = "AAEC"): StreamConfig {
  return {
    type: "config",
    protocol: 2,
    session_id: "s1",
    codec: "avc1.42E01F",
    description,
    width,
    height,
    encoder: "fake",
    backend: "cpu",
    encoder_reason: "",
    backend_reason: "",
  };
}

export function header(frameId: number, width: number, height: number, keyframe = false, seq = 0): FrameHeader {
  return {
    frameId,
    seq,
    keyframe,
    width,
    height,
    level: 0,
    levelCount: 1,
    renderMs: 3,
    captureMs: 1,
    encodeMs: 2,
    sentAt: 0,
    marginX: 0,
    marginY: 0,
  };
}
