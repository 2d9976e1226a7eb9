/**
 * LiveScene over a kernel-served layer: a real /chunks endpoint (DaemonServer), the ChunkLinks
 * registry and a WebSocket client acting as the kernel. The view is simulated: it renders (calls
 * frame() again) whenever the scene says chunks landed or failed. Removing or replacing a layer
 * with chunks in flight is a cancellation, not an error; chunks lost with a reconnecting or
 * returning kernel are asked again without the view moving (a reconnect is not an error, a kernel
 * that is gone is reported once); a chunk that fails in the user's code is reported once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { defaultConfig } from "../../../src/daemon/config.js";
import { ChunkStore } from "../../../src/daemon/data/chunk-store.js";
import { kernelSource } from "../../../src/daemon/data/kernel-source.js";
import { ViewerStore } from "../../../src/daemon/data/viewer-store.js";
import { childLogger, setLogLevel } from "../../../src/daemon/log.js";
import { LiveScene } from "../../../src/daemon/scene/live-scene.js";
import { SceneAssembler } from "../../../src/daemon/scene/resolve.js";
import { ChunkLinks } from "../../../src/daemon/server/chunk-links.js";
import type { DaemonContext } from "../../../src/daemon/server/context.js";
import { DaemonServer } from "../../../src/daemon/server/server.js";
import type { ChunkRequest, NapariCudaError, ViewerState } from "../../../src/protocol/index.js";
import { FakeKernel, pixel, serverId } from "../daemon/fake-kernel.js";
import { sleep, TOKENS } from "../daemon/helpers.js";
import { canvas, fixed, view } from "./progressive-fixture.js";

const H = 70;
const W = 90;
const C = 32;

let server: DaemonServer;
let links: ChunkLinks;
let port = 0;
let sid = 100;
const url = (): string => `ws://127.0.0.1:${port}/chunks`;

before(async () => {
  setLogLevel("error");
  links = new ChunkLinks(60_000); // a request waits for its kernel for the whole test
  const ctx = { config: { ...defaultConfig(), helloTimeoutMs: 2000 }, tokens: TOKENS, chunkLinks: links };
  server = new DaemonServer(ctx as unknown as DaemonContext, childLogger("test"));
  port = await server.listen();
});
after(async () => {
  links.close();
  await server.close();
});

/** The pixels of a request's region (the image of `pixel`). */
function pixels(r: ChunkRequest): Uint8Array {
  const [y0, x0] = r.start as [number, number];
  const [y1, x1] = r.stop as [number, number];
  const w = x1 - x0;
  return Uint8Array.from({ length: (y1 - y0) * w }, (_, i) => pixel(y0 + Math.floor(i / w), x0 + (i % w)));
}

/** A viewer "v" with kernel layer "img" (70x90 uint8, 32x32 chunks) served by a fresh server id, and a view of it. */
class Setup {
  readonly id = serverId(++sid);
  readonly store = new ChunkStore({ cacheBytes: 16 << 20, workers: 1 });
  readonly viewers = new ViewerStore(1 << 30, null, (s) => this.store.drop(s));
  readonly errors: NapariCudaError[] = [];
  /** What the view shows now; it renders again whenever the scene asks. */
  state: ViewerState = view([16, 16], 2);
  readonly scene: LiveScene;

  constructor() {
    this.open();
    this.scene = new LiveScene({
      assembler: new SceneAssembler(this.store),
      store: this.store,
      entries: () => this.viewers.layers("v"),
      chooser: fixed(0),
      onLoaded: () => setImmediate(() => this.frame()),
      onError: (e) => void this.errors.push(e),
    });
  }

  /** (Re)open the layer: a new source (replacing the old one, which is disposed). */
  open(): void {
    const req = {
      op: "open_kernel_layer" as const,
      id: 1,
      viewer_id: "v",
      layer_id: "img",
      server_id: this.id,
      source_id: "s",
      dtype: "uint8" as const,
      levels: [{ shape: [H, W], chunks: [C, C], factors: [1, 1], offset: [0, 0] }],
      axes: [
        { name: "y", type: null, unit: null },
        { name: "x", type: null, unit: null },
      ],
      scale: [1, 1],
      translate: [0, 0],
      name: null,
      contrast_range: [0, 255] as [number, number],
    };
    this.viewers.openKernelLayer("v", "img", kernelSource(req, links, 1 << 20));
  }

  frame(state = this.state): ReturnType<LiveScene["frame"]> {
    this.state = state;
    return this.scene.frame(state, canvas(64));
  }

  /** Wait until `cond` holds (polled: the view's renders run on their own). */
  async until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(5);
    }
  }

  /** Everything the view wants is drawn at the wanted level. */
  async complete(): Promise<void> {
    await this.until(() => this.scene.loading === 0 && this.frame().layers[0]?.partial === false, "a complete view");
  }

  async close(): Promise<void> {
    this.scene.dispose();
    await this.store.dispose();
  }
}

describe("live scene over a kernel layer", { timeout: 60_000 }, () => {
  it("removing or replacing the layer with chunks in flight cancels them without an error", async () => {
    const s = new Setup();
    const kernel = await FakeKernel.connect(url(), s.id);
    try {
      s.frame();
      const n = s.scene.loading;
      assert.ok(n > 0);
      await kernel.until(() => kernel.requests.length === n);
      s.open(); // replaced: the old source aborts its requests
      await kernel.until(() => kernel.cancels.length === n);
      await s.until(() => kernel.requests.length === 2 * n, "the new source's requests"); // the view re-rendered
      s.viewers.removeLayer("v", "img");
      await kernel.until(() => kernel.cancels.length === 2 * n);
      await s.until(() => s.scene.loading === 0, "nothing loading");
      await sleep(20);
      assert.deepEqual(
        s.errors.map((e) => e.message),
        [],
      );
    } finally {
      await kernel.close();
      await s.close();
    }
  });

  it("a reconnect is no error, and what it lost is asked again while the view stands still", async () => {
    const s = new Setup();
    const a = await FakeKernel.connect(url(), s.id);
    let b: FakeKernel | undefined;
    try {
      s.frame();
      const n = s.scene.loading;
      await a.until(() => a.requests.length === n);
      b = await FakeKernel.connect(url(), s.id); // replaces a: a's requests fail "reconnected"
      b.serve(pixels);
      await b.until(() => b!.requests.length === n);
      await s.complete();
      assert.deepEqual(
        s.errors.map((e) => e.message),
        [],
      );
    } finally {
      await a.close();
      await b?.close();
      await s.close();
    }
  });

  it("a kernel that is gone is reported once; its chunks are asked again when it is back", async () => {
    const s = new Setup();
    const a = await FakeKernel.connect(url(), s.id);
    let b: FakeKernel | undefined;
    try {
      s.frame();
      const n = s.scene.loading;
      await a.until(() => a.requests.length === n);
      await a.close();
      await s.until(() => s.scene.loading === 0, "the lost chunks failed");
      assert.equal(s.errors.length, 1);
      assert.equal(s.errors[0]!.code, "compute_failed");
      assert.match(s.errors[0]!.message, /gone/);
      b = await FakeKernel.connect(url(), s.id);
      b.serve(pixels);
      await b.until(() => b!.requests.length === n); // the view did not move
      await s.complete();
      assert.equal(s.errors.length, 1);
    } finally {
      await b?.close();
      await s.close();
    }
  });

  it("a chunk that fails in the user's code is reported once, not again when the view comes back to it", async () => {
    const s = new Setup();
    const kernel = await FakeKernel.connect(url(), s.id);
    const isBad = (r: ChunkRequest): boolean => r.start[0] === 0 && r.start[1] === 0;
    try {
      kernel.serve((r) => {
        if (!isBad(r)) return pixels(r);
        const message = "layer 'img' level 0 chunk [0:32, 0:32]: ZeroDivisionError: division by zero";
        kernel.client.send({ op: "chunk_error", req: r.req, code: "compute_failed", message });
        return null;
      });
      s.frame();
      await s.until(() => s.scene.loading === 0 && s.errors.length > 0, "the failure");
      assert.equal(s.errors.length, 1);
      assert.match(s.errors[0]!.message, /ZeroDivisionError/);
      s.frame(view([50, 70], 2)); // other chunks: the failed one gets another chance later
      await s.complete();
      s.frame(view([16, 16], 2));
      await kernel.until(() => kernel.requests.filter(isBad).length === 2);
      await s.until(() => s.scene.loading === 0, "the second failure");
      await sleep(20);
      assert.equal(s.errors.length, 1, s.errors.map((e) => e.message).join("\n"));
    } finally {
      await kernel.close();
      await s.close();
    }
  });
});
