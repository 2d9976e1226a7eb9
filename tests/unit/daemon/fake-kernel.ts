/** A WebSocket client acting as a kernel's chunk server on /chunks (the wire of src/protocol/chunks.ts). */
import { PROTOCOL_VERSION, type ChunkRequest } from "../../../src/protocol/index.js";
import { TestClient, TOKENS } from "./helpers.js";

export type DaemonToKernel = ChunkRequest | { op: "cancel"; req: number };

/** A server id of the allowed form, distinct per `n`. */
export function serverId(n: number): string {
  return `test-kernel-${String(n).padStart(8, "0")}`;
}

/** Pixel value of a 2-D test image at (y, x) (uint8). */
export function pixel(y: number, x: number): number {
  return (y * 3 + x * 7) % 251;
}

/** The uint8 image [h, w] of `pixel`, C order. */
export function image(h: number, w: number): Uint8Array {
  return Uint8Array.from({ length: h * w }, (_, i) => pixel(Math.floor(i / w), i % w));
}

export class FakeKernel {
  /** Every `chunk` request seen, in arrival order. */
  readonly requests: ChunkRequest[] = [];
  /** Every `cancel` seen (request numbers). */
  readonly cancels: number[] = [];
  /** Error replies the daemon sent (`{id: null, ok: false, ...}`). */
  readonly errors: Array<{ code: string; path?: string; message: string }> = [];
  private serving: ((r: ChunkRequest) => Uint8Array | null) | null = null;
  /** Requests answered (or given up on) by serve(). */
  private readonly done = new Set<number>();
  private waiters: Array<() => void> = [];

  private constructor(readonly client: TestClient) {
    client.ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const msg = JSON.parse(data.toString("utf8")) as Record<string, unknown>;
      if (msg.op === "chunk") {
        const r = msg as unknown as ChunkRequest;
        this.requests.push(r);
        this.serveOne(r);
      } else if (msg.op === "cancel") this.cancels.push(msg.req as number);
      else if (msg.ok === false && msg.id === null) this.errors.push(msg.error as { code: string; message: string });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Connect to /chunks and say hello as `id`; throws when the daemon refuses. */
  static async connect(url: string, id: string, token = TOKENS.control): Promise<FakeKernel> {
    const c = await TestClient.open(url, { authorization: `Bearer ${TOKENS.control}` });
    // Listen before hello: requests waiting for this server follow the hello reply at once.
    const k = new FakeKernel(c);
    c.send({ op: "hello", id: 1, protocol: PROTOCOL_VERSION, token, server_id: id });
    const r = await c.json<{ ok: boolean }>();
    if (!r.ok) throw new Error(`chunks hello failed: ${JSON.stringify(r)}`);
    return k;
  }

  /** Answer every chunk request (those seen and not cancelled, then new ones) with `fn`'s bytes (null: leave it). */
  serve(fn: (r: ChunkRequest) => Uint8Array | null): void {
    this.serving = fn;
    for (const r of this.requests) this.serveOne(r);
  }

  private serveOne(r: ChunkRequest): void {
    if (!this.serving || this.done.has(r.req) || this.cancels.includes(r.req)) return;
    const bytes = this.serving(r);
    if (!bytes) return;
    this.done.add(r.req);
    this.answer(r, bytes);
  }

  /** Serve a 2-D uint8 image of `pixel` values, level 0 only. */
  serveImage(): void {
    this.serve((r) => {
      const [y0, x0] = r.start as [number, number];
      const [y1, x1] = r.stop as [number, number];
      const w = x1 - x0;
      return Uint8Array.from({ length: (y1 - y0) * w }, (_, i) => pixel(y0 + Math.floor(i / w), x0 + (i % w)));
    });
  }

  /** Send chunk_data for `r` (shape stop - start) and its bytes. */
  answer(r: ChunkRequest, bytes: Uint8Array, over: Record<string, unknown> = {}): void {
    const shape = r.stop.map((b, k) => b - r.start[k]!);
    this.client.send({ op: "chunk_data", req: r.req, dtype: "uint8", shape, nbytes: bytes.byteLength, ...over });
    this.client.sendBinary(bytes);
  }

  /** Resolves when `cond` holds (checked after each message), or rejects after `ms`. */
  async until(cond: () => boolean, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      const left = end - Date.now();
      if (left <= 0) throw new Error("condition not met in time");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
