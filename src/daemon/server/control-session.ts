/**
 * One kernel connection on /control: request/response, processed strictly in
 * order. `set_layer_data` is followed by one binary message with the array
 * bytes (`patch_layer_data` with a box's, `set_points` with the table's); a `screenshot` reply
 * is followed by one binary message with RGBA pixels. Closing the connection (a kernel that timed out drops it) cancels the chunk loads its requests wait for.
 */
import { ControlRequestSchema, NapariCudaError, PROTOCOL_VERSION, type ControlRequest } from "../../protocol/index.js";
import type { Logger } from "../log.js";
import { DAEMON_VERSION } from "../version.js";
import { deferred, type Deferred } from "../util/deferred.js";
import { SerialQueue } from "../util/serial-queue.js";
import { authorize } from "./auth.js";
import type { DaemonContext } from "./context.js";
import {
  info,
  layerRange,
  openKernelLayer,
  openLayer,
  patchLayerData,
  screenshot,
  setLayerData,
  setPoints,
} from "./control-handlers.js";
import { parseMessage, requestIdOf } from "./messages.js";
import { asNapariError, errorBody, Socket } from "./socket.js";

const CONTROL_OPS = ControlRequestSchema.options.map((o) => o.shape.op.value);
type Req<Op extends ControlRequest["op"]> = Extract<ControlRequest, { op: Op }>;

export class ControlSession {
  private authed = false;
  private readonly queue = new SerialQueue();
  /** Set between a set_layer_data request and the binary message carrying its bytes. */
  private pendingBytes: Deferred<Buffer> | null = null;
  private pendingOp = "set_layer_data";
  /** Aborted when the connection closes: nobody waits for its screenshot / layer_range any more. */
  private readonly closed = new AbortController();

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
      if (this.closed.signal.aborted) return; // cancelled with the connection: nobody to answer
      const e = asNapariError(err);
      if (e.code === "internal") this.log.error({ err }, "control request failed");
      this.fail(id, e);
    });
  }

  private onText(text: string): void {
    if (this.pendingBytes) {
      this.pendingBytes.reject(
        new NapariCudaError("invalid_message", `${this.pendingOp} must be followed by a binary message`, {
          path: "nbytes",
        }),
      );
      this.pendingBytes = null;
    }
    let req: ControlRequest;
    try {
      req = parseMessage(text, ControlRequestSchema, "op", CONTROL_OPS, "control request");
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
      throw new NapariCudaError(
        "invalid_message",
        "a binary message must follow set_layer_data, patch_layer_data or set_points",
        {
          path: "",
        },
      );
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
        this.pendingOp = req.op;
        this.enqueue(req.id, async () => this.ok(req.id, setLayerData(this.ctx, this.log, req, await bytes.promise)));
        return;
      }
      case "patch_layer_data": {
        const bytes = deferred<Buffer>();
        this.pendingBytes = bytes;
        this.pendingOp = req.op;
        this.enqueue(req.id, async () => this.ok(req.id, patchLayerData(this.ctx, this.log, req, await bytes.promise)));
        return;
      }
      case "set_points": {
        const bytes = deferred<Buffer>();
        this.pendingBytes = bytes;
        this.pendingOp = req.op;
        this.enqueue(req.id, async () => this.ok(req.id, setPoints(this.ctx, this.log, req, await bytes.promise)));
        return;
      }
      case "open_layer":
        this.enqueue(req.id, async () => this.ok(req.id, await openLayer(this.ctx, this.log, req)));
        return;
      case "open_kernel_layer":
        this.enqueue(req.id, async () => this.ok(req.id, await openKernelLayer(this.ctx, this.log, req)));
        return;
      case "layer_range":
        this.enqueue(req.id, async () => this.ok(req.id, await layerRange(this.ctx, req, this.closed.signal)));
        return;
      case "open_viewer":
        this.enqueue(req.id, () => {
          const created = !this.ctx.hub.hasViewer(req.viewer_id);
          this.ctx.viewers.open(req.viewer_id);
          this.ctx.hub.openViewer(req.viewer_id);
          this.ok(req.id, { created });
        });
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
          this.ctx.hub.closeViewer(req.viewer_id);
          this.ok(req.id, { closed });
        });
        return;
      case "screenshot":
        this.enqueue(req.id, async () => {
          const { result, pixels } = await screenshot(this.ctx, req, this.closed.signal);
          this.ok(req.id, result);
          this.socket.sendBinary(pixels);
        });
        return;
      case "info":
        this.enqueue(req.id, async () => this.ok(req.id, await info(this.ctx)));
        return;
      case "shutdown":
        this.enqueue(req.id, () => {
          this.ok(req.id, {});
          this.ctx.requestShutdown("shutdown requested on /control");
        });
        return;
    }
  }

  /** Close with 1001 shutting_down (daemon stopping). */
  shutdown(): void {
    this.fail(null, new NapariCudaError("shutting_down", "the daemon is stopping"));
  }

  private dispose(): void {
    this.queue.close();
    this.closed.abort(new NapariCudaError("shutting_down", "the control connection closed"));
    this.pendingBytes?.reject(new NapariCudaError("shutting_down", "connection closed"));
    this.pendingBytes = null;
    this.onClosed(this);
  }
}
