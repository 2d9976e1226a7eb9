/**
 * Progressive assembly: with no complete level, the level with the most cached area of the frame
 * is drawn with its missing chunks as 0 (flagged partial), the wanted level's missing chunks load
 * centre first; a complete coarser level beats a partial finer one; exact frames (screenshots)
 * never draw a partial region and a partial region is never reused as a complete one.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ChunkStore } from "../../../src/daemon/data/chunk-store.js";
import { SceneAssembler } from "../../../src/daemon/scene/resolve.js";
import { fixtures, reference, sameValues, SKIP, type Fixtures } from "../data/fixtures.js";
import { canvas, fixed, NAME, openGated, partialOf, view, type Gated } from "./progressive-fixture.js";

describe("progressive assembly", { skip: SKIP, timeout: 60_000 }, () => {
  let fx: Fixtures;
  let store: ChunkStore;
  let g: Gated;
  before(() => {
    fx = fixtures();
    store = new ChunkStore({ cacheBytes: 16 * 1024 ** 2, workers: 1 });
  });
  after(async () => {
    await store.dispose();
  });

  const whole = view([35, 45], 2); // all of the 70x90 image on a 200x200 canvas
  const load = (level: number, ...coords: number[][]) =>
    store.load(
      g.entry.source,
      level,
      coords.map((c) => ({ coords: c })),
    );

  it("draws the cached tiles and 0 elsewhere; exact frames and the complete cache ignore it", async () => {
    g = await openGated(fx);
    try {
      const asm = new SceneAssembler(store);
      await load(0, [0, 0], [1, 1]);
      const f = asm.resolve(whole, canvas(200), g.entries, fixed(0), true);
      assert.deepEqual(f.layers, [{ id: "img", wanted: 0, drawn: 0, partial: true, count: 3 }]);
      const data = f.request.layers.get("img")!;
      assert.deepEqual(data.shape, [70, 90]);
      const ref = reference(fx.manifest[NAME]!, 0);
      const want = partialOf(ref, [70, 90], 32, new Set(["0,0", "1,1"]));
      assert.equal(sameValues(data.data, want), null);
      assert.deepEqual(f.request.state.layers[0]!.scale, [1, 1]);
      // The other 7 chunks load, the one nearest the view centre (35, 45) first.
      assert.equal(f.loads.length, 1);
      assert.equal(f.loads[0]!.level, 0);
      assert.equal(f.loads[0]!.chunks.length, 7);
      assert.deepEqual(f.loads[0]!.chunks[0]!.coords, [0, 1]);

      const exact = asm.resolve(whole, canvas(200), g.entries, fixed(0), false);
      assert.deepEqual(exact.layers, [{ id: "img", wanted: 0, drawn: null, partial: false, count: 3 }]);
      assert.equal(exact.request.layers.size, 0, "a screenshot waits for the chunks");

      await load(0, ...f.loads[0]!.chunks.map((c) => c.coords));
      const done = asm.resolve(whole, canvas(200), g.entries, fixed(0), true);
      assert.deepEqual(done.layers, [{ id: "img", wanted: 0, drawn: 0, partial: false, count: 3 }]);
      assert.equal(sameValues(done.request.layers.get("img")!.data, Array.from(ref)), null);
      assert.deepEqual(done.loads, []);
    } finally {
      await g.close();
    }
  });

  it("the level with the most cached area wins, and a complete coarser level beats them", async () => {
    g = await openGated(fx);
    try {
      const asm = new SceneAssembler(store);
      const frame = () => asm.resolve(whole, canvas(200), g.entries, fixed(0), true);
      assert.deepEqual(frame().layers[0], { id: "img", wanted: 0, drawn: null, partial: false, count: 3 });
      // Level 0: 2 of 9 chunks (2048 of 6300 samples); level 1: chunk (0, 0) is 1024 of 1575.
      await load(0, [0, 0], [1, 1]);
      assert.equal(frame().layers[0]!.drawn, 0);
      await load(1, [0, 0]);
      const f1 = frame();
      assert.deepEqual(f1.layers[0], { id: "img", wanted: 0, drawn: 1, partial: true, count: 3 });
      const ref1 = reference(fx.manifest[NAME]!, 1);
      const d1 = f1.request.layers.get("img")!;
      assert.deepEqual(d1.shape, [35, 45]);
      assert.equal(sameValues(d1.data, partialOf(ref1, [35, 45], 32, new Set(["0,0"]))), null);
      assert.deepEqual(f1.request.state.layers[0]!.scale, [2, 2], "placed at level 1's scale");
      assert.deepEqual(f1.loads[0]!.level, 0, "the wanted level keeps loading");

      await load(2, [0, 0]); // the coarsest level (one chunk) is now complete
      const f2 = frame();
      assert.deepEqual(f2.layers[0], { id: "img", wanted: 0, drawn: 2, partial: false, count: 3 });
      assert.equal(sameValues(f2.request.layers.get("img")!.data, Array.from(reference(fx.manifest[NAME]!, 2))), null);
      assert.equal(f2.loads[0]!.chunks.length, 7);
    } finally {
      await g.close();
    }
  });
});
