/**
 * One kernel connection on /chunks (its ChunkServer thread): hello with the control token and the
 * kernel's server_id, then the daemon sends `chunk` / `cancel` and the kernel answers `chunk_data`
 * (followed by one binary message) or `chunk_error`, in any order. Every kernel message is validated;
 * a bad one is answered `{id: null, ok: false, error}` (the connection stays) and fails its request
 * with compute_failed. Closing or being replaced fails every pending request with KernelLinkError
 * (compute_failed; its `back` resolves when the server id is served again).
 */
import {
  CHUNK_KERNEL_OPS,
  KernelChunkMessageSchema,
  NapariCudaError,
  PROTOCOL_VERSION,
  type ChunkData,
  type ChunkHello,
  type KernelChunkMessage,
} from "../../protocol/index.js";
import type { LinkLoss } from "../data/kernel-source.js";
import type { KernelChunk, KernelChunkRequest } from "../data/source-types.js";
import type { Logger } from "../log.js";
import { abortError } from "../util/workers.js";
import { tokenMatches } from "./auth.js";
import type { ChunkLink, ChunkLinks } from "./chunk-links.js";
import { headerProblem, reqOf, span } from "./chunk-replies.js";
import type { DaemonContext } from "./context.js";
import { parseMessage } from "./messages.js";
import { asNapariError, errorBody, type Socket } from "./socket.js";

interface Pending {
  req: KernelChunkRequest;
  resolve(chunk: KernelChunk): void;
  reject(err: unknown): void;
}

export class ChunkSession implements ChunkLink {
  private serverId: string | null = null;
  private gone = false;
  private nextReq = 0;
  private readonly pending = new Map<number, Pending>();
  /** Set between a chunk_data message and the binary message with its bytes. */
  private bytesFor: { msg: ChunkData; ok: boolean } | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: DaemonContext,
    private readonly log: Logger,
    private readonly onClosed: (s: ChunkSession) => void,
  ) {
    socket.attach({
      onText: (text) => this.onText(text),
      onBinary: (data) => this.onBinary(data),
      onError: (err) => this.reply(null, err),
      onClose: () => this.dispose("gone"),
    });
    socket.startHelloDeadline(ctx.config.helloTimeoutMs, () =>
      this.reply(null, new NapariCudaError("hello_required", "no hello within the deadline")),
    );
  }

  private get links(): ChunkLinks {
    return this.ctx.chunkLinks;
  }

  request(req: KernelChunkRequest, signal: AbortSignal): Promise<KernelChunk> {
    if (signal.aborted) return Promise.reject(abortError(signal, "chunk request"));
    if (this.gone || !this.socket.isOpen) return Promise.reject(this.lostError("gone"));
    const r = ++this.nextReq;
    return new Promise<KernelChunk>((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.pending.delete(r)) return;
        this.socket.sendJson({ op: "cancel", req: r });
        reject(abortError(signal, "chunk request"));
      };
      const settle =
        <T>(fn: (v: T) => void) =>
        (v: T) => {
          signal.removeEventListener("abort", onAbort);
          fn(v);
        };
      this.pending.set(r, { req, resolve: settle(resolve), reject: settle(reject) });
      signal.addEventListener("abort", onAbort, { once: true });
      const { sourceId, level, start, stop } = req;
      this.socket.sendJson({ op: "chunk", req: r, source_id: sourceId, level, start, stop });
    });
  }

  replaced(): void {
    this.dispose("reconnected");
    this.socket.close(1000, "replaced");
  }

  /** Close with 1001 shutting_down (daemon stopping). */
  shutdown(): void {
    this.reply(null, new NapariCudaError("shutting_down", "the daemon is stopping"));
  }

  /** Answer with an error, then close when its code requires it. */
  private reply(id: number | null, err: NapariCudaError): void {
    this.socket.sendJson({ id, ok: false, error: errorBody(err) });
    this.socket.closeIfFatal(err);
  }

  /** Fail request `r` (if still pending) with compute_failed carrying `err`'s message and path. */
  private failReq(r: number | null, err: NapariCudaError): void {
    const p = r === null ? undefined : this.pending.get(r);
    if (!p) return;
    this.pending.delete(r!);
    const message = `source ${p.req.sourceId} level ${p.req.level} chunk ${span(p.req)}: bad reply from the kernel: ${err.message}`;
    p.reject(new NapariCudaError("compute_failed", message, err.path === undefined ? {} : { path: err.path }));
  }

  private onText(text: string): void {
    const awaited = this.bytesFor;
    if (awaited) {
      this.bytesFor = null;
      const e = new NapariCudaError("invalid_message", "chunk_data must be followed by one binary message", {
        path: "nbytes",
      });
      this.reply(null, e);
      this.failReq(awaited.msg.req, e);
    }
    let msg: KernelChunkMessage;
    try {
      msg = parseMessage(text, KernelChunkMessageSchema, "op", CHUNK_KERNEL_OPS, "chunk message");
    } catch (err) {
      const e = asNapariError(err);
      if (this.serverId === null) {
        this.reply(
          null,
          new NapariCudaError("hello_required", `the first message must be a valid hello: ${e.message}`),
        );
        return;
      }
      this.reply(null, e);
      this.failReq(reqOf(text), e);
      return;
    }
    if (this.serverId === null) {
      if (msg.op !== "hello") throw new NapariCudaError("hello_required", "the first message must be hello");
      this.onHello(msg);
      return;
    }
    switch (msg.op) {
      case "hello":
        this.reply(msg.id, new NapariCudaError("invalid_message", "hello was already received", { path: "op" }));
        return;
      case "chunk_data":
        this.onData(msg);
        return;
      case "chunk_error": {
        const p = this.pending.get(msg.req);
        if (!p) return; // cancelled or unknown: ignored
        this.pending.delete(msg.req);
        this.log.debug({ req: msg.req, message: msg.message }, "kernel chunk failed");
        p.reject(new NapariCudaError("compute_failed", msg.message));
        return;
      }
    }
  }

  private onHello(msg: ChunkHello): void {
    if (!tokenMatches(msg.token, this.ctx.tokens.control)) {
      this.reply(msg.id, new NapariCudaError("unauthorized", "wrong token for /chunks", { path: "token" }));
      return;
    }
    if (msg.protocol !== PROTOCOL_VERSION) {
      const text = `kernel protocol ${msg.protocol}, daemon ${PROTOCOL_VERSION}`;
      this.reply(msg.id, new NapariCudaError("protocol_mismatch", text, { path: "protocol" }));
      return;
    }
    this.socket.clearHelloDeadline();
    this.serverId = msg.server_id;
    this.socket.sendJson({ id: msg.id, ok: true, result: { protocol: PROTOCOL_VERSION } });
    this.log.info({ server_id: msg.server_id }, "chunk server connected");
    this.links.attach(msg.server_id, this);
  }

  /** Check the header against its request now (the bytes follow); a mismatch fails the request. */
  private onData(msg: ChunkData): void {
    const p = this.pending.get(msg.req);
    const problem = p ? headerProblem(msg, p.req) : null;
    this.bytesFor = { msg, ok: problem === null };
    if (problem) {
      this.reply(null, problem);
      this.failReq(msg.req, problem);
    }
  }

  private onBinary(data: Buffer): void {
    if (this.serverId === null) throw new NapariCudaError("hello_required", "the first message must be hello");
    const awaited = this.bytesFor;
    this.bytesFor = null;
    if (!awaited) {
      this.reply(null, new NapariCudaError("invalid_message", "a binary message must follow chunk_data", { path: "" }));
      return;
    }
    const { msg } = awaited;
    if (data.byteLength !== msg.nbytes) {
      const e = new NapariCudaError("invalid_message", `got ${data.byteLength} bytes, nbytes says ${msg.nbytes}`, {
        path: "nbytes",
      });
      this.reply(null, e);
      this.failReq(msg.req, e);
      return;
    }
    const p = this.pending.get(msg.req);
    if (!awaited.ok || !p) return; // failed above, or cancelled / unknown: ignored
    this.pending.delete(msg.req);
    p.resolve({ dtype: msg.dtype, shape: msg.shape, bytes: data });
  }

  /** The error of the requests this link loses (`loss`: replaced by a new connection, or closed). */
  private lostError(loss: LinkLoss): NapariCudaError {
    const message =
      loss === "reconnected" ? "the kernel's chunk server reconnected" : "the kernel that serves this layer is gone";
    return this.links.lost(this.serverId ?? "", loss, message, this);
  }

  /** Stop serving: fail what is pending with a KernelLinkError for `why`. Idempotent. */
  private dispose(why: LinkLoss): void {
    if (this.gone) return;
    this.gone = true;
    if (this.serverId !== null) this.links.detach(this.serverId, this);
    const all = [...this.pending.values()];
    this.pending.clear();
    this.bytesFor = null;
    if (all.length > 0) {
      const err = this.lostError(why); // one error (one `back` promise) for all of them
      for (const p of all) p.reject(err);
    }
    this.onClosed(this);
  }
}
