import { execFileSync } from "node:child_process";
/** Shared helpers for daemon tests: a real daemon in-process and a queueing WebSocket client. */
import { WebSocket, type RawData } from "ws";
import { defaultConfig, type DaemonConfig } from "../../../src/daemon/config.js";
import { startDaemon, type RunningDaemon } from "../../../src/daemon/daemon.js";
import { setLogLevel } from "../../../src/daemon/log.js";
import { decodeFrame, H264_CODECS, PROTOCOL_VERSION, type ViewerState } from "../../../src/protocol/index.js";
import assert from "node:assert/strict";

export const TOKENS = { control: "control-token-0123456789abcdef", view: "view-token-0123456789abcdef" };

export interface TestDaemon {
  daemon: RunningDaemon;
  shutdownRequests: string[];
  url(path: string): string;
}

/** Start a real daemon (renderer workers, ffmpeg encoders) on an ephemeral port. */
export async function startTestDaemon(overrides: Partial<DaemonConfig> = {}): Promise<TestDaemon> {
  setLogLevel((process.env.NAPARI_CUDA_LOG_LEVEL as "error" | undefined) ?? "error");
  const shutdownRequests: string[] = [];
  const daemon = await startDaemon({
    config: { ...defaultConfig(), renderThreads: 1, ...overrides },
    tokens: TOKENS,
    onShutdownRequest: (r) => shutdownRequests.push(r),
  });
  return { daemon, shutdownRequests, url: (path) => `ws://127.0.0.1:${daemon.port}${path}` };
}

export type Msg = { kind: "text"; json: unknown; text: string } | { kind: "binary"; data: Buffer };

/** WebSocket client that queues every message; tests await them in order. */
export class TestClient {
  readonly ws: WebSocket;
  private readonly queue: Msg[] = [];
  private waiters: Array<(m: Msg) => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  /** `headers`: upgrade request headers; by default /control gets the test control token as Bearer (as the kernel sends it). */
  constructor(url: string, headers?: Record<string, string>) {
    const control = new URL(url).pathname === "/control";
    const sent = headers ?? (control ? { authorization: `Bearer ${TOKENS.control}` } : {});
    this.ws = new WebSocket(url, { perMessageDeflate: false, headers: sent });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) =>
      this.ws.once("close", (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
    );
    this.ws.on("error", () => undefined);
    this.ws.on("message", (data: RawData, isBinary: boolean) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      let msg: Msg;
      if (isBinary) msg = { kind: "binary", data: buf };
      else {
        const text = buf.toString("utf8");
        msg = { kind: "text", text, json: JSON.parse(text) as unknown };
      }
      const w = this.waiters.shift();
      if (w) w(msg);
      else this.queue.push(msg);
    });
  }

  static async open(url: string, headers?: Record<string, string>): Promise<TestClient> {
    const c = new TestClient(url, headers);
    await c.opened;
    return c;
  }

  /** Number of messages received and not yet taken. */
  get pending(): number {
    return this.queue.length;
  }

  /** Take all queued messages without waiting. */
  drain(): Msg[] {
    return this.queue.splice(0);
  }

  next(timeoutMs = 5000): Promise<Msg> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (msg: Msg): void => {
        clearTimeout(timer);
        resolve(msg);
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Text messages up to and including the next binary one, all within `timeoutMs` overall
   * (a stream of error messages must not keep a test waiting forever).
   */
  async untilBinary(timeoutMs = 15_000): Promise<{ data: Buffer; texts: unknown[] }> {
    const deadline = Date.now() + timeoutMs;
    const texts: unknown[] = [];
    for (;;) {
      const left = deadline - Date.now();
      let m: Msg;
      try {
        m = await this.next(Math.max(1, left));
      } catch {
        throw new Error(`no binary message within ${timeoutMs} ms; text messages: ${JSON.stringify(texts)}`);
      }
      if (m.kind === "binary") return { data: m.data, texts };
      texts.push(m.json);
    }
  }

  /** Next message, which must be JSON text. */
  async json<T = Record<string, unknown>>(timeoutMs = 5000): Promise<T> {
    const m = await this.next(timeoutMs);
    if (m.kind !== "text") throw new Error(`expected a text message, got ${m.data.byteLength} binary bytes`);
    return m.json as T;
  }

  /** Next message, which must be binary. */
  async binary(timeoutMs = 5000): Promise<Buffer> {
    const m = await this.next(timeoutMs);
    if (m.kind !== "binary") throw new Error(`expected a binary message, got ${m.text}`);
    return m.data;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === "string" ? msg : JSON.stringify(msg));
  }

  sendBinary(data: Uint8Array): void {
    this.ws.send(data, { binary: true });
  }

  /** Close and wait for the close handshake (or 2 s). */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, 2000))]);
    this.ws.terminate();
  }
}

/** A control client that has said hello. */
export async function controlClient(t: Pick<TestDaemon, "url">): Promise<TestClient> {
  const c = await TestClient.open(t.url("/control"));
  c.send({ op: "hello", id: 0, protocol: PROTOCOL_VERSION, token: TOKENS.control });
  const r = await c.json<{ ok: boolean }>();
  if (!r.ok) throw new Error(`control hello failed: ${JSON.stringify(r)}`);
  return c;
}

export function layer(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name: id,
    visible: true,
    opacity: 1,
    colormap: "gray",
    contrast_limits: [0, 255],
    gamma: 1,
    interpolation: "nearest",
    blending: "translucent",
    ...over,
  };
}

export function viewerState(
  center: [number, number],
  zoom: number,
  layers: Array<Record<string, unknown>> = [],
): ViewerState {
  return {
    camera: { center, zoom, angles: [0, 0, 90] },
    dims: { ndisplay: 2, current_step: [], axis_labels: [] },
    layers: layers as ViewerState["layers"],
  };
}

export function streamHello(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "hello",
    protocol: PROTOCOL_VERSION,
    token: TOKENS.view,
    viewer_id: "v1",
    canvas: { width: 64, height: 48, pixel_ratio: 1 },
    codecs: [...H264_CODECS],
    seq: 0,
    state: viewerState([0, 0], 1),
    ...over,
  };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Child ffmpeg processes of this test process. */
export function ffmpegChildren(): number[] {
  try {
    const out = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
    return out
      .split("\n")
      .filter((l) => /ffmpeg/.test(l))
      .map((l) => Number(l.trim().split(/\s+/)[0]));
  } catch {
    return []; // ps exits 1 when it lists nothing
  }
}

/** Create a viewer through the control channel (a view may only watch a viewer the kernel created). */
export async function openViewer(t: Pick<TestDaemon, "url">, viewer: string): Promise<void> {
  const k = await controlClient(t);
  k.send({ op: "open_viewer", id: 1, viewer_id: viewer });
  const r = await k.json<{ ok: boolean }>();
  assert.ok(r.ok, JSON.stringify(r));
  await k.close();
}

/** Send layer data (C order) to a viewer through the control channel. */
export async function setLayerData(
  t: TestDaemon,
  viewer: string,
  id: string,
  dtype: string,
  shape: number[],
  data: ArrayBufferView,
) {
  const k = await controlClient(t);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  k.send({ op: "set_layer_data", id: 1, viewer_id: viewer, layer_id: id, dtype, shape, nbytes: bytes.length });
  k.sendBinary(bytes);
  const r = await k.json<{ ok: boolean }>();
  assert.ok(r.ok, JSON.stringify(r));
  await k.close();
}

/** Next text message that is not meta/config; frames are acked and skipped. */
export async function nextReply<T>(c: TestClient, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = await c.next(Math.max(1, end - Date.now()));
    if (m.kind === "binary") {
      c.send({ type: "ack", frame_id: decodeFrame(m.data).header.frameId });
      continue;
    }
    const type = (m.json as { type: string }).type;
    if (type !== "meta" && type !== "config") return m.json as T;
  }
}

/** Wait for a frame whose header says `level` (frames before it are acked). */
export async function frameAt(c: TestClient, level: number, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = await c.next(Math.max(1, end - Date.now()));
    if (m.kind !== "binary") continue;
    const { header } = decodeFrame(m.data);
    c.send({ type: "ack", frame_id: header.frameId });
    if (header.level === level) return;
  }
}
