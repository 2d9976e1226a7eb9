import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ChunkStore, type Region } from "../../../src/daemon/data/chunk-store.js";
import { levelRange } from "../../../src/daemon/data/level-range.js";
import { openSource, type ImageSource } from "../../../src/daemon/data/source.js";
import { isNapariCudaError } from "../../../src/protocol/index.js";
import { fixtures, reference, sameValues, SKIP, sliceRef, type Fixture, type Fixtures } from "./fixtures.js";

/** Deterministic pseudo-random integers in [0, n). */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** Regions to check on a level: the whole level, random boxes, and one-plane slices of the leading axes. */
function regions(shape: number[], seed: number): Region[] {
  const r = rng(seed);
  const out: Region[] = [{ start: shape.map(() => 0), stop: [...shape] }];
  for (let i = 0; i < 4; i++) {
    const start = shape.map((s) => r(s));
    out.push({ start, stop: start.map((a, k) => a + 1 + r(shape[k]! - a)) });
  }
  const plane = shape.map((s, k) => (k < shape.length - 2 ? r(s) : 0));
  out.push({ start: plane, stop: plane.map((a, k) => (k < shape.length - 2 ? a + 1 : shape[k]!)) });
  return out;
}

async function read(store: ChunkStore, src: ImageSource, level: number, region: Region) {
  await store.load(src, level, store.missing(src, level, region));
  const got = store.tryRegion(src, level, region);
  assert.ok(got, "every chunk was loaded");
  return got;
}

async function checkFixture(store: ChunkStore, f: Fixture, uri: string, seed: number): Promise<void> {
  const src = await openSource(uri);
  for (let level = 0; level < f.levels.length; level++) {
    const { shape } = f.levels[level]!;
    const ref = reference(f, level);
    for (const region of regions(shape, seed + level)) {
      const got = await read(store, src, level, region);
      assert.deepEqual(
        got.shape,
        region.stop.map((b, k) => b - region.start[k]!),
      );
      const diff = sameValues(got.data, sliceRef(ref, shape, region));
      assert.equal(diff, null, `${uri} level ${level} [${region.start}]..[${region.stop}]: ${diff}`);
    }
  }
}

describe("ChunkStore reads regions equal to zarr-python's", { skip: SKIP }, () => {
  let fx: Fixtures;
  let store: ChunkStore;
  before(() => {
    fx = fixtures();
    store = new ChunkStore({ cacheBytes: 64 * 1024 ** 2, workers: 2 });
  });
  after(() => store.dispose());

  const names = [
    "v04_yx_u8_blosc",
    "v04_cyx_u16_lz4",
    "v04_zyx_i16_gzip",
    "v04_yx_f64_zstd",
    "v05_tczyx_f32_zstd_sharded",
    "v05_cyx_i32_blosc",
    "v05_zyx_u32_gzip",
    "v05_yx_i8_lz4",
    "plain_v2_be_forder",
    "plain_v3_names",
  ];
  names.forEach((name, i) => {
    it(name, async () => {
      const f = fx.manifest[name]!;
      await checkFixture(store, f, f.path, 100 * i);
    });
  });

  it("returns null until the chunks are loaded, then reads them from the cache", async () => {
    const src = await openSource(fx.manifest.v04_cyx_u16_lz4!.path);
    const region: Region = { start: [1, 10, 20], stop: [2, 70, 100] };
    assert.equal(store.tryRegion(src, 0, region), null);
    const missing = store.missing(src, 0, region, [1, 40, 60]);
    // rows 10..70 span chunk rows 0..2, columns 20..100 chunk columns 0..2 (chunks 32 x 48)
    assert.equal(missing.length, 9);
    assert.deepEqual(missing[0]!.coords, [1, 1, 1], "the chunk holding the focus comes first");
    await store.load(src, 0, missing);
    assert.deepEqual(store.missing(src, 0, region), []);
    assert.ok(store.tryRegion(src, 0, region));
    assert.equal(store.pending, 0);
  });

  it("computes the finite range of a level (NaN and Inf skipped)", async () => {
    const f = fx.manifest.v05_tczyx_f32_zstd_sharded!;
    const src = await openSource(f.path);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of reference(f, 0)) {
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    assert.deepEqual(await levelRange(store, src, 0, undefined), [lo, hi]);
    const u8 = fx.manifest.v04_yx_u8_blosc!;
    const ref = reference(u8, 2);
    assert.deepEqual(await levelRange(store, await openSource(u8.path), 2), [Math.min(...ref), Math.max(...ref)]);
  });

  it("names the level and chunk of a corrupt chunk, and reads the others", async () => {
    const src = await openSource(`${fx.dir}/broken/corrupt_chunk.ome.zarr`);
    await assert.rejects(store.load(src, 0, [{ coords: [1, 0] }]), (err: unknown) => {
      assert.ok(isNapariCudaError(err, "invalid_source"), String(err));
      assert.match(err.message, /level 0 \("s0"\) chunk \(1, 0\)/);
      assert.match(err.message, /corrupt chunk/);
      return true;
    });
    await store.load(src, 0, [{ coords: [0, 0] }, { coords: [1, 1] }]);
    assert.ok(store.tryRegion(src, 0, { start: [0, 0], stop: [16, 16] }));
    // The failed chunk is not cached: asking again fails again.
    await assert.rejects(store.load(src, 0, [{ coords: [1, 0] }]), /corrupt/);
  });

  it("rejects bad regions and chunk coordinates", async () => {
    const src = await openSource(fx.manifest.v04_yx_u8_blosc!.path);
    assert.throws(() => store.tryRegion(src, 0, { start: [0, 0], stop: [71, 10] }), RangeError);
    assert.throws(() => store.tryRegion(src, 0, { start: [0], stop: [1] }), RangeError);
    assert.throws(() => store.tryRegion(src, 3, { start: [0, 0], stop: [1, 1] }), RangeError);
    assert.throws(() => store.load(src, 0, [{ coords: [3, 0] }]), RangeError);
  });
});
