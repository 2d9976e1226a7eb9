/**
 * Pixels of a frame region of one pyramid level, from the chunk cache: complete regions (every
 * chunk cached; remembered per layer so pans inside loaded chunks are free) and partial ones
 * (missing chunks left 0) for progressive display while a slow source (a kernel computing
 * chunks) fills the view tile by tile. The two are kept apart: a partial region is never
 * served as a complete one.
 */
import type { ChunkRef, ChunkStore, Region } from "../data/chunk-store.js";
import { allocPixels } from "../data/dtype.js";
import { chunkSpan, copyChunk, forEachChunk, size } from "../data/region.js";
import type { LayerData, PixelArray } from "../data/types.js";
import type { LayerEntry } from "./layer-entry.js";
import { regionFocus, sourceRegion } from "./region.js";

export type SourceEntry = Extract<LayerEntry, { kind: "source" }>;

const REGIONS_PER_LAYER = 4;

/** How much of a level's frame region is cached, and what is not (nearest the view centre first). */
export interface Coverage {
  /** Cached fraction of the region's samples, in [0, 1]. */
  fraction: number;
  missing: ChunkRef[];
}

export class RegionData {
  private readonly complete = new WeakMap<LayerEntry, Map<string, LayerData>>();
  /** One partial region per layer: the next frame usually asks for the same one with more chunks. */
  private readonly partials = new WeakMap<LayerEntry, { key: string; data: LayerData }>();

  constructor(private readonly store: ChunkStore) {}

  /** The region (layer axes) if every chunk it touches is cached, else null. */
  full(entry: SourceEntry, level: number, region: Region, ndisplay: number): LayerData | null {
    const key = regionKey(level, region);
    let cache = this.complete.get(entry);
    const hit = cache?.get(key);
    if (hit) {
      cache!.delete(key);
      cache!.set(key, hit);
      return hit;
    }
    const got = this.store.tryRegion(entry.source, level, sourceRegion(entry, level, region));
    if (!got) return null;
    const data = layerData(entry, region, ndisplay, got.data);
    if (!cache) this.complete.set(entry, (cache = new Map()));
    cache.set(key, data);
    while (cache.size > REGIONS_PER_LAYER) cache.delete(cache.keys().next().value!);
    return data;
  }

  /** Cached fraction of the region and its missing chunks (does not touch the cache's LRU order). */
  coverage(entry: SourceEntry, level: number, region: Region): Coverage {
    const src = sourceRegion(entry, level, region);
    const missing = this.store.missing(entry.source, level, src, regionFocus(src));
    const chunks = entry.source.info.levels[level]!.chunks;
    let gone = 0;
    for (const { coords } of missing) {
      let n = 1;
      for (let k = 0; k < coords.length; k++) {
        const c0 = coords[k]! * chunks[k]!;
        n *= Math.min(c0 + chunks[k]!, src.stop[k]!) - Math.max(c0, src.start[k]!);
      }
      gone += n;
    }
    const all = size(src.stop.map((b, k) => b - src.start[k]!));
    return { fraction: all > 0 ? 1 - gone / all : 0, missing };
  }

  /** The region with the cached chunks copied in and 0 where a chunk is missing. */
  partial(entry: SourceEntry, level: number, region: Region, ndisplay: number): LayerData {
    const src = sourceRegion(entry, level, region);
    const chunks = entry.source.info.levels[level]!.chunks;
    const parts: Array<[number[], PixelArray]> = [];
    let present = "";
    forEachChunk(chunkSpan(src, chunks), (coords) => {
      const data = this.store.peek(entry.source, level, coords);
      present += data ? "1" : "0";
      if (data) parts.push([coords, data]);
    });
    // Chunks of a source never change, so the same set of cached chunks gives the same pixels.
    const key = `${regionKey(level, region)}:${present}`;
    const last = this.partials.get(entry);
    if (last?.key === key) return last.data;
    const out = allocPixels(entry.dtype, size(src.stop.map((b, k) => b - src.start[k]!)), true);
    for (const [coords, data] of parts) copyChunk(data, coords, chunks, src, out);
    const data = layerData(entry, region, ndisplay, out);
    this.partials.set(entry, { key, data });
    return data;
  }
}

function regionKey(level: number, region: Region): string {
  return `${level}:${region.start.join(",")}:${region.stop.join(",")}`;
}

/** LayerData of a region: the displayed axes' extent is its shape (the renderer's view). */
function layerData(entry: SourceEntry, region: Region, ndisplay: number, data: PixelArray): LayerData {
  const nd = region.start.length;
  const shape = region.stop.slice(nd - ndisplay).map((s, i) => s - region.start[nd - ndisplay + i]!);
  return { id: entry.id, dtype: entry.dtype, shape, data };
}
