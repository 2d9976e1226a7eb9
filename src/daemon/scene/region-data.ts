/**
 * Pixels of a frame region of one pyramid level, from the chunk cache: complete regions (every
 * chunk cached; remembered per layer so pans inside loaded chunks are free) and partial ones
 * (missing chunks left 0) for progressive display while a slow source (a kernel computing
 * chunks) fills the view tile by tile. The two are kept apart: a partial region is never
 * served as a complete one until every chunk is in it.
 *
 * A partial region is one buffer per layer, filled in place: each frame copies only the chunks that
 * landed since the last one (a 512 MiB volume is not copied again every 50 ms), and the buffer gets a
 * new generation (render/gpu/generation.ts) so the GPU's texture cache uploads it again. A render
 * still reading it meanwhile sees each tile either 0 or final (chunks never change), never other
 * pixels. Once the last chunk is in, the buffer becomes the complete region (no final copy).
 */
import type { ChunkRef, ChunkStore, Region } from "../data/chunk-store.js";
import { allocPixels } from "../data/dtype.js";
import { chunkSpan, copyChunk, forEachChunk, size } from "../data/region.js";
import type { LayerData, PixelArray } from "../data/types.js";
import { markChanged } from "../render/gpu/generation.js";
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
  private readonly partials = new WeakMap<LayerEntry, Filling>();

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
    let data: LayerData;
    const last = this.partials.get(entry);
    if (last?.key === partialKey(level, region, ndisplay) && this.fill(entry, level, last) === 0) {
      // Every chunk is in the partial buffer: it is the complete region (never written again).
      this.partials.delete(entry);
      data = last.data;
    } else {
      const got = this.store.tryRegion(entry.source, level, sourceRegion(entry, level, region));
      if (!got) return null;
      data = layerData(entry, region, ndisplay, got.data);
    }
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
    const key = partialKey(level, region, ndisplay);
    let p = this.partials.get(entry);
    if (p?.key !== key) {
      const src = sourceRegion(entry, level, region);
      const out = allocPixels(entry.dtype, size(src.stop.map((b, k) => b - src.start[k]!)), true);
      p = { key, src, data: layerData(entry, region, ndisplay, out), have: new Set() };
      this.partials.set(entry, p);
    }
    this.fill(entry, level, p);
    return p.data;
  }

  /** Copy the cached chunks `p` lacks into it; returns how many chunks it still lacks. */
  private fill(entry: SourceEntry, level: number, p: Filling): number {
    const chunks = entry.source.info.levels[level]!.chunks;
    const out = p.data.data;
    let copied = 0;
    let lacking = 0;
    forEachChunk(chunkSpan(p.src, chunks), (coords) => {
      const id = coords.join(",");
      if (p.have.has(id)) return;
      const data = this.store.peek(entry.source, level, coords);
      if (!data) {
        lacking++;
        return;
      }
      copyChunk(data, coords, chunks, p.src, out);
      p.have.add(id);
      copied++;
    });
    // Drawn before with other pixels: its cached textures are stale.
    if (copied > 0) markChanged(out);
    return lacking;
  }
}

/** A partial region being filled: its source region and the chunks (coords "a,b,...") copied in. */
interface Filling {
  key: string;
  src: Region;
  data: LayerData;
  have: Set<string>;
}

function partialKey(level: number, region: Region, ndisplay: number): string {
  return `${regionKey(level, region)}:${ndisplay}`;
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
