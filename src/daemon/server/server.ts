/**
 * HTTP + WebSocket server on loopback (both 127.0.0.1 and ::1 on one port, listen.ts): GET /healthz,
 * GET /metrics (Prometheus text, either token as a Bearer header), and upgrades on /control and
 * /chunks (kernel: Bearer control token, no Origin; upgrade-guard.ts) and /stream (views: token in
 * hello, under the pre-auth limits of preauth.ts), each with its own size limit. Anything else is a 404.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Server as NetServer } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Logger } from "../log.js";
import { getMetrics, serveMetrics } from "../metrics/index.js";
import type { DaemonContext } from "./context.js";
import { ChunkSession } from "./chunk-session.js";
import { ControlSession } from "./control-session.js";
import { listenLoopback } from "./listen.js";
import { HEADERS_TIMEOUT_MS, PreauthGate, REJECT_LINGER_MS, type PreauthTicket } from "./preauth.js";
import { Socket } from "./socket.js";
import { StreamSession } from "./stream-session.js";
import { refuseUpgrade } from "./upgrade-guard.js";

/** Answer an upgrade with `status`, then close after REJECT_LINGER_MS (the client reads the answer first). */
function rejectUpgrade(socket: Duplex, status: string): void {
  try {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    setTimeout(() => socket.destroy(), REJECT_LINGER_MS).unref();
  } catch {
    socket.destroy();
  }
}

/**
 * Response header on /stream upgrades. napari_cuda's Jupyter server extension (`_proxy_nodelay.py`)
 * looks for it to turn Nagle's algorithm off on jupyter-server-proxy's two sockets of a view stream.
 */
export const STREAM_HEADER = "X-Napari-Cuda-Stream: 1";

/** The names in a Cookie header (values dropped). */
export function cookieNames(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(";")
    .map((part) => part.split("=", 1)[0]!.trim())
    .filter((name) => name.length > 0);
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? "/", "http://localhost").pathname;
  } catch {
    return "";
  }
}

type WsChannel = "control" | "chunks" | "stream";

export class DaemonServer {
  private readonly http: Server;
  private readonly wss: Record<WsChannel, WebSocketServer>;
  private readonly controls = new Set<ControlSession>();
  private readonly chunkers = new Set<ChunkSession>();
  private readonly streams = new Set<StreamSession>();
  /** Counts /stream sockets that have not said hello yet (preauth.ts). */
  private readonly preauth = new PreauthGate();
  private twin: NetServer | null = null;
  private stopping = false;

  constructor(
    private readonly ctx: DaemonContext,
    private readonly log: Logger,
  ) {
    const common = { noServer: true, perMessageDeflate: false, clientTracking: false } as const;
    this.wss = {
      control: new WebSocketServer({ ...common, maxPayload: ctx.config.controlMaxBytes }),
      chunks: new WebSocketServer({ ...common, maxPayload: ctx.config.controlMaxBytes }),
      stream: new WebSocketServer({ ...common, maxPayload: ctx.config.streamMaxBytes }),
    };
    this.wss.stream.on("headers", (headers: string[]) => headers.push(STREAM_HEADER));
    this.http = createServer((req, res) => this.onRequest(req, res));
    // Slow senders of request headers (upgrades included) hold a socket at most this long.
    this.http.headersTimeout = HEADERS_TIMEOUT_MS;
    this.http.requestTimeout = HEADERS_TIMEOUT_MS;
    this.http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.http.on("clientError", (_err, socket: Duplex) => rejectUpgrade(socket, "400 Bad Request"));
  }

  /** Listen on the configured loopback host/port and hold the other loopback address; resolves with the port. */
  async listen(): Promise<number> {
    const { port, twin } = await listenLoopback(this.http, this.ctx.config.host, this.ctx.config.port, this.log);
    this.twin = twin;
    this.http.on("error", (err) => this.log.error({ err }, "http server error"));
    twin?.on("error", (err) => this.log.error({ err }, "twin listener error"));
    return port;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (pathOf(req) === "/healthz" && (req.method === "GET" || req.method === "HEAD")) {
      res.writeHead(200, { "content-type": "text/plain", "cache-control": "no-store" });
      res.end(req.method === "GET" ? "ok" : undefined);
      return;
    }
    if (pathOf(req) === "/metrics") {
      void serveMetrics(req, res, this.ctx.tokens, getMetrics());
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", (err) => this.log.debug({ err: err.message }, "upgrade socket error"));
    if (this.stopping) return rejectUpgrade(socket, "503 Service Unavailable");
    const path = pathOf(req);
    const channel: WsChannel | null =
      path === "/control" ? "control" : path === "/chunks" ? "chunks" : path === "/stream" ? "stream" : null;
    if (!channel) return rejectUpgrade(socket, "404 Not Found");
    // Names only, never values: an audit of what relays forward (e.g. jupyter-server-proxy's cookies).
    this.log.debug({ channel, headers: Object.keys(req.headers), cookies: cookieNames(req.headers.cookie) }, "upgrade");
    const refused = refuseUpgrade(req, channel, this.ctx.tokens);
    if (refused) return rejectUpgrade(socket, refused);
    let ticket: PreauthTicket | null = null;
    if (channel === "stream") {
      ticket = this.preauth.admit(socket);
      if (!ticket) return rejectUpgrade(socket, "503 Service Unavailable");
    }
    try {
      this.wss[channel].handleUpgrade(req, socket, head, (ws: WebSocket) => this.onConnection(channel, ws, ticket));
    } catch (err) {
      this.log.warn({ err }, "websocket upgrade failed");
      socket.destroy();
    }
  }

  private onConnection(channel: WsChannel, ws: WebSocket, ticket: PreauthTicket | null): void {
    if (this.stopping) {
      ws.close(1001, "shutting_down");
      return;
    }
    const log = this.log.child({ channel });
    const socket = new Socket(ws, log);
    if (channel === "control") {
      this.controls.add(new ControlSession(socket, this.ctx, log, (s) => this.controls.delete(s)));
    } else if (channel === "chunks") {
      this.chunkers.add(new ChunkSession(socket, this.ctx, log, (s) => this.chunkers.delete(s)));
    } else {
      const onAuthenticated = (): void => ticket?.authenticated();
      this.streams.add(new StreamSession(socket, this.ctx, log, (s) => this.streams.delete(s), onAuthenticated));
    }
  }

  /** Stop accepting, close every connection with 1001, stop all encoders. Never throws. */
  async close(): Promise<void> {
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.twin?.close();
    this.http.closeAllConnections();
    for (const c of [...this.controls]) c.shutdown();
    for (const c of [...this.chunkers]) c.shutdown();
    this.ctx.chunkLinks.close();
    await Promise.all([...this.streams].map((s) => s.shutdown()));
    for (const w of Object.values(this.wss)) w.close();
    await Promise.race([closed, new Promise((r) => setTimeout(r, 500).unref())]);
  }
}
