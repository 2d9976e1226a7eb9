/**
 * The comm transport: a WebSocket-like object over the widget's comm, for pages where no route to
 * the daemon exists (no jupyter-server-proxy, Voilà, VS Code, Colab). The kernel bridge opens a
 * real /stream socket to the daemon per relay and forwards text both ways and frames (one binary
 * comm buffer each) to the view. The stream protocol is unchanged (hello, state, acks), so the
 * daemon's in-flight window bounds what crosses the kernel, exactly as on a direct socket.
 *
 * Messages view -> kernel: {type: "relay_open" | "relay_close", relay}, {type: "relay_send", relay, texts}
 * (the texts sent in one run of the page's code, in order, as every comm message costs the kernel and
 * the page a dispatch). They leave at the end of that run (a microtask), not in a later task: acks
 * are the daemon's window, and a timer task waits behind the page's other tasks (decoder output,
 * incoming frames, JupyterLab): that wait was added to every ack's round trip.
 * Kernel -> view: {type: "relay_opened", relay}, {type: "relay_text", relay, text},
 * {type: "relay_frame", relay} + one buffer, {type: "relay_closed", relay, code, reason}.
 */
import type { SocketFactory, SocketLike } from "./stream-client.js";
import { COMM_URL } from "./url.js";

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/** A relay message to the kernel. */
export interface RelayMessage {
  type: string;
  relay: string;
  texts?: string[];
  /** relay_open: this page sends the relay's messages untracked, so the kernel need not answer their status. */
  untracked?: boolean;
}
/** Sends one custom message to the kernel over the widget's comm. */
export type KernelSend = (msg: RelayMessage) => void;
/** Sends one without tracking its kernel future; false where it cannot (nothing was sent). */
export type UntrackedSend = (msg: RelayMessage) => boolean;

/** A relay id unique on this page (every view of a model hears every relay message). */
function relayId(): string {
  return `r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

/** The bytes a comm buffer views, as an ArrayBuffer of their own when the view is partial. */
function frameBytes(view: DataView): ArrayBuffer {
  const buf = view.buffer as ArrayBuffer;
  if (view.byteOffset === 0 && view.byteLength === buf.byteLength) return buf;
  return buf.slice(view.byteOffset, view.byteOffset + view.byteLength);
}

/** One relayed /stream socket (readyState, handlers and send as a WebSocket). */
export class CommSocket implements SocketLike {
  binaryType = "arraybuffer";
  readonly bufferedAmount = 0;
  readyState = CONNECTING;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  private pending: string[] = [];
  private flushQueued = false;

  constructor(
    readonly id: string,
    private readonly kernel: KernelSend,
    private readonly forget: (id: string) => void,
  ) {}

  send(data: string): void {
    if (this.readyState !== OPEN) throw new Error(`comm relay ${this.id} is not open (readyState ${this.readyState})`);
    this.pending.push(data);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Send the texts queued in this run of the page's code as one comm message. */
  private flush(): void {
    this.flushQueued = false;
    if (this.pending.length === 0) return;
    const texts = this.pending;
    this.pending = [];
    try {
      this.kernel({ type: "relay_send", relay: this.id, texts });
    } catch {
      // The comm closed under the view (kernel gone): lost, as on a socket that drops; the view ends.
    }
  }

  /** Close the relay (the kernel closes its daemon socket); onclose follows, as for a WebSocket. */
  close(code = 1000, reason = ""): void {
    if (this.readyState === CLOSED) return;
    this.flush();
    this.kernel({ type: "relay_close", relay: this.id });
    this.ended(code, reason);
  }

  /** A relay message from the kernel for this socket. */
  deliver(type: string, content: Record<string, unknown>, buffers: readonly DataView[]): void {
    if (this.readyState === CLOSED) return;
    if (type === "relay_opened" && this.readyState === CONNECTING) {
      this.readyState = OPEN;
      this.onopen?.({});
    } else if (type === "relay_text" && typeof content["text"] === "string") {
      this.onmessage?.({ data: content["text"] });
    } else if (type === "relay_frame" && buffers.length > 0) {
      this.onmessage?.({ data: frameBytes(buffers[0]!) });
    } else if (type === "relay_closed") {
      const code = typeof content["code"] === "number" ? content["code"] : 1006;
      const reason = typeof content["reason"] === "string" ? content["reason"] : "";
      if (code !== 1000) this.onerror?.({});
      this.ended(code, reason);
    }
  }

  private ended(code: number, reason: string): void {
    this.readyState = CLOSED;
    this.pending = []; // a queued flush finds nothing
    this.forget(this.id);
    const onclose = this.onclose;
    // A WebSocket reports its close asynchronously; callers rely on that (they detach first).
    if (onclose !== null) queueMicrotask(() => onclose({ code, reason }));
  }
}

/** A view's relayed sockets: opens them and routes the kernel's relay messages to them. */
export class CommRelays {
  private readonly sockets = new Map<string, CommSocket>();

  /** Relay messages go untracked (decided by the first send: the page's comm either can or cannot). */
  private quiet: boolean;

  /** `untracked`: sends without tracking the kernel's reply (ipywidgets on @jupyterlab/services). */
  constructor(
    private readonly kernel: KernelSend,
    private readonly untracked?: UntrackedSend,
  ) {
    this.quiet = untracked !== undefined;
  }

  /** Ask the kernel for a relay to the daemon's /stream; opens when the kernel says so. */
  open(): CommSocket {
    const socket = new CommSocket(relayId(), this.send, (id) => this.sockets.delete(id));
    this.sockets.set(socket.id, socket);
    const open = { type: "relay_open", relay: socket.id };
    if (!this.quiet || !this.untracked!({ ...open, untracked: true })) {
      this.quiet = false;
      this.kernel(open);
    }
    return socket;
  }

  private readonly send: KernelSend = (msg) => {
    if (this.quiet && this.untracked!(msg)) return;
    this.quiet = false;
    this.kernel(msg);
  };

  /** A custom message from the kernel: true when it is a relay message (this view's or another's). */
  handle(content: unknown, buffers: readonly DataView[]): boolean {
    if (typeof content !== "object" || content === null) return false;
    const c = content as Record<string, unknown>;
    const type = c["type"];
    if (typeof type !== "string" || !type.startsWith("relay_")) return false;
    const id = c["relay"];
    if (typeof id === "string") this.sockets.get(id)?.deliver(type, c, buffers);
    return true;
  }

  /** Close every relay of this view; never throws. */
  dispose(): void {
    for (const socket of [...this.sockets.values()]) {
      try {
        socket.close(1000, "view closed");
      } catch {
        // The kernel may be gone; its relays end with it.
      }
    }
    this.sockets.clear();
  }
}

/** Socket factory for the stream client: the comm candidate goes to `relays`, others are WebSockets. */
export function relaySocketFactory(relays: CommRelays): SocketFactory {
  return (url) => (url === COMM_URL ? relays.open() : (new WebSocket(url) as unknown as SocketLike));
}
