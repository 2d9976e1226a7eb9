/** Value range of a whole level, for default contrast limits (napari uses the coarsest level). */
import type { ChunkRef, ChunkStore, Region } from "./chunk-store.js";
import { arrayCtor } from "./dtype.js";
import { chunkSpan, forEachChunk, size } from "./region.js";
import type { ImageSource } from "./source-types.js";
import type { PixelArray } from "./types.js";

/**
 * Finite [min, max] of a level, or of `region` of it (read through `store`; meant for the coarsest
 * level, for default contrast limits). NaN/Inf are skipped; [0, 1] when no value is finite.
 */
export async function levelRange(
  store: ChunkStore,
  src: ImageSource,
  level: number,
  signal?: AbortSignal,
  region?: Region,
): Promise<[number, number]> {
  const lvl = src.info.levels[level];
  if (!lvl) throw new RangeError(`${src.info.uri} has no level ${level}`);
  const whole: Region = region ?? { start: lvl.shape.map(() => 0), stop: [...lvl.shape] };
  let lo = Infinity;
  let hi = -Infinity;
  const scan = (data: PixelArray): void => {
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  };
  const scanFloat = (data: PixelArray): void => {
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  };
  const visit = src.info.dtype.startsWith("float") ? scanFloat : scan;
  if (src.backend.kind === "memory") {
    visit(region ? store.tryRegion(src, level, region)!.data : src.backend.data);
  } else {
    // Chunk by chunk in batches that fit in half the cache, so the batch survives until scanned.
    const chunkBytes = size(lvl.chunks) * arrayCtor(src.info.dtype).BYTES_PER_ELEMENT;
    const batch = Math.max(1, Math.floor(store.cacheBudget / 2 / chunkBytes));
    const refs: ChunkRef[] = [];
    forEachChunk(chunkSpan(whole, lvl.chunks), (coords) => refs.push({ coords }));
    for (let i = 0; i < refs.length; i += batch) {
      const chunks = refs.slice(i, i + batch);
      await store.load(src, level, chunks, signal);
      for (const { coords } of chunks) {
        // The chunk's part of the requested region.
        const part: Region = {
          start: coords.map((c, k) => Math.max(c * lvl.chunks[k]!, whole.start[k]!)),
          stop: coords.map((c, k) => Math.min((c + 1) * lvl.chunks[k]!, whole.stop[k]!)),
        };
        let got = store.tryRegion(src, level, part);
        if (!got) {
          await store.load(src, level, [{ coords }], signal);
          got = store.tryRegion(src, level, part);
        }
        if (got) visit(got.data);
      }
    }
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1];
}
