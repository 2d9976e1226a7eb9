/**
 * The /chunks link from the chunk store's side: a real DaemonServer (its /chunks endpoint), the
 * ChunkLinks registry, a ChunkStore and a kernel source, with a WebSocket client acting as the
 * kernel. Loads, cancels, bad kernel messages, reconnects and a kernel that goes away.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { defaultConfig } from "../../../src/daemon/config.js";
import { ChunkStore } from "../../../src/daemon/data/chunk-store.js";
import { kernelSource } from "../../../src/daemon/data/kernel-source.js";
import type { ImageSource } from "../../../src/daemon/data/source-types.js";
import { childLogger, setLogLevel } from "../../../src/daemon/log.js";
import { ChunkLinks } from "../../../src/daemon/server/chunk-links.js";
import type { DaemonContext } from "../../../src/daemon/server/context.js";
import { DaemonServer } from "../../../src/daemon/server/server.js";
import { isNapariCudaError, type OpenKernelLayer } from "../../../src/protocol/index.js";
import { FakeKernel, pixel, serverId } from "./fake-kernel.js";
import { TOKENS } from "./helpers.js";

const H = 100;
const W = 130;
const C = 64;

let server: DaemonServer;
let links: ChunkLinks;
let port = 0;
let sid = 0;
const url = (): string => `ws://127.0.0.1:${port}/chunks`;

before(async () => {
  setLogLevel("error");
  links = new ChunkLinks(1000);
  // Only what the /chunks endpoint uses of the daemon context.
  const ctx = { config: { ...defaultConfig(), helloTimeoutMs: 2000 }, tokens: TOKENS, chunkLinks: links };
  server = new DaemonServer(ctx as unknown as DaemonContext, childLogger("test"));
  port = await server.listen();
});
after(async () => {
  await server.close();
});

/** A fresh store and a kernel source served by a fresh server id. */
function setup(): { store: ChunkStore; src: ImageSource; id: string } {
  const id = serverId(++sid);
  const req: OpenKernelLayer = {
    op: "open_kernel_layer",
    id: 1,
    viewer_id: "v",
    layer_id: "l",
    server_id: id,
    source_id: "s",
    dtype: "uint8",
    levels: [{ shape: [H, W], chunks: [C, C], factors: [1, 1], offset: [0, 0] }],
    axes: [
      { name: "y", type: null, unit: null },
      { name: "x", type: null, unit: null },
    ],
    scale: [1, 1],
    translate: [0, 0],
    name: null,
    contrast_range: [0, 1],
  };
  return { store: new ChunkStore({ cacheBytes: 16 << 20 }), src: kernelSource(req, links, 1 << 20), id };
}

/** The error a promise rejects with. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

function assertCode(err: unknown, code: string, path?: string): void {
  assert.ok(isNapariCudaError(err), String(err));
  assert.equal(err.code, code, err.message);
  if (path !== undefined) assert.equal(err.path, path, err.message);
}

describe("kernel chunks through the store", { timeout: 60_000 }, () => {
  test("an edge chunk lands in the cache padded to the chunk shape; pending counts it", async () => {
    const { store, src, id } = setup();
    const kernel = await FakeKernel.connect(url(), id);
    const load = store.load(src, 0, [{ coords: [1, 2] }]);
    await kernel.until(() => kernel.requests.length === 1);
    assert.equal(store.pending, 1);
    const r = kernel.requests[0]!;
    assert.deepEqual([r.source_id, r.level, r.start, r.stop], ["s", 0, [64, 128], [H, W]]);
    kernel.answer(
      r,
      Uint8Array.from({ length: 36 * 2 }, (_, i) => pixel(64 + (i >> 1), 128 + (i & 1))),
    );
    await load;
    assert.equal(store.pending, 0);
    const chunk = store.peek(src, 0, [1, 2])!;
    assert.equal(chunk.length, C * C);
    assert.deepEqual([chunk[0], chunk[1], chunk[2], chunk[C]], [pixel(64, 128), pixel(64, 129), 0, pixel(65, 128)]);
    const got = store.tryRegion(src, 0, { start: [90, 128], stop: [H, W] })!;
    const want = Array.from({ length: 10 * 2 }, (_, i) => pixel(90 + (i >> 1), 128 + (i & 1)));
    assert.deepEqual([...got.data], want);
    await kernel.close();
    await store.dispose();
  });

  test("aborting a load sends cancel; a late answer is ignored; disposing the source cancels too", async () => {
    const { store, src, id } = setup();
    const kernel = await FakeKernel.connect(url(), id);
    const abort = new AbortController();
    const load = rejection(store.load(src, 0, [{ coords: [0, 0] }, { coords: [0, 1] }], abort.signal));
    await kernel.until(() => kernel.requests.length === 2);
    abort.abort();
    assert.equal(((await load) as Error).name, "AbortError");
    await kernel.until(() => kernel.cancels.length === 2);
    assert.deepEqual(kernel.cancels.sort(), kernel.requests.map((r) => r.req).sort());
    assert.equal(store.pending, 0);
    kernel.answer(kernel.requests[0]!, new Uint8Array(C * C)); // too late: dropped, nothing cached
    const again = rejection(store.load(src, 0, [{ coords: [0, 0] }]));
    await kernel.until(() => kernel.requests.length === 3);
    assert.equal(store.peek(src, 0, [0, 0]), undefined);
    await src.dispose();
    await kernel.until(() => kernel.cancels.length === 3);
    assert.equal(((await again) as Error).name, "AbortError");
    await kernel.close();
    await store.dispose();
  });

  test("bad kernel messages are answered naming the property and fail their request; the link keeps serving", async () => {
    const { store, src, id } = setup();
    const kernel = await FakeKernel.connect(url(), id);
    const full = new Uint8Array(C * C);
    // [misbehave, the property named, error replies it causes (a bad header, then its bytes)]
    const cases: Array<[(r: (typeof kernel.requests)[number]) => void, string, number]> = [
      [(r) => kernel.answer(r, full, { dtype: "uint16" }), "dtype", 1],
      [(r) => kernel.answer(r, full, { shape: [C, C - 1] }), "shape", 1],
      [(r) => kernel.answer(r, full, { nbytes: 7 }), "nbytes", 2],
      [(r) => kernel.client.send({ op: "chunk_data", req: r.req, dtype: "uint8", shape: "x", nbytes: 1 }), "shape", 1],
      [(r) => kernel.client.send({ op: "chunk_error", req: r.req, code: "oops", message: "m" }), "code", 1],
    ];
    for (const [i, [misbehave, path, replies]] of cases.entries()) {
      const load = store.load(src, 0, [{ coords: [0, 0] }]);
      await kernel.until(() => kernel.requests.length === i + 1);
      const before = kernel.errors.length;
      misbehave(kernel.requests[i]!);
      assertCode(await rejection(load), "compute_failed", path);
      await kernel.until(() => kernel.errors.length === before + replies);
      assert.equal(kernel.errors[before]!.path, path);
    }
    // Unattached bytes, bad JSON and an unknown op: answered, nothing else happens.
    const before = kernel.errors.length;
    kernel.client.sendBinary(new Uint8Array(3));
    kernel.client.send("{nope");
    kernel.client.send({ op: "bogus", req: 1 });
    await kernel.until(() => kernel.errors.length === before + 3);
    assert.deepEqual(
      kernel.errors.slice(-3).map((e) => e.code),
      ["invalid_message", "bad_json", "unknown_type"],
    );
    // The kernel's own error reaches the load with its message.
    const failing = store.load(src, 0, [{ coords: [1, 1] }]);
    await kernel.until(() => kernel.requests.length === cases.length + 1);
    const message = "layer 'l' level 0 chunk [64:100, 64:128]: ZeroDivisionError: division by zero";
    kernel.client.send({ op: "chunk_error", req: kernel.requests.at(-1)!.req, code: "compute_failed", message });
    const err = await rejection(failing);
    assertCode(err, "compute_failed");
    assert.equal((err as Error).message, message);
    // Still serving.
    kernel.serveImage();
    await store.load(src, 0, [{ coords: [0, 0] }]);
    assert.equal(store.peek(src, 0, [0, 0])![C + 1], pixel(1, 1));
    await kernel.close();
    await store.dispose();
  });

  test("a new connection with the same server_id replaces the old one (closed 1000, its loads fail)", async () => {
    const { store, src, id } = setup();
    const a = await FakeKernel.connect(url(), id);
    const pending = rejection(store.load(src, 0, [{ coords: [0, 0] }]));
    await a.until(() => a.requests.length === 1);
    const b = await FakeKernel.connect(url(), id);
    const err = await pending;
    assertCode(err, "compute_failed");
    assert.match((err as Error).message, /reconnected/);
    assert.equal((await a.client.closed).code, 1000);
    b.serveImage();
    await store.load(src, 0, [{ coords: [0, 1] }]);
    assert.equal(b.requests.length, 1);
    await b.close();
    await store.dispose();
  });

  test("closing fails pending loads with compute_failed; later loads wait for the kernel to come back", async () => {
    const { store, src, id } = setup();
    const a = await FakeKernel.connect(url(), id);
    const pending = rejection(store.load(src, 0, [{ coords: [0, 0] }]));
    await a.until(() => a.requests.length === 1);
    await a.close();
    const err = await pending;
    assertCode(err, "compute_failed");
    assert.match((err as Error).message, /gone/);
    // Nobody connected within the wait (1 s here): compute_failed.
    assertCode(await rejection(store.load(src, 0, [{ coords: [0, 0] }])), "compute_failed");
    // A load made while disconnected is served once the kernel reconnects.
    const waiting = store.load(src, 0, [{ coords: [1, 0] }]);
    const b = await FakeKernel.connect(url(), id);
    b.serveImage();
    await waiting;
    assert.equal(store.peek(src, 0, [1, 0])![0], pixel(64, 0));
    await b.close();
    await store.dispose();
  });
});
