/**
 * One kernel connection on /control: request/response, processed strictly in
 * order. `set_layer_data` is followed by one binary message with the array
 * bytes; a `screenshot` reply is followed by one binary message with RGBA pixels.
 */
import {
  ControlRequestSchema,
  NapariCudaError,
  PROTOCOL_VERSION,
  type ControlRequest,
  type InfoResult,
  type OpenLayerResult,
  type ScreenshotResult,
} from "../../protocol/index.js";
import type { Logger } from "../log.js";
import { exactFrame } from "../scene/live-scene.js";
import { openLayerResult } from "../scene/open-result.js";
import { DAEMON_VERSION } from "../version.js";
import { deferred, type Deferred } from "../util/deferred.js";
import { SerialQueue } from "../util/serial-queue.js";
import { authorize } from "./auth.js";
import type { DaemonContext } from "./context.js";
import { parseMessage, requestIdOf } from "./messages.js";
import { asNapariError, errorBody, Socket } from "./socket.js";

type Req<Op extends ControlRequest["op"]> = Extract<ControlRequest, { op: Op }>;

const OPS = ControlRequestSchema.options.map((o) => o.shape.op.value);

export class ControlSession {
  private authed = false;
  private readonly queue = new SerialQueue();
  /** Set between a set_layer_data request and the binary message carrying its bytes. */
  private pendingBytes: Deferred<Buffer> | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: DaemonContext,
    private readonly log: Logger,
    private readonly onClosed: (s: ControlSession) => void,
  ) {
    socket.attach({
      onText: (text) => this.onText(text),
      onBinary: (data) => this.onBinary(data),
      onError: (err) => this.fail(null, err),
      onClose: () => this.dispose(),
    });
    socket.startHelloDeadline(ctx.config.helloTimeoutMs, () =>
      this.fail(null, new NapariCudaError("hello_required", "no hello within the deadline")),
    );
  }

  /** Reply with an error, then close when its code requires it. */
  private fail(id: number | null, err: NapariCudaError): void {
    this.socket.sendJson({ id, ok: false, error: errorBody(err) });
    this.socket.closeIfFatal(err);
  }

  private ok(id: number, result: unknown): void {
    this.socket.sendJson({ id, ok: true, result });
  }

  /** Run `task` after every earlier request; its error becomes the reply for `id`. */
  private enqueue(id: number | null, task: () => Promise<void> | void): void {
    this.queue.push(task, (err) => {
      const e = asNapariError(err);
      if (e.code === "internal") this.log.error({ err }, "control request failed");
      this.fail(id, e);
    });
  }

  private onText(text: string): void {
    if (this.pendingBytes) {
      this.pendingBytes.reject(
        new NapariCudaError("invalid_message", "set_layer_data must be followed by a binary message", {
          path: "nbytes",
        }),
      );
      this.pendingBytes = null;
    }
    let req: ControlRequest;
    try {
      req = parseMessage(text, ControlRequestSchema, "op", OPS, "control request");
    } catch (err) {
      const e = asNapariError(err);
      const id = requestIdOf(text);
      this.enqueue(id, () => {
        throw e;
      });
      return;
    }
    if (!this.authed) {
      if (req.op !== "hello") throw new NapariCudaError("hello_required", "the first request must be hello");
      this.onHello(req);
      return;
    }
    this.dispatch(req);
  }

  private onHello(req: Req<"hello">): void {
    if (!authorize(this.ctx.tokens, "control", req.token)) {
      this.fail(req.id, new NapariCudaError("unauthorized", "wrong token for /control"));
      return;
    }
    if (req.protocol !== PROTOCOL_VERSION) {
      this.fail(
        req.id,
        new NapariCudaError("protocol_mismatch", `client protocol ${req.protocol}, daemon ${PROTOCOL_VERSION}`, {
          path: "protocol",
        }),
      );
      return;
    }
    this.authed = true;
    this.socket.clearHelloDeadline();
    this.enqueue(req.id, () =>
      this.ok(req.id, { protocol: PROTOCOL_VERSION, version: DAEMON_VERSION, pid: process.pid }),
    );
  }

  private onBinary(data: Buffer): void {
    if (!this.authed) throw new NapariCudaError("hello_required", "the first request must be hello");
    const pending = this.pendingBytes;
    if (pending) {
      this.pendingBytes = null;
      pending.resolve(data);
      return;
    }
    this.enqueue(null, () => {
      throw new NapariCudaError("invalid_message", "a binary message must follow set_layer_data", { path: "" });
    });
  }

  private dispatch(req: ControlRequest): void {
    switch (req.op) {
      case "hello":
        this.enqueue(req.id, () => {
          throw new NapariCudaError("invalid_message", "hello was already received", { path: "op" });
        });
        return;
      case "set_layer_data": {
        const bytes = deferred<Buffer>();
        this.pendingBytes = bytes;
        this.enqueue(req.id, async () => this.setLayerData(req, await bytes.promise));
        return;
      }
      case "open_layer":
        this.enqueue(req.id, () => this.openLayer(req));
        return;
      case "remove_layer":
        this.enqueue(req.id, () => {
          this.ctx.viewers.removeLayer(req.viewer_id, req.layer_id);
          this.ctx.hub.notifyDataChanged(req.viewer_id);
          this.ok(req.id, {});
        });
        return;
      case "close_viewer":
        this.enqueue(req.id, () => {
          const closed = this.ctx.viewers.close(req.viewer_id);
          this.ctx.hub.notifyDataChanged(req.viewer_id);
          this.ok(req.id, { closed });
        });
        return;
      case "screenshot":
        this.enqueue(req.id, () => this.screenshot(req));
        return;
      case "info":
        this.enqueue(req.id, () => this.info(req.id));
        return;
      case "shutdown":
        this.enqueue(req.id, () => {
          this.ok(req.id, {});
          this.ctx.requestShutdown("shutdown requested on /control");
        });
        return;
    }
  }

  private setLayerData(req: Req<"set_layer_data">, bytes: Buffer): void {
    if (bytes.byteLength !== req.nbytes) {
      throw new NapariCudaError("invalid_data", `got ${bytes.byteLength} bytes, nbytes says ${req.nbytes}`, {
        path: "nbytes",
      });
    }
    this.ctx.viewers.setLayer(req.viewer_id, req.layer_id, req.dtype, req.shape, bytes);
    this.ctx.hub.notifyDataChanged(req.viewer_id);
    this.log.info({ viewer: req.viewer_id, layer: req.layer_id, dtype: req.dtype, shape: req.shape }, "layer data set");
    this.ok(req.id, {});
  }

  private async openLayer(req: Req<"open_layer">): Promise<void> {
    const entry = await this.ctx.viewers.openLayer(req.viewer_id, req.layer_id, req.uri, req.select);
    if (entry.kind !== "source") throw new NapariCudaError("internal", "open_layer made no source layer");
    let result: OpenLayerResult;
    try {
      result = await openLayerResult(this.ctx.scene.store, entry);
    } catch (err) {
      // The layer is unusable (e.g. a corrupt coarsest chunk): do not keep it.
      this.ctx.viewers.removeLayer(req.viewer_id, req.layer_id);
      throw err;
    }
    this.ctx.hub.notifyDataChanged(req.viewer_id);
    this.log.info({ viewer: req.viewer_id, layer: req.layer_id, uri: entry.source.info.uri }, "layer opened");
    this.ok(req.id, result);
  }

  private async screenshot(req: Req<"screenshot">): Promise<void> {
    const { store, assembler, still } = this.ctx.scene;
    const scene = await exactFrame(
      assembler,
      store,
      this.ctx.viewers.layers(req.viewer_id),
      still,
      req.state,
      req.canvas,
    );
    const frame = await this.ctx.renderer.render(scene.request);
    // Copy: the renderer may reuse its buffer once released, while the socket still writes ours.
    const pixels = Buffer.from(frame.rgba);
    this.ctx.renderer.release(frame);
    const result: ScreenshotResult = {
      width: frame.width,
      height: frame.height,
      format: "rgba8",
      nbytes: pixels.byteLength,
      levels: Object.fromEntries(scene.layers.map((l) => [l.id, l.drawn ?? l.wanted])),
    };
    this.ok(req.id, result);
    this.socket.sendBinary(pixels);
  }

  private async info(id: number): Promise<void> {
    const enc = await this.ctx.encoders.describe();
    const result: InfoResult = {
      version: DAEMON_VERSION,
      protocol: PROTOCOL_VERSION,
      pid: process.pid,
      backend: this.ctx.backend.name,
      backend_reason: this.ctx.backend.reason,
      encoder: enc.encoder,
      encoder_reason: enc.reason,
      ffmpeg: enc.ffmpeg,
      viewers: this.ctx.viewers.count,
      views: this.ctx.hub.size,
    };
    this.ok(id, result);
  }

  /** Close with 1001 shutting_down (daemon stopping). */
  shutdown(): void {
    this.fail(null, new NapariCudaError("shutting_down", "the daemon is stopping"));
  }

  private dispose(): void {
    this.queue.close();
    this.pendingBytes?.reject(new NapariCudaError("shutting_down", "connection closed"));
    this.pendingBytes = null;
    this.onClosed(this);
  }
}
