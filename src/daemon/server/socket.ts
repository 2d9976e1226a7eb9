/**
 * Thin, never-throwing wrapper around one ws WebSocket: guarded sends, error
 * replies that close when their code says so, handler errors caught, and the
 * hello deadline.
 */
import type { RawData, WebSocket } from "ws";
import { NapariCudaError } from "../../protocol/index.js";
import type { Logger } from "../log.js";

/** Any thrown value as a NapariCudaError (unexpected ones become "internal"). */
export function asNapariError(err: unknown): NapariCudaError {
  if (err instanceof NapariCudaError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new NapariCudaError("internal", `internal error: ${message}`, { cause: err });
}

/** The wire form of an error (stream message body / control `error` field). */
export function errorBody(err: NapariCudaError): { code: string; message: string; path?: string } {
  return err.path === undefined
    ? { code: err.code, message: err.message }
    : { code: err.code, message: err.message, path: err.path };
}

export interface SocketHandlers {
  onText(text: string): void | Promise<void>;
  onBinary(data: Buffer): void | Promise<void>;
  /** A handler threw or rejected: reply with the error (the socket closes when its code requires it). */
  onError(err: NapariCudaError): void;
  onClose(code: number): void;
}

/** Binary message data as one Buffer (ws may hand over fragments or an ArrayBuffer). */
export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export class Socket {
  private closed = false;
  private helloTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly ws: WebSocket,
    private readonly log: Logger,
  ) {}

  /** Wire the ws events to `h`; no exception thrown by a handler escapes. */
  attach(h: SocketHandlers): void {
    const guard = (fn: () => void | Promise<void>): void => {
      try {
        const r = fn();
        if (r instanceof Promise) r.catch((err: unknown) => this.handlerFailed(h, err));
      } catch (err) {
        this.handlerFailed(h, err);
      }
    };
    this.ws.on("message", (data: RawData, isBinary: boolean) => {
      if (this.closed) return;
      guard(() => (isBinary ? h.onBinary(toBuffer(data)) : h.onText(toBuffer(data).toString("utf8"))));
    });
    this.ws.on("close", (code: number) => {
      this.closed = true;
      this.clearHelloDeadline();
      guard(() => h.onClose(code));
    });
    // ws reports protocol violations (e.g. maxPayload: it closes with 1009 itself) as 'error'.
    this.ws.on("error", (err: Error) => this.log.debug({ err: err.message }, "socket error"));
  }

  private handlerFailed(h: SocketHandlers, err: unknown): void {
    const e = asNapariError(err);
    if (e.code === "internal") this.log.error({ err }, "unexpected error in a message handler");
    try {
      h.onError(e);
    } catch (err2) {
      this.log.error({ err: err2 }, "error handler failed");
      this.close(1011, "internal");
    }
  }

  /** Close with `code` unless the client has not sent hello within `ms`; `onExpire` sends the error. */
  startHelloDeadline(ms: number, onExpire: () => void): void {
    this.helloTimer = setTimeout(() => {
      this.helloTimer = undefined;
      if (!this.closed) onExpire();
    }, ms);
    this.helloTimer.unref();
  }

  clearHelloDeadline(): void {
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === this.ws.OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /**
   * Answer an incoming message at once with an unsolicited pong (RFC 6455 5.5.3: no reply expected).
   * Relays such as jupyter-server-proxy write to us with Nagle's algorithm on: their next small
   * message (the next state or ack) waits until this side's TCP acknowledges the previous one, and
   * a delayed ACK can hold it until our next frame goes out. A 2-byte pong carries that ACK now.
   */
  releaseRelay(): void {
    if (!this.isOpen) return;
    try {
      this.ws.pong();
    } catch {
      // Closing meanwhile: nothing to release.
    }
  }

  /** Send a JSON text message; false when the socket is not open. */
  sendJson(msg: unknown): boolean {
    if (!this.isOpen) return false;
    try {
      this.ws.send(JSON.stringify(msg));
      return true;
    } catch (err) {
      this.log.debug({ err }, "send failed");
      return false;
    }
  }

  /** Send a binary message; false when the socket is not open. */
  sendBinary(data: Uint8Array): boolean {
    if (!this.isOpen) return false;
    try {
      this.ws.send(data, { binary: true });
      return true;
    } catch (err) {
      this.log.debug({ err }, "send failed");
      return false;
    }
  }

  /** Close (idempotent). The reason is the error code name. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.clearHelloDeadline();
    try {
      this.ws.close(code, reason.slice(0, 120));
    } catch {
      this.ws.terminate();
    }
    // A peer that never answers the close handshake must not hold the socket open.
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  /** After an error message has been sent: close when the error's code requires it. */
  closeIfFatal(err: NapariCudaError): void {
    const code = err.closeCode;
    if (code !== null) this.close(code, err.code);
  }
}
