import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cacheBytesFromEnv, ChunkCache, DEFAULT_CACHE_BYTES } from "../../../src/daemon/data/chunk-cache.js";
import { ChunkStore, type Region } from "../../../src/daemon/data/chunk-store.js";
import { levelRange } from "../../../src/daemon/data/level-range.js";
import { createLayerData } from "../../../src/daemon/data/layer-store.js";
import { memorySource, openSource } from "../../../src/daemon/data/source.js";
import { isNapariCudaError } from "../../../src/protocol/index.js";
import { fixtures, SKIP } from "./fixtures.js";

describe("ChunkCache", () => {
  it("evicts the least recently used entries past its budget", () => {
    const c = new ChunkCache(300);
    c.set("a", new Uint8Array(100));
    c.set("b", new Uint8Array(100));
    c.set("c", new Uint8Array(100));
    assert.ok(c.get("a"), "a is now the most recent");
    c.set("d", new Uint8Array(100));
    assert.equal(c.has("b"), false);
    assert.deepEqual(
      ["a", "c", "d"].map((k) => c.has(k)),
      [true, true, true],
    );
    assert.equal(c.bytes, 300);
    assert.equal(c.evictions, 1);
  });

  it("keeps a single entry larger than the budget until the next insert", () => {
    const c = new ChunkCache(10);
    c.set("big", new Uint8Array(50));
    assert.equal(c.has("big"), true);
    c.set("small", new Uint8Array(5));
    assert.equal(c.has("big"), false);
    assert.equal(c.bytes, 5);
  });

  it("replaces, deletes and drops by prefix", () => {
    const c = new ChunkCache(1000);
    c.set("s1\n0\n0", new Uint8Array(10));
    c.set("s1\n0\n0", new Uint8Array(20));
    c.set("s2\n0\n0", new Uint8Array(30));
    assert.equal(c.bytes, 50);
    c.deletePrefix("s1\n");
    assert.equal(c.bytes, 30);
    assert.equal(c.delete("s2\n0\n0"), true);
    assert.equal(c.bytes, 0);
  });

  it("reads NAPARI_CUDA_CACHE_BYTES", () => {
    assert.equal(cacheBytesFromEnv({}), DEFAULT_CACHE_BYTES);
    assert.equal(DEFAULT_CACHE_BYTES, 2 * 1024 ** 3);
    assert.equal(cacheBytesFromEnv({ NAPARI_CUDA_CACHE_BYTES: " 1048576 " }), 1048576);
    for (const bad of ["0", "-1", "1.5", "lots"]) {
      assert.throws(
        () => cacheBytesFromEnv({ NAPARI_CUDA_CACHE_BYTES: bad }),
        (e: unknown) => isNapariCudaError(e, "invalid_message") && e.path === "NAPARI_CUDA_CACHE_BYTES",
      );
    }
  });
});

describe("memorySource", () => {
  it("serves regions of the in-memory array without loading, and its range", async () => {
    const values = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i - 5);
    values[7] = NaN;
    const layer = createLayerData("l1", "float32", [2, 3, 4], new Uint8Array(values.buffer));
    const src = memorySource("l1", layer);
    assert.equal(src.info.ngff_version, null);
    assert.deepEqual(
      src.info.axes.map((a) => a.name),
      ["z", "y", "x"],
    );
    assert.deepEqual(src.info.levels[0]!.chunks, [2, 3, 4]);
    const store = new ChunkStore({ cacheBytes: 1024 });
    try {
      const region: Region = { start: [1, 1, 2], stop: [2, 3, 4] };
      assert.deepEqual(store.missing(src, 0, region), []);
      await store.load(src, 0, [{ coords: [0, 0, 0] }]);
      const got = store.tryRegion(src, 0, region)!;
      assert.deepEqual(got.shape, [1, 2, 2]);
      assert.deepEqual(
        [...got.data],
        [1 * 12 + 1 * 4 + 2, 19, 22, 23].map((i) => i - 5),
      );
      assert.equal(store.cachedBytes, 0, "memory sources are not copied into the cache");
      assert.deepEqual(await levelRange(store, src, 0), [-5, 18]);
    } finally {
      await store.dispose();
    }
  });
});

describe("ChunkStore loading", { skip: SKIP }, () => {
  it("evicts least recently used chunks past its byte budget", async () => {
    const f = fixtures().manifest.v04_cyx_u16_lz4!;
    const src = await openSource(f.path);
    const chunkBytes = 32 * 48 * 2;
    const store = new ChunkStore({ cacheBytes: 3 * chunkBytes, workers: 1 });
    try {
      const refs = [
        [0, 0, 0],
        [0, 0, 1],
        [0, 0, 2],
        [0, 1, 0],
        [0, 1, 1],
      ].map((coords) => ({ coords }));
      for (const r of refs) await store.load(src, 0, [r]);
      assert.equal(store.cachedBytes, 3 * chunkBytes);
      assert.equal(store.evictions, 2);
      const first: Region = { start: [0, 0, 0], stop: [1, 32, 48] };
      assert.equal(store.tryRegion(src, 0, first), null, "the oldest chunk was evicted");
      assert.deepEqual(store.missing(src, 0, first), [{ coords: [0, 0, 0] }]);
      assert.ok(store.tryRegion(src, 0, { start: [0, 32, 0], stop: [1, 64, 96] }), "the newest are kept");
      store.drop(src);
      assert.equal(store.cachedBytes, 0, "drop() forgets the source's chunks");
    } finally {
      await store.dispose();
    }
  });

  it("drops queued chunks on abort and rejects with an AbortError", async () => {
    const f = fixtures().manifest.v04_cyx_u16_lz4!;
    const src = await openSource(f.path);
    const store = new ChunkStore({ cacheBytes: 64 * 1024 ** 2, workers: 1, concurrency: 1 });
    try {
      const whole: Region = { start: [0, 0, 0], stop: [3, 100, 130] };
      const all = store.missing(src, 0, whole);
      assert.equal(all.length, 36);
      const ac = new AbortController();
      const p = store.load(src, 0, all, ac.signal);
      assert.equal(store.pending, 36);
      ac.abort(new Error("view moved"));
      await assert.rejects(p, (err: unknown) => err instanceof Error && err.name === "AbortError");
      assert.ok(store.pending <= 1, `queued chunks dropped at once (pending ${store.pending})`);
      while (store.pending > 0) await new Promise((r) => setTimeout(r, 5));
      assert.ok(store.missing(src, 0, whole).length >= 35, "almost nothing was loaded");
      // An aborted signal rejects at once; a new load of the same chunks starts afresh and completes.
      await assert.rejects(store.load(src, 0, all, ac.signal), { name: "AbortError" });
      await store.load(src, 0, all);
      assert.ok(store.tryRegion(src, 0, whole));
    } finally {
      await store.dispose();
    }
  });

  it("shares a chunk between loads; aborting one keeps it for the other", async () => {
    const f = fixtures().manifest.v04_zyx_i16_gzip!;
    const src = await openSource(f.path);
    const store = new ChunkStore({ cacheBytes: 64 * 1024 ** 2, workers: 1, concurrency: 1 });
    try {
      const refs = store.missing(src, 0, { start: [0, 0, 0], stop: [20, 40, 50] });
      const ac = new AbortController();
      const a = store.load(src, 0, refs, ac.signal);
      const b = store.load(src, 0, refs);
      assert.equal(store.pending, refs.length, "no duplicate jobs");
      ac.abort();
      await assert.rejects(a, { name: "AbortError" });
      await b;
      assert.deepEqual(store.missing(src, 0, { start: [0, 0, 0], stop: [20, 40, 50] }), []);
    } finally {
      await store.dispose();
    }
  });

  it("fails pending loads with shutting_down on dispose and never throws", async () => {
    const f = fixtures().manifest.v04_cyx_u16_lz4!;
    const src = await openSource(f.path);
    const store = new ChunkStore({ cacheBytes: 64 * 1024 ** 2, workers: 1, concurrency: 1 });
    const p = store.load(src, 0, store.missing(src, 0, { start: [0, 0, 0], stop: [3, 100, 130] }));
    const rejected = assert.rejects(p, (err: unknown) => isNapariCudaError(err, "shutting_down"));
    await store.dispose();
    await rejected;
    await store.dispose();
    assert.equal(store.pending, 0);
  });
});
