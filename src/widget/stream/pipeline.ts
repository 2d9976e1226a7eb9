/**
 * The stream pipeline of one view: socket -> frame parsing -> WebCodecs (one decoder per coded
 * size) -> the presenter, which draws the newest frame on the display clock; with acks for every
 * frame (displayed or dropped) so the daemon's in-flight window keeps moving; and
 * requests matched with their replies: pick (the status bar's value under the cursor) and range
 * (the panel's auto-contrast: the [min, max] of the data on screen).
 */
import { decodeFrame, type FrameHeader } from "../../protocol/frame.js";
import type { Canvas } from "../../protocol/state.js";
import type {
  Overscan,
  StreamConfig,
  StreamHello,
  StreamMeta,
  StreamRange,
  StreamSync,
  StreamValue,
} from "../../protocol/stream.js";
import { DecoderSet } from "../display/decoders.js";
import { FrameClock } from "../display/frame-clock.js";
import { Presenter } from "../display/presenter.js";
import type { DisplayedFrame, ViewStats } from "../instrument/stats.js";
import { daemonErrorText } from "../hud/status.js";
import { Replies } from "./replies.js";
import { StreamClient, type ConnectionStatus, type SocketFactory } from "./stream-client.js";
import type { StreamUrl } from "./url.js";

export interface PipelineEvents {
  status(s: ConnectionStatus): void;
  /** A readable error line (daemon error, bad frame, decoder failure). */
  error(message: string): void;
  config(cfg: StreamConfig): void;
  /** Layers, multiscale levels and loading progress of this view. */
  meta(meta: StreamMeta): void;
  displayed(f: DisplayedFrame): void;
  /**
   * Another view of the same viewer moved the camera or dims: this view's frames show them from
   * now on (adopt them locally: view-sync.ts). Absent: the frames follow, the local state learns
   * them from the model later.
   */
  sync?(msg: StreamSync): void;
}

export interface PipelineOptions {
  urls: readonly StreamUrl[];
  hello: () => StreamHello;
  /** Draw a decoded frame onto the view's canvas, in an animation frame (the frame is closed afterwards). */
  draw: (frame: VideoFrame, header: FrameHeader) => void;
  /** The view's display clock (shared with the prediction's redraws); default: a clock of its own. */
  clock?: FrameClock;
  stats: ViewStats;
  events: PipelineEvents;
  /** WebSocket constructor (tests in node pass the `ws` package's). */
  socketFactory?: SocketFactory;
}

/** A pick with no reply after this long resolves null (the caller asks again). */
export const PICK_TIMEOUT_MS = 2000;
/** A range request with no reply after this long resolves null (a large volume takes a while to scan). */
export const RANGE_TIMEOUT_MS = 10_000;
/** viewRange asks again this often while the daemon answers loading/busy, at most RANGE_ATTEMPTS times. */
export const RANGE_RETRY_MS = 100;
export const RANGE_ATTEMPTS = 100;

/** Owns the StreamClient, the decoders and the presenter of one connection hand-off. */
export class StreamPipeline {
  private readonly client: StreamClient;
  private readonly decoders: DecoderSet;
  private readonly presenter: Presenter;
  private readonly ownClock: FrameClock | null;
  private readonly picks = new Replies<StreamValue>(PICK_TIMEOUT_MS);
  private readonly ranges = new Replies<StreamRange>(RANGE_TIMEOUT_MS);
  private disposed = false;
  /** The newest seq sent to the daemon (hello, state, resize): frames of older seqs are superseded. */
  private sentSeq = -1;

  constructor(private readonly opts: PipelineOptions) {
    const { stats, events } = opts;
    const dropped = (frameId: number) => {
      stats.droppedFrame();
      this.client.send({ type: "ack", frame_id: frameId, queue: this.decoders.queueSize });
    };
    const clock = opts.clock ?? new FrameClock();
    this.ownClock = opts.clock === undefined ? clock : null;
    this.presenter = new Presenter(clock, {
      draw: opts.draw,
      displayed: (f) => {
        stats.displayed(f);
        const decodeMs = Math.round(f.decodeMs * 100) / 100;
        const queue = this.decoders.queueSize;
        this.client.send({ type: "ack", frame_id: f.header.frameId, decode_ms: decodeMs, queue });
        events.displayed(f);
      },
      dropped,
      superseded: (seq) => seq < this.sentSeq,
    });
    this.decoders = new DecoderSet({
      decoded: (frame, info, decodeMs) => this.presenter.offer(frame, info, decodeMs),
      dropped,
      requestKeyframe: (reason, target) =>
        this.client.send(target === undefined ? { type: "keyframe", reason } : { type: "keyframe", reason, target }),
      failed: (message) => events.error(message),
    });
    this.client = new StreamClient({
      urls: opts.urls,
      // A view that handles sync messages says so: the daemon then sends it the other views' moves.
      hello: () => {
        const hello = opts.hello();
        this.sent(hello.seq);
        return events.sync === undefined ? hello : { ...hello, sync: true };
      },
      onMessage: (msg) => {
        if (msg.type === "config") this.onConfig(msg);
        else if (msg.type === "meta") events.meta(msg);
        else if (msg.type === "error") events.error(daemonErrorText(msg));
        else if (msg.type === "value") this.picks.answer(msg.id, msg);
        else if (msg.type === "range") this.ranges.answer(msg.id, msg);
        else if (msg.type === "sync") events.sync?.(msg);
      },
      onFrame: (data) => this.onFrame(data),
      onStatus: (s) => {
        if (s.state === "reconnecting" || s.state === "failed") {
          this.decoders.abandon();
          this.presenter.reset();
        }
        if (s.state !== "open" && s.state !== "connecting") this.dropRequests();
        events.status(s);
      },
      onProtocolError: (message) => events.error(message),
      socketFactory: opts.socketFactory,
    });
  }

  start(): void {
    this.client.start();
  }

  get isOpen(): boolean {
    return this.client.isOpen;
  }

  /**
   * Send a state snapshot (coalesced under backpressure; dropped while disconnected: hello carries
   * it), with the overscan the view wants rendered when given.
   */
  sendState(seq: number, state: StreamHello["state"], overscan?: Overscan): void {
    if (!this.client.isOpen) return;
    this.client.sendState(
      overscan === undefined ? { type: "state", seq, state } : { type: "state", seq, state, overscan },
    );
    this.sent(seq);
  }

  /** Frames handed to the browser's decoders and not yet output. */
  get decodeQueue(): number {
    return this.decoders.queueSize;
  }

  /** Tell the daemon the canvas changed; false when not connected (the next hello carries it). */
  resize(seq: number, canvas: Canvas): boolean {
    const ok = this.client.send({ type: "resize", seq, canvas });
    if (ok) this.sent(seq);
    return ok;
  }

  private sent(seq: number): void {
    this.sentSeq = Math.max(this.sentSeq, seq);
  }

  /**
   * Ask the daemon for the data value at a world point (one coordinate per viewer axis) of a layer
   * (default: the top visible one). Resolves with the reply, or null when there is none (not
   * connected, the connection dropped, or no reply within PICK_TIMEOUT_MS).
   */
  pick(position: readonly number[], layerId?: string): Promise<StreamValue | null> {
    const at = layerId === undefined ? {} : { layer_id: layerId };
    return this.picks.request((id) => this.client.send({ type: "pick", id, position: [...position], ...at }));
  }

  /** One `range` request: the daemon's reply (any status), or null when none comes. */
  range(layerId: string): Promise<StreamRange | null> {
    return this.ranges.request((id) => this.client.send({ type: "range", id, layer_id: layerId }));
  }

  /**
   * The [min, max] of a layer's data as this view shows it (napari's auto-contrast "once"): asks
   * again while the daemon is loading chunks or busy (every RANGE_RETRY_MS, at most RANGE_ATTEMPTS
   * times). Null when there is no answer (not connected, closed, timed out), no such layer, or
   * nothing of the layer is on screen.
   */
  async viewRange(layerId: string): Promise<{ min: number; max: number } | null> {
    for (let attempt = 0; attempt < RANGE_ATTEMPTS && !this.disposed; attempt++) {
      const r = await this.range(layerId);
      if (r === null) return null;
      if (r.status === "ok") return r.min === null || r.max === null ? null : { min: r.min, max: r.max };
      if (r.status === "no_layer") return null;
      await new Promise((done) => setTimeout(done, RANGE_RETRY_MS));
    }
    return null;
  }

  dispose(): void {
    this.disposed = true;
    try {
      this.client.dispose();
    } finally {
      this.dropRequests();
      this.presenter.dispose();
      this.decoders.dispose();
      this.ownClock?.dispose();
    }
  }

  /** Answer every pending request with null (no reply is coming on this connection). */
  private dropRequests(): void {
    this.picks.drop();
    this.ranges.drop();
  }

  private onConfig(cfg: StreamConfig): void {
    this.client.markHealthy();
    try {
      this.decoders.configure(cfg);
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
    this.decoders.push(frame.header, frame.payload, data.byteLength);
  }
}
