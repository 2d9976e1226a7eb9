/**
 * Turns a viewer state into what a renderer draws: for each visible layer, the level to
 * use, the region of it on screen assembled from cached chunks, and a layer state whose
 * scale/translate place that region in the world. Renderers then see plain arrays of the
 * displayed axes only. In-memory layers pass through unchanged (one level, renderer slices).
 *
 * Progressive display (`fallback`): when the wanted level is not cached yet, the nearest
 * coarser cached level is drawn and the missing chunks are returned as load jobs.
 */
import { NapariCudaError, type Canvas, type LayerState, type ViewerState } from "../../protocol/index.js";
import type { ChunkRef, ChunkStore, Region } from "../data/chunk-store.js";
import { arrayCtor } from "../data/dtype.js";
import type { LayerData } from "../data/types.js";
import type { RenderRequest } from "../render/types.js";
import type { LayerEntry } from "./layer-entry.js";
import { frameRegion, regionFocus, sourceRegion } from "./region.js";

/** Picks the level a layer should be drawn at (0 = finest). */
export interface LevelChooser {
  choose(entry: LayerEntry, layer: LayerState, state: ViewerState, canvas: Canvas): number;
}

export type SourceEntry = Extract<LayerEntry, { kind: "source" }>;

/** Chunks to load so `level` of a layer can be drawn. */
export interface LoadJob {
  entry: SourceEntry;
  level: number;
  chunks: ChunkRef[];
}

export interface LayerResolution {
  id: string;
  /** Level the chooser asked for. */
  wanted: number;
  /** Level drawn (null: nothing cached yet, or off screen). */
  drawn: number | null;
  count: number;
}

export interface SceneFrame {
  request: RenderRequest;
  layers: LayerResolution[];
  loads: LoadJob[];
  /** Levels skipped because one frame's region would not fit the chunk cache (too_large). */
  problems: NapariCudaError[];
}

const REGIONS_PER_LAYER = 4;

/** Assembles regions from a chunk store and remembers the last few per layer (pans inside chunks are free). */
export class SceneAssembler {
  private readonly regions = new WeakMap<LayerEntry, Map<string, LayerData>>();

  constructor(private readonly store: ChunkStore) {}

  resolve(
    state: ViewerState,
    canvas: Canvas,
    entries: ReadonlyMap<string, LayerEntry>,
    chooser: LevelChooser,
    fallback: boolean,
  ): SceneFrame {
    const layers = new Map<string, LayerData>();
    const out: LayerState[] = [];
    const resolutions: LayerResolution[] = [];
    const loads: LoadJob[] = [];
    const problems: NapariCudaError[] = [];
    for (const layer of state.layers) {
      const entry = entries.get(layer.id);
      if (!entry || !layer.visible) {
        out.push(layer);
        continue;
      }
      if (entry.kind === "memory") {
        layers.set(layer.id, entry.data);
        out.push(layer);
        resolutions.push({ id: layer.id, wanted: 0, drawn: 0, count: 1 });
        continue;
      }
      if (entry.levels[0]!.shape.length < state.dims.ndisplay) {
        out.push(layer); // a 2D source has nothing to show in a 3D view
        continue;
      }
      const count = entry.levels.length;
      const wanted = Math.min(Math.max(chooser.choose(entry, layer, state, canvas), 0), count - 1);
      const res: LayerResolution = { id: layer.id, wanted, drawn: null, count };
      resolutions.push(res);
      for (let level = wanted; level < (fallback ? count : wanted + 1); level++) {
        const region = frameRegion(entry, level, layer, state, canvas);
        if (!region) {
          res.drawn = wanted;
          break;
        }
        const bytes = regionBytes(entry, level, region);
        if (bytes > this.store.cacheBudget / 2) {
          problems.push(tooLarge(layer.id, level, bytes, this.store.cacheBudget));
          continue;
        }
        const data = this.region(entry, level, region, state.dims.ndisplay);
        if (level === wanted && !data) {
          const src = sourceRegion(entry, level, region);
          const chunks = this.store.missing(entry.source, level, src, regionFocus(src));
          if (chunks.length > 0) loads.push({ entry, level, chunks });
        }
        if (data) {
          res.drawn = level;
          layers.set(layer.id, data);
          out.push(placed(layer, entry, level, region, state.dims.ndisplay));
          break;
        }
      }
      if (res.drawn === null || !layers.has(layer.id)) out.push(layer);
    }
    return { request: { state: { ...state, layers: out }, canvas, layers }, layers: resolutions, loads, problems };
  }

  private region(entry: SourceEntry, level: number, region: Region, ndisplay: number): LayerData | null {
    const key = `${level}:${region.start.join(",")}:${region.stop.join(",")}`;
    let cache = this.regions.get(entry);
    const hit = cache?.get(key);
    if (hit) {
      cache!.delete(key);
      cache!.set(key, hit);
      return hit;
    }
    const got = this.store.tryRegion(entry.source, level, sourceRegion(entry, level, region));
    if (!got) return null;
    const nd = region.start.length;
    const shape = region.stop.slice(nd - ndisplay).map((s, i) => s - region.start[nd - ndisplay + i]!);
    const data: LayerData = { id: entry.id, dtype: entry.dtype, shape, data: got.data };
    if (!cache) this.regions.set(entry, (cache = new Map()));
    cache.set(key, data);
    while (cache.size > REGIONS_PER_LAYER) cache.delete(cache.keys().next().value!);
    return data;
  }
}

/** Decoded bytes of the chunks a region touches (whole chunks: that is what the cache holds). */
function regionBytes(entry: SourceEntry, level: number, region: Region): number {
  const src = sourceRegion(entry, level, region);
  const chunks = entry.source.info.levels[level]!.chunks;
  let n = arrayCtor(entry.dtype).BYTES_PER_ELEMENT;
  src.start.forEach((s0, a) => {
    const c = chunks[a]!;
    n *= (Math.ceil(src.stop[a]! / c) - Math.floor(s0 / c)) * c;
  });
  return n;
}

function tooLarge(id: string, level: number, bytes: number, budget: number): NapariCudaError {
  const gib = (b: number): string => `${(b / 2 ** 30).toFixed(2)} GiB`;
  return new NapariCudaError(
    "too_large",
    `layer ${id}: level ${level} needs ${gib(bytes)} of chunks for one frame, over half the chunk cache ` +
      `(${gib(budget)}); use a coarser level or a pyramid, or raise NAPARI_CUDA_CACHE_BYTES`,
    { path: "NAPARI_CUDA_CACHE_BYTES" },
  );
}

/** The layer state for a region: displayed axes only, scale/translate of that level and region corner. */
function placed(layer: LayerState, entry: SourceEntry, level: number, region: Region, ndisplay: number): LayerState {
  const info = entry.levels[level]!;
  const nd = info.shape.length;
  const scale: number[] = [];
  const translate: number[] = [];
  for (let a = nd - ndisplay; a < nd; a++) {
    const s = layer.scale[a] ?? 1;
    const t = layer.translate[a] ?? 0;
    scale.push(info.factors[a]! * s);
    translate.push(t + (region.start[a]! * info.factors[a]! + info.offset[a]!) * s);
  }
  return { ...layer, scale, translate };
}
