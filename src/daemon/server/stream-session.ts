/**
 * One browser view on /stream: hello (view token, viewer, canvas, codecs, first
 * state), then state/resize/ack/keyframe messages driving a RenderPump, and pick and range
 * messages answered beside it (pick.ts, view-range.ts).
 */
import { randomUUID } from "node:crypto";
import {
  NapariCudaError,
  PROTOCOL_VERSION,
  StreamClientMessageSchema,
  type StreamClientMessage,
  type Canvas,
  type StreamHello,
  type StreamStateMessage,
  type StreamSync,
  type ViewerState,
} from "../../protocol/index.js";
import type { Logger } from "../log.js";
import { TokenBucket } from "../util/token-bucket.js";
import { authorize } from "./auth.js";
import { chooseProfile, offersStills } from "./codec.js";
import type { DaemonContext } from "./context.js";
import { parseMessage } from "./messages.js";
import { Picker } from "./pick.js";
import type { RenderPump } from "./render-pump.js";
import { ViewRanger } from "./view-range.js";
import { ViewFrames } from "./view-frames.js";
import { asNapariError, errorBody, Socket } from "./socket.js";
import { PREAUTH_MAX_MESSAGE_BYTES } from "./preauth.js";
import type { ViewHandle } from "./view-hub.js";
import { sameCamera, sameDims, type SharedFields } from "./view-share.js";
import { createViewPump } from "./view-pump.js";

const TYPES = StreamClientMessageSchema.options.map((o) => o.shape.type.value);

export class StreamSession implements ViewHandle {
  readonly sessionId = randomUUID();
  private readonly rate: TokenBucket;
  private hello: StreamHello | null = null;
  private pump: RenderPump | null = null;
  private frames: ViewFrames | null = null;
  private picker: Picker | null = null;
  private ranger: ViewRanger | null = null;
  /** The latest state and canvas from the view (picks and ranges read what it shows from them). */
  private state: ViewerState | null = null;
  /** The latest seq from the view (a sync names it). */
  private seq = 0;
  private canvas: Canvas | null = null;
  private encoderReason = "";
  /** 4:4:4 stills: the client offered High 4:4:4 and the daemon can make them (known once the encoder is described). */
  private stills = false;
  private disposed: Promise<void> | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: DaemonContext,
    private readonly log: Logger,
    private readonly onClosed: (s: StreamSession) => void,
    /** Hello succeeded: the socket no longer counts as unauthenticated (preauth.ts). */
    private readonly onAuthenticated: () => void = () => undefined,
  ) {
    this.rate = new TokenBucket(ctx.config.streamRatePerSec, ctx.config.streamBurst);
    socket.attach({
      onText: (text) => this.onText(text),
      onBinary: () => {
        throw new NapariCudaError("invalid_message", "clients send no binary messages on /stream", { path: "" });
      },
      onError: (err) => this.fail(err),
      onClose: () => void this.dispose(),
    });
    socket.startHelloDeadline(ctx.config.helloTimeoutMs, () =>
      this.fail(new NapariCudaError("hello_required", "no hello within the deadline")),
    );
  }

  get viewerId(): string {
    return this.hello?.viewer_id ?? "";
  }

  get follows(): boolean {
    return this.hello?.sync === true;
  }

  /** Send an error message, then close when its code requires it. */
  private fail(err: NapariCudaError): void {
    this.socket.sendJson({ type: "error", ...errorBody(err) });
    this.socket.closeIfFatal(err);
  }

  private onText(text: string): void {
    if (!this.hello && Buffer.byteLength(text) > PREAUTH_MAX_MESSAGE_BYTES) {
      throw new NapariCudaError("message_too_big", `a message before hello may be ${PREAUTH_MAX_MESSAGE_BYTES} bytes`);
    }
    if (!this.rate.take()) throw new NapariCudaError("rate_limited", "too many stream messages");
    this.socket.releaseRelay();
    const msg = parseMessage(text, StreamClientMessageSchema, "type", TYPES, "stream message");
    if (!this.hello) {
      if (msg.type !== "hello") throw new NapariCudaError("hello_required", "the first message must be hello");
      this.onHello(msg);
      return;
    }
    this.dispatch(msg);
  }

  private dispatch(msg: StreamClientMessage): void {
    const pump = this.pump;
    switch (msg.type) {
      case "hello":
        throw new NapariCudaError("invalid_message", "hello was already received", { path: "type" });
      case "state":
        this.onState(msg);
        return;
      case "resize":
        this.canvas = msg.canvas;
        this.seq = msg.seq;
        pump?.setCanvas(msg.seq, msg.canvas);
        return;
      case "ack":
        pump?.ack(msg.frame_id, msg.decode_ms, msg.queue);
        return;
      case "keyframe":
        pump?.requestKeyframe(msg.target);
        return;
      case "pick":
        this.picker?.pick(msg);
        return;
      case "range":
        this.ranger?.range(msg);
        return;
    }
  }

  /** A state from the client: rendered as sent; its camera and dims changes go to the hub (the other views). */
  private onState(msg: StreamStateMessage): void {
    const prev = this.state;
    const next = msg.state;
    this.state = next;
    this.seq = msg.seq;
    const changed: SharedFields = {};
    if (prev === null || !sameCamera(prev.camera, next.camera)) changed.camera = next.camera;
    if (prev === null || !sameDims(prev.dims, next.dims)) changed.dims = next.dims;
    this.ctx.hub.share(this, changed);
    // Input moved the view (its frames answer at the moving scale); a state that only changes the
    // overscan (it shrinks ~10 s after a pan, or prediction was switched) is redrawn as at rest.
    // Layers are compared last: a drag's states change the camera and skip the serialisation.
    const input =
      prev === null ||
      changed.camera !== undefined ||
      changed.dims !== undefined ||
      JSON.stringify(prev.layers) !== JSON.stringify(next.layers);
    if (input) this.frames?.stateChanged();
    this.pump?.setState(msg.seq, next, msg.overscan);
  }

  /**
   * Tell the client; it answers with a state of a new seq showing them, which is rendered then. Not
   * rendered here under the view's current seq: the widget warps each frame from the camera of its
   * seq, and a seq whose frames show two cameras made frames already on their way jump back.
   */
  adoptShared(fields: SharedFields): void {
    const cur = this.state;
    if (!this.hello || cur === null) return;
    const sync: StreamSync = {
      type: "sync",
      seq: this.seq,
      camera: fields.camera ?? cur.camera,
      dims: fields.dims ?? cur.dims,
    };
    this.socket.sendJson(sync);
  }

  private onHello(h: StreamHello): void {
    if (!authorize(this.ctx.tokens, "stream", h.token)) {
      throw new NapariCudaError("unauthorized", "wrong token for /stream");
    }
    if (h.protocol !== PROTOCOL_VERSION) {
      throw new NapariCudaError("protocol_mismatch", `client protocol ${h.protocol}, daemon ${PROTOCOL_VERSION}`, {
        path: "protocol",
      });
    }
    this.hello = h;
    try {
      this.ctx.hub.add(this, this.ctx.config.maxViews);
    } catch (err) {
      this.hello = null;
      this.refuse(asNapariError(err));
      return;
    }
    this.socket.clearHelloDeadline();
    this.onAuthenticated();
    const profile = chooseProfile(h.codecs, this.ctx.config.h264Profile);
    this.log.info({ viewer: h.viewer_id, canvas: h.canvas, profile }, "view connected");
    const frames = new ViewFrames(this.ctx, h.viewer_id, {
      markDirty: () => this.pump?.markDirty(),
      keyframeNext: () => this.pump?.keyframeNext(),
      sendMeta: (meta) => this.socket.sendJson(meta),
      sendError: (err) => this.socket.sendJson({ type: "error", ...errorBody(err) }),
      log: this.log,
    });
    this.frames = frames;
    this.state = h.state;
    this.seq = h.seq;
    this.canvas = h.canvas;
    const drawnLevel = (id: string): number | undefined => frames.meta().layers.find((l) => l.id === id)?.data_level;
    this.picker = new Picker({
      entries: () => this.ctx.viewers.layers(h.viewer_id),
      state: () => this.state ?? h.state,
      drawnLevel,
      store: this.ctx.scene.store,
      send: (msg) => this.socket.sendJson(msg),
    });
    this.ranger = new ViewRanger({
      entries: () => this.ctx.viewers.layers(h.viewer_id),
      state: () => this.state ?? h.state,
      canvas: () => this.canvas ?? h.canvas,
      drawnLevel,
      store: this.ctx.scene.store,
      send: (msg) => this.socket.sendJson(msg),
      log: this.log,
    });
    frames.maybeSendMeta(true);
    if (!profile) {
      // Stay connected (meta still flows) so the widget can show why there is no picture.
      this.fail(new NapariCudaError("unsupported", "no H.264 codec offered (need avc1.64/4D/42)", { path: "codecs" }));
      return;
    }
    // Probed once per daemon (cached): resolved long before the first frame's config goes out.
    const stillsOffered = offersStills(h.codecs) && this.ctx.pixelFormat === "rgba";
    void this.ctx.encoders.describe().then((d) => {
      this.encoderReason = d.reason;
      this.stills = stillsOffered && d.stills === true;
      if (this.stills) frames.stillsEnabled();
    });
    this.pump = createViewPump({
      ctx: this.ctx,
      socket: this.socket,
      log: this.log,
      frames,
      hello: h,
      sessionId: this.sessionId,
      profile,
      encoderReason: () => this.encoderReason,
      stills: () => this.stills,
    });
  }

  /** Send `err` and close: with its own close code, else 1008 (the widget does not retry it). */
  private refuse(err: NapariCudaError): void {
    this.socket.sendJson({ type: "error", ...errorBody(err) });
    this.socket.close(err.closeCode ?? 1008, err.code);
  }

  viewerClosed(): void {
    this.refuse(new NapariCudaError("unknown_viewer", `the kernel closed viewer ${this.viewerId}`));
    void this.dispose();
  }

  dataChanged(): void {
    if (!this.hello) return;
    // The next frame resolves the new layers and sends meta with their real levels; without a
    // pump (no usable codec) meta goes out now.
    if (this.pump) this.pump.markDirty();
    else this.frames?.maybeSendMeta(true);
  }

  /** Close with 1001 shutting_down and stop the encoder. */
  async shutdown(): Promise<void> {
    this.fail(new NapariCudaError("shutting_down", "the daemon is stopping"));
    await this.dispose();
  }

  /** Stop rendering and kill the encoder (idempotent, never throws). */
  dispose(): Promise<void> {
    if (!this.disposed) {
      this.ctx.hub.delete(this);
      this.onClosed(this);
      this.frames?.dispose();
      this.picker?.dispose();
      this.ranger?.dispose();
      if (this.hello) this.log.info({ viewer: this.viewerId, ...this.pump?.stats }, "view closed");
      this.disposed = this.pump ? this.pump.dispose() : Promise.resolve();
    }
    return this.disposed;
  }
}
