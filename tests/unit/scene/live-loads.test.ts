/**
 * LiveScene's loads against a source whose chunks land when the test releases them (a gated
 * HTTP server, like a kernel computing chunks): chunks both the old and the new wish want are
 * fetched once (kept running, not cancelled and restarted); the view renders again as chunks
 * land (throttled; the last one at once) and `loading` counts what is still pending; a failed
 * chunk is reported once and retried only when the view wants new chunks.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ChunkStore } from "../../../src/daemon/data/chunk-store.js";
import { LiveScene } from "../../../src/daemon/scene/live-scene.js";
import { SceneAssembler } from "../../../src/daemon/scene/resolve.js";
import type { NapariCudaError } from "../../../src/protocol/index.js";
import { sleep } from "../daemon/helpers.js";
import { fixtures, reference, sameValues, SKIP, type Fixtures } from "../data/fixtures.js";
import { canvas, fixed, NAME, openGated, partialOf, view, type Gated } from "./progressive-fixture.js";

/** Calls of onLoaded / onError, and a wait for the next onLoaded. */
class Events {
  loaded: Array<[number, number]> = [];
  errors: NapariCudaError[] = [];
  private wake: (() => void) | null = null;
  onLoaded = (chunks: number, bytes: number): void => {
    this.loaded.push([chunks, bytes]);
    this.wake?.();
  };
  onError = (err: NapariCudaError): void => void this.errors.push(err);
  /** Resolves once onLoaded has been called `n` times in all. */
  async calls(n: number): Promise<void> {
    while (this.loaded.length < n) await new Promise<void>((r) => (this.wake = r));
  }
}

describe("live scene loads", { skip: SKIP, timeout: 60_000 }, () => {
  let fx: Fixtures;
  let store: ChunkStore;
  let asm: SceneAssembler;
  let g: Gated;
  before(() => {
    fx = fixtures();
    store = new ChunkStore({ cacheBytes: 16 * 1024 ** 2, workers: 1 });
    asm = new SceneAssembler(store);
  });
  after(async () => {
    await store.dispose();
  });

  function scene(ev: Events, renderEveryMs?: number): LiveScene {
    const deps = { assembler: asm, store, entries: () => g.entries, chooser: fixed(0), ...ev, renderEveryMs };
    return new LiveScene(deps);
  }

  /** Wait until a chunk is in the cache (its load settled in the store). */
  async function cached(level: number, coords: number[]): Promise<void> {
    while (!store.peek(g.entry.source, level, coords)) await sleep(5);
    await sleep(5); // and the scene's handler for it has run
  }

  it("a chunk both the old and the new view want is fetched once", async () => {
    g = await openGated(fx);
    const ev = new Events();
    const s = scene(ev);
    try {
      g.gate.hold = (p) => /\/s0\/\d+\/\d+$/.test(p); // chunks, not the array metadata
      // 32x32 data pixels on screen: view A needs chunks (0..1, 0..1), view B (0..1, 1..2).
      s.frame(view([16, 16], 2), canvas(64));
      assert.equal(s.loading, 4);
      await Promise.all([g.gate.requested(g.chunk(0, [0, 1])), g.gate.requested(g.chunk(0, [1, 1]))]);
      s.frame(view([16, 60], 2), canvas(64));
      assert.equal(s.loading, 4);
      g.gate.release();
      while (s.loading > 0) await ev.calls(ev.loaded.length + 1);
      for (const c of [
        [0, 1],
        [1, 1],
        [0, 2],
        [1, 2],
      ]) {
        assert.equal(g.gate.count(g.chunk(0, c)), 1, `chunk ${c} fetched once`);
      }
      const f = s.frame(view([16, 60], 2), canvas(64));
      assert.deepEqual(f.layers[0], { id: "img", wanted: 0, drawn: 0, partial: false, count: 3 });
      assert.deepEqual(f.loads, []);
      assert.deepEqual(ev.errors, []);
    } finally {
      s.dispose();
      await g.close();
    }
  });

  it("renders again as chunks land: the first at once, then throttled, the last at once", async () => {
    g = await openGated(fx);
    const ev = new Events();
    const s = scene(ev, 3_600_000); // after the first render, only the wish's last chunk may render early
    const whole = view([35, 45], 2);
    try {
      g.gate.hold = (p) => /\/s0\/\d+\/\d+$/.test(p); // chunks, not the array metadata
      const f0 = s.frame(whole, canvas(200));
      assert.equal(s.loading, 9);
      const order = f0.loads[0]!.chunks.map((c) => c.coords);
      g.gate.release(g.chunk(0, order[0]!));
      await ev.calls(1);
      assert.deepEqual(ev.loaded, [[1, 32 * 32]]);
      assert.equal(s.loading, 8);
      const f1 = s.frame(whole, canvas(200));
      assert.deepEqual(f1.layers[0], { id: "img", wanted: 0, drawn: 0, partial: true, count: 3 });
      const ref = reference(fx.manifest[NAME]!, 0);
      const tile = partialOf(ref, [70, 90], 32, new Set([order[0]!.join(",")]));
      assert.equal(sameValues(f1.request.layers.get("img")!.data, tile), null);

      g.gate.release(g.chunk(0, order[1]!));
      await cached(0, order[1]!);
      assert.equal(ev.loaded.length, 1, "throttled: no render yet for the second chunk");
      assert.equal(s.loading, 7);
      g.gate.release();
      await ev.calls(2);
      assert.deepEqual(ev.loaded, [
        [1, 32 * 32],
        [8, 8 * 32 * 32],
      ]);
      assert.equal(s.loading, 0);
      const f2 = s.frame(whole, canvas(200));
      assert.deepEqual(f2.layers[0], { id: "img", wanted: 0, drawn: 0, partial: false, count: 3 });
      for (const c of order) assert.equal(g.gate.count(g.chunk(0, c)), 1, `chunk ${c} fetched once`);
    } finally {
      s.dispose();
      await g.close();
    }
  });

  it("a failed chunk is reported once and retried when the view wants new chunks", async () => {
    g = await openGated(fx);
    const ev = new Events();
    const s = scene(ev);
    const bad = g.chunk(0, [0, 0]);
    try {
      g.gate.fail.add(bad);
      s.frame(view([16, 16], 2), canvas(64)); // chunks (0..1, 0..1)
      while (s.loading > 0) await ev.calls(ev.loaded.length + 1);
      assert.equal(ev.errors.length, 1);
      assert.equal(ev.errors[0]!.code, "invalid_source");
      assert.match(ev.errors[0]!.message, /chunk \(0, 0\)/);
      const f = s.frame(view([16, 16], 2), canvas(64));
      assert.equal(f.layers[0]!.partial, true, "the other three tiles show");
      assert.equal(s.loading, 0, "the failed chunk is not asked again for the same view");
      assert.equal(g.gate.count(bad), 1);
      g.gate.fail.delete(bad);
      s.frame(view([16, 40], 1), canvas(64)); // zooms out onto chunk column 2: everything is asked again
      while (s.loading > 0) await ev.calls(ev.loaded.length + 1);
      assert.equal(g.gate.count(bad), 2);
      assert.equal(s.frame(view([16, 40], 1), canvas(64)).layers[0]!.partial, false);
      assert.equal(ev.errors.length, 1);
    } finally {
      s.dispose();
      await g.close();
    }
  });
});
