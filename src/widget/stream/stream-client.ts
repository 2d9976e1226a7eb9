/**
 * Stream channel client: one WebSocket to the daemon's /stream endpoint, tried through the
 * candidate URLs in order, hello first, reconnect with backoff. DOM-free: the WebSocket class
 * and the tick scheduler are injectable (node tests pass the `ws` package's WebSocket).
 */
import type { StreamHello, StreamServerMessage } from "../../protocol/stream.js";
import { isNapariCudaError } from "../../protocol/errors.js";
import { Backoff, type BackoffOptions } from "./backoff.js";
import { parseServerMessage } from "./messages.js";
import { StateSender, type SenderIo } from "./sender.js";
import type { StreamUrl } from "./url.js";

/** The subset of the WebSocket API used here (browser WebSocket and `ws` both provide it). */
export interface SocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type SocketFactory = (url: string) => SocketLike;

/** Close codes after which reconnecting cannot help (policy violation: bad token; protocol mismatch). */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([1008, 1002]);
/**
 * Close codes after which the daemon itself is likely gone, so the kernel (which starts a new one,
 * with a new port and tokens) is asked before the old port is tried again: 1001 (the daemon is
 * shutting down), 1006 (abnormal: the daemon was killed) and 1005 (no code: jupyter-server-proxy
 * relays every backend close, including those two, without its code).
 */
export const KERNEL_FIRST_CLOSE_CODES: ReadonlySet<number> = new Set([1001, 1005, 1006]);
/** How long the kernel gets to hand over a new connection before the old port is tried again. */
export const KERNEL_WAIT_MS = 1000;
/** A socket that has not opened after this long counts as failed. */
export const OPEN_TIMEOUT_MS = 10_000;

export type ConnectionStatus =
  | { state: "connecting"; url: string; transport: StreamUrl["transport"] }
  | { state: "open"; url: string; transport: StreamUrl["transport"] }
  | {
      state: "reconnecting";
      /** Until the old URLs are tried again. */
      delayMs: number;
      attempt: number;
      reason: string;
      /**
       * Ask the kernel for the current connection now: the daemon went away (it may have been
       * restarted elsewhere) or the retries keep failing. Its answer replaces this client.
       */
      askKernel?: boolean;
    }
  | { state: "failed"; reason: string }
  | { state: "closed" };

export interface StreamClientOptions {
  urls: readonly StreamUrl[];
  /** Builds the hello sent first on every new socket (current seq, state and canvas). */
  hello: () => StreamHello;
  onMessage: (msg: StreamServerMessage) => void;
  onFrame: (data: ArrayBuffer) => void;
  onStatus: (status: ConnectionStatus) => void;
  /** A server message that failed to parse (shown, the connection stays up). */
  onProtocolError: (message: string) => void;
  socketFactory?: SocketFactory;
  backoff?: BackoffOptions;
  /** Next-tick scheduler for coalesced state messages (requestAnimationFrame in the browser). */
  schedule?: SenderIo["schedule"];
  openTimeoutMs?: number;
  /** Wait for the kernel's answer after the daemon went away (default KERNEL_WAIT_MS). */
  kernelWaitMs?: number;
}

const OPEN = 1;

function defaultFactory(url: string): SocketLike {
  return new WebSocket(url) as unknown as SocketLike;
}

function defaultSchedule(cb: () => void): () => void {
  if (typeof requestAnimationFrame === "function") {
    const h = requestAnimationFrame(() => cb());
    return () => cancelAnimationFrame(h);
  }
  const t = setTimeout(cb, 16);
  return () => clearTimeout(t);
}

/** Reconnecting stream socket; start() once, dispose() to close for good (code 1000). */
export class StreamClient {
  private socket: SocketLike | null = null;
  private readonly backoff: Backoff;
  private readonly sender: StateSender;
  private preferred = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private openTimer: ReturnType<typeof setTimeout> | null = null;
  private lastError: string | null = null;
  private disposed = false;
  private started = false;

  constructor(private readonly opts: StreamClientOptions) {
    if (opts.urls.length === 0) throw new RangeError("no stream URL to connect to");
    this.backoff = new Backoff(opts.backoff);
    this.sender = new StateSender({
      send: (text) => this.sendText(text),
      bufferedAmount: () => this.socket?.bufferedAmount ?? 0,
      schedule: opts.schedule ?? defaultSchedule,
      now: () => performance.now(),
    });
  }

  /** True while a socket is open (hello sent). */
  get isOpen(): boolean {
    return this.socket !== null && this.socket.readyState === OPEN;
  }

  get bufferedAmount(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  /** State messages replaced by newer ones before they were sent. */
  get coalesced(): number {
    return this.sender.coalesced;
  }

  start(): void {
    if (this.started || this.disposed) return;
    this.started = true;
    this.round();
  }

  /** Send a state message (coalesced when the socket is backed up); dropped while not open. */
  sendState(message: object): void {
    if (this.isOpen) this.sender.submit(message);
  }

  /** Send a message now, after any held state message (resize, ack, keyframe). */
  send(message: object): boolean {
    if (!this.isOpen) return false;
    this.sender.ordered(message);
    return true;
  }

  /** The session is healthy (the daemon sent its config): later failures start from the shortest delay. */
  markHealthy(): void {
    this.backoff.reset();
  }

  /** Close for good with code 1000; never throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearTimers();
    this.sender.cancel();
    this.dropSocket(1000, "view closed");
    this.opts.onStatus({ state: "closed" });
  }

  /** One round of attempts over the candidate URLs, the last one that worked first. */
  private round(): void {
    const n = this.opts.urls.length;
    const order = Array.from({ length: n }, (_, i) => (this.preferred + i) % n);
    this.attempt(order, 0);
  }

  private attempt(order: number[], k: number): void {
    if (this.disposed) return;
    const index = order[k]!;
    const target = this.opts.urls[index]!;
    this.opts.onStatus({ state: "connecting", url: target.url, transport: target.transport });
    let opened = false;
    let finished = false;
    const failedBeforeOpen = (reason: string) => {
      if (finished) return;
      finished = true;
      this.clearOpenTimer();
      if (k + 1 < order.length) this.attempt(order, k + 1);
      else this.scheduleRetry(reason);
    };
    let ws: SocketLike;
    try {
      ws = (this.opts.socketFactory ?? defaultFactory)(target.url);
    } catch (err) {
      failedBeforeOpen(err instanceof Error ? err.message : String(err));
      return;
    }
    this.socket = ws;
    ws.binaryType = "arraybuffer";
    this.openTimer = setTimeout(() => {
      this.openTimer = null;
      if (opened || finished) return;
      if (this.socket === ws) this.socket = null;
      this.detach(ws, 1000, "open timeout");
      failedBeforeOpen(`no answer from ${target.transport} endpoint`);
    }, this.opts.openTimeoutMs ?? OPEN_TIMEOUT_MS);
    ws.onopen = () => {
      if (this.disposed || this.socket !== ws) return;
      opened = true;
      this.clearOpenTimer();
      this.preferred = index;
      this.lastError = null;
      this.opts.onStatus({ state: "open", url: target.url, transport: target.transport });
      try {
        ws.send(JSON.stringify(this.opts.hello()));
      } catch (err) {
        this.opts.onProtocolError(`could not send hello: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    ws.onmessage = (ev) => {
      if (this.disposed || this.socket !== ws) return;
      if (typeof ev.data === "string") this.onText(ev.data);
      else if (ev.data instanceof ArrayBuffer) this.opts.onFrame(ev.data);
    };
    ws.onerror = () => {
      // A close event always follows; it carries the code.
    };
    ws.onclose = (ev) => {
      if (this.disposed || this.socket !== ws) return;
      this.socket = null;
      this.sender.cancel();
      if (!opened) {
        failedBeforeOpen(`${target.transport} connection failed (code ${ev.code})`);
        return;
      }
      finished = true;
      const reason = this.lastError ?? (ev.reason || `connection closed (code ${ev.code})`);
      if (FATAL_CLOSE_CODES.has(ev.code)) this.opts.onStatus({ state: "failed", reason });
      else this.scheduleRetry(reason, this.daemonGone(ev.code));
    };
  }

  private onText(text: string): void {
    let msg: StreamServerMessage;
    try {
      msg = parseServerMessage(text);
    } catch (err) {
      this.opts.onProtocolError(isNapariCudaError(err) ? `${err.code}: ${err.message}` : String(err));
      return;
    }
    if (msg.type === "error") this.lastError = `${msg.code}: ${msg.message}`;
    this.opts.onMessage(msg);
  }

  /** Did an open session end because the daemon went away (rather than a transient fault)? */
  private daemonGone(code: number): boolean {
    return KERNEL_FIRST_CLOSE_CODES.has(code) || this.lastError?.startsWith("shutting_down:") === true;
  }

  /**
   * Retry the URLs after the backoff; `kernelFirst`: the daemon went away, so the owner asks the
   * kernel first (status askKernel) and the old port is tried only after the kernel's wait.
   */
  private scheduleRetry(reason: string, kernelFirst = false): void {
    if (this.disposed) return;
    const backoffMs = this.backoff.next();
    const attempt = this.backoff.attempts;
    const delayMs = kernelFirst ? Math.max(backoffMs, this.opts.kernelWaitMs ?? KERNEL_WAIT_MS) : backoffMs;
    // From the second failure on the daemon may have moved even without a telling close code.
    const askKernel = kernelFirst || attempt >= 2;
    this.opts.onStatus({ state: "reconnecting", delayMs, attempt, reason, askKernel });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.round();
    }, delayMs);
  }

  private sendText(text: string): void {
    const ws = this.socket;
    if (ws === null || ws.readyState !== OPEN) return;
    try {
      ws.send(text);
    } catch {
      // The close event that follows reports the failure.
    }
  }

  private dropSocket(code: number, reason: string): void {
    const ws = this.socket;
    this.socket = null;
    if (ws !== null) this.detach(ws, code, reason);
  }

  /** Stop listening to `ws` and close it; never throws. */
  private detach(ws: SocketLike, code: number, reason: string): void {
    ws.onopen = null;
    ws.onmessage = null;
    ws.onclose = null;
    ws.onerror = () => {};
    try {
      ws.close(code, reason);
    } catch {
      // Closing a socket that never connected may throw in some browsers.
    }
  }

  private clearOpenTimer(): void {
    if (this.openTimer !== null) clearTimeout(this.openTimer);
    this.openTimer = null;
  }

  private clearTimers(): void {
    this.clearOpenTimer();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}
