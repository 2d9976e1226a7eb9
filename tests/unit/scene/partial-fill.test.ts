/**
 * A partial region is one buffer filled in place as chunks land (a large volume is not allocated
 * and copied whole on every progressive render): each frame shows the cached chunks and 0
 * elsewhere, the buffer keeps its identity but gets a new generation whenever chunks are copied
 * in (the GPU texture cache must upload it again), and once complete it is the complete region.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ChunkStore } from "../../../src/daemon/data/chunk-store.js";
import { generationOf } from "../../../src/daemon/render/gpu/generation.js";
import { SceneAssembler } from "../../../src/daemon/scene/resolve.js";
import { fixtures, reference, sameValues, SKIP, type Fixtures } from "../data/fixtures.js";
import { canvas, fixed, NAME, openGated, partialOf, view, type Gated } from "./progressive-fixture.js";

describe("partial regions filled in place", { skip: SKIP, timeout: 60_000 }, () => {
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

  const whole = view([35, 45], 2); // all of the 70x90 image (3x3 chunks of 32) on a 200x200 canvas

  it("keeps one buffer, copies the chunks that landed, changes its generation, and completes into it", async () => {
    g = await openGated(fx);
    try {
      const asm = new SceneAssembler(store);
      const ref = reference(fx.manifest[NAME]!, 0);
      const frame = () => asm.resolve(whole, canvas(200), g.entries, fixed(0), true);
      const cached = new Set<string>();
      const land = async (...coords: number[][]): Promise<void> => {
        await store.load(
          g.entry.source,
          0,
          coords.map((c) => ({ coords: c })),
        );
        for (const c of coords) cached.add(c.join(","));
      };

      await land([1, 1]);
      const f1 = frame();
      assert.equal(f1.layers[0]!.partial, true);
      const buf = f1.request.layers.get("img")!.data;
      assert.equal(sameValues(buf, partialOf(ref, [70, 90], 32, cached)), null);
      const gen1 = generationOf(buf);

      const same = frame().request.layers.get("img")!.data;
      assert.equal(same, buf, "nothing landed: the same buffer");
      assert.equal(generationOf(same), gen1, "nothing landed: the same generation");

      await land([0, 0], [2, 2]);
      const f2 = frame();
      assert.equal(f2.layers[0]!.partial, true);
      assert.equal(f2.request.layers.get("img")!.data, buf, "chunks landed: filled in place");
      assert.notEqual(generationOf(buf), gen1, "chunks landed: a new generation");
      assert.equal(sameValues(buf, partialOf(ref, [70, 90], 32, cached)), null);

      const gen2 = generationOf(buf);
      const rest: number[][] = [];
      for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) if (!cached.has(`${y},${x}`)) rest.push([y, x]);
      await land(...rest);
      const done = frame();
      assert.deepEqual(done.layers[0], { id: "img", wanted: 0, drawn: 0, partial: false, count: 3 });
      const full = done.request.layers.get("img")!.data;
      assert.equal(full, buf, "complete: the filled buffer is the region");
      assert.notEqual(generationOf(full), gen2);
      assert.equal(sameValues(full, Array.from(ref)), null);
      assert.equal(frame().request.layers.get("img")!.data, buf, "served from the complete cache");
    } finally {
      await g.close();
    }
  });
});
