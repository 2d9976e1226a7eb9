/**
 * Turns a viewer state into what a renderer draws: for each visible layer, the level to
 * use, the region of it on screen assembled from cached chunks, and a layer state whose
 * scale/translate place that region in the world. Renderers then see plain arrays of the
 * displayed axes only. In-memory layers pass through unchanged (one level, renderer slices).
 *
 * Progressive display (`fallback`), napari's order: the wanted level when its region is
 * cached; else the nearest coarser level that is (the coarser level stays until the finer
 * one is ready); else, when no level is complete, the level with the largest cached part of
 * its region (ties: the finer), missing chunks drawn as 0, so a slow source fills the view
 * tile by tile. The wanted level's missing chunks are returned as load jobs.
 */
import { NapariCudaError, type Canvas, type LayerState, type ViewerState } from "../../protocol/index.js";
import type { ChunkRef, ChunkStore, Region } from "../data/chunk-store.js";
import { arrayCtor } from "../data/dtype.js";
import type { LayerData } from "../data/types.js";
import type { RenderRequest } from "../render/types.js";
import type { LayerEntry } from "./layer-entry.js";
import { frameRegion, sourceRegion } from "./region.js";
import { RegionData, type SourceEntry } from "./region-data.js";

export type { SourceEntry } from "./region-data.js";

/** Picks the level a layer should be drawn at (0 = finest). */
export interface LevelChooser {
  choose(entry: LayerEntry, layer: LayerState, state: ViewerState, canvas: Canvas): number;
}

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
  /** The drawn level lacks chunks (drawn as 0) that are still loading: not the final picture. */
  partial: boolean;
  count: number;
}

export interface SceneFrame {
  request: RenderRequest;
  layers: LayerResolution[];
  loads: LoadJob[];
  /** Levels skipped because one frame's region would not fit the chunk cache (too_large). */
  problems: NapariCudaError[];
}

/** Assembles regions from a chunk store (see RegionData for what it remembers between frames). */
export class SceneAssembler {
  private readonly data: RegionData;

  constructor(private readonly store: ChunkStore) {
    this.data = new RegionData(store);
  }

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
    const ndisplay = state.dims.ndisplay;
    for (const layer of state.layers) {
      const entry = entries.get(layer.id);
      if (!entry || !layer.visible) {
        out.push(layer);
        continue;
      }
      if (entry.kind === "memory") {
        layers.set(layer.id, entry.data);
        out.push(layer);
        resolutions.push({ id: layer.id, wanted: 0, drawn: 0, partial: false, count: 1 });
        continue;
      }
      if (entry.levels[0]!.shape.length < ndisplay) {
        out.push(layer); // a 2D source has nothing to show in a 3D view
        continue;
      }
      const count = entry.levels.length;
      const wanted = Math.min(Math.max(chooser.choose(entry, layer, state, canvas), 0), count - 1);
      const res: LayerResolution = { id: layer.id, wanted, drawn: null, partial: false, count };
      resolutions.push(res);
      let best: { level: number; region: Region; fraction: number } | null = null;
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
        const data = this.data.full(entry, level, region, ndisplay);
        if (data) {
          res.drawn = level;
          layers.set(layer.id, data);
          out.push(placed(layer, entry, level, region, ndisplay));
          break;
        }
        const cov = this.data.coverage(entry, level, region);
        if (level === wanted && cov.missing.length > 0) loads.push({ entry, level, chunks: cov.missing });
        // Strictly more: on a tie the finer level (seen first) keeps its place.
        if (fallback && cov.fraction > 0 && cov.fraction > (best?.fraction ?? 0))
          best = { level, region, fraction: cov.fraction };
      }
      if (res.drawn === null && best) {
        res.drawn = best.level;
        res.partial = true;
        layers.set(layer.id, this.data.partial(entry, best.level, best.region, ndisplay));
        out.push(placed(layer, entry, best.level, best.region, ndisplay));
      }
      if (res.drawn === null || !layers.has(layer.id)) out.push(layer);
    }
    return { request: { state: { ...state, layers: out }, canvas, layers }, layers: resolutions, loads, problems };
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
