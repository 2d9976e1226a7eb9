/**
 * The stream pipeline of one view: socket -> frame parsing -> WebCodecs -> canvas, with acks
 * for every frame (displayed or dropped) so the daemon's in-flight window keeps moving.
 */
import { decodeFrame } from "../../protocol/frame.js";
import type { Canvas } from "../../protocol/state.js";
import type { StreamConfig, StreamHello, StreamMeta } from "../../protocol/stream.js";
import { FrameDecoder } from "../display/decoder.js";
import type { DisplayedFrame, ViewStats } from "../instrument/stats.js";
import { daemonErrorText } from "../hud/status.js";
import { StreamClient, type ConnectionStatus } from "./stream-client.js";
import type { StreamUrl } from "./url.js";

export interface PipelineEvents {
  status(s: ConnectionStatus): void;
  /** A readable error line (daemon error, bad frame, decoder failure). */
  error(message: string): void;
  config(cfg: StreamConfig): void;
  /** Layers, multiscale levels and loading progress of this view. */
  meta(meta: StreamMeta): void;
  displayed(f: DisplayedFrame): void;
}

export interface PipelineOptions {
  urls: readonly StreamUrl[];
  hello: () => StreamHello;
  /** Draw a decoded frame onto the view's canvas (the frame is closed afterwards). */
  draw: (frame: VideoFrame) => void;
  stats: ViewStats;
  events: PipelineEvents;
}

/** Owns the StreamClient and the FrameDecoder of one connection hand-off. */
export class StreamPipeline {
  private readonly client: StreamClient;
  private readonly decoder: FrameDecoder;

  constructor(private readonly opts: PipelineOptions) {
    const { stats, events } = opts;
    this.decoder = new FrameDecoder({
      draw: opts.draw,
      displayed: (f) => {
        stats.displayed(f);
        this.client.send({ type: "ack", frame_id: f.header.frameId, decode_ms: Math.round(f.decodeMs * 100) / 100 });
        events.displayed(f);
      },
      dropped: (frameId) => {
        stats.droppedFrame();
        this.client.send({ type: "ack", frame_id: frameId });
      },
      requestKeyframe: (reason) => this.client.send({ type: "keyframe", reason }),
      failed: (message) => events.error(message),
    });
    this.client = new StreamClient({
      urls: opts.urls,
      hello: opts.hello,
      onMessage: (msg) => {
        if (msg.type === "config") this.onConfig(msg);
        else if (msg.type === "meta") events.meta(msg);
        else if (msg.type === "error") events.error(daemonErrorText(msg));
      },
      onFrame: (data) => this.onFrame(data),
      onStatus: (s) => {
        if (s.state === "reconnecting" || s.state === "failed") this.decoder.abandon();
        events.status(s);
      },
      onProtocolError: (message) => events.error(message),
    });
  }

  start(): void {
    this.client.start();
  }

  get isOpen(): boolean {
    return this.client.isOpen;
  }

  /** Send a state snapshot (coalesced under backpressure; dropped while disconnected: hello carries it). */
  sendState(seq: number, state: StreamHello["state"]): void {
    this.client.sendState({ type: "state", seq, state });
  }

  /** Tell the daemon the canvas changed; false when not connected (the next hello carries it). */
  resize(seq: number, canvas: Canvas): boolean {
    return this.client.send({ type: "resize", seq, canvas });
  }

  dispose(): void {
    try {
      this.client.dispose();
    } finally {
      this.decoder.dispose();
    }
  }

  private onConfig(cfg: StreamConfig): void {
    this.client.markHealthy();
    try {
      this.decoder.configure(cfg);
    } catch (err) {
      this.opts.events.error(`cannot configure the video decoder: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.opts.events.config(cfg);
  }

  private onFrame(data: ArrayBuffer): void {
    this.opts.stats.received(data.byteLength, performance.now());
    let frame;
    try {
      frame = decodeFrame(data);
    } catch (err) {
      this.opts.events.error(`bad frame from the daemon: ${err instanceof Error ? err.message : String(err)}`);
      this.client.send({ type: "keyframe", reason: "bad_frame" });
      return;
    }
    this.decoder.push(frame.header, frame.payload, data.byteLength);
  }
}
