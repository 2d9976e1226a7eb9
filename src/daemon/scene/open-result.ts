/**
 * The reply to `open_layer`: the layer's axes and levels (selected axes removed), its
 * level-0 world transform, and napari's default contrast range (finite min/max of the
 * coarsest level, read through the chunk store; for a kernel-served source, the range the
 * kernel sampled, so opening computes no chunk).
 */
import type { OpenLayerResult } from "../../protocol/index.js";
import type { ChunkStore } from "../data/chunk-store.js";
import { arrayCtor } from "../data/dtype.js";
import { levelRange } from "../data/level-range.js";
import { layerAxes, type LayerEntry } from "./layer-entry.js";
import { sourceRegion } from "./region.js";

type SourceEntry = Extract<LayerEntry, { kind: "source" }>;

/** Most bytes read for the contrast range; a larger coarsest level is sampled (see rangeRegion). */
const RANGE_BYTES = 256 * 1024 ** 2;

/**
 * The part of the coarsest level the contrast range is read from: all of it when small (napari's
 * rule for pyramids); for a big single-level dataset, the middle plane of the leading axes and a
 * centred crop of the last two, as napari reads a slice of large lazy arrays.
 */
function rangeRegion(entry: SourceEntry, level: number, budget: number): { start: number[]; stop: number[] } {
  const shape = entry.levels[level]!.shape;
  const item = arrayCtor(entry.dtype).BYTES_PER_ELEMENT;
  const all = shape.reduce((a, b) => a * b, item);
  if (all <= budget) return { start: shape.map(() => 0), stop: [...shape] };
  const nd = shape.length;
  const side = Math.max(64, Math.floor(Math.sqrt(budget / item)));
  const start = shape.map((n, a) => (a < nd - 2 ? Math.floor(n / 2) : Math.max(0, Math.floor((n - side) / 2))));
  const stop = shape.map((n, a) => (a < nd - 2 ? start[a]! + 1 : Math.min(n, start[a]! + side)));
  return { start, stop };
}

/** Finite (min, max) of the layer's coarsest level, or of a sample of it when big (NaN never wins). */
export async function coarsestRange(
  store: ChunkStore,
  entry: SourceEntry,
  signal?: AbortSignal,
): Promise<[number, number]> {
  const level = entry.levels.length - 1;
  const budget = Math.min(RANGE_BYTES, store.cacheBudget / 4);
  const region = sourceRegion(entry, level, rangeRegion(entry, level, budget));
  return levelRange(store, entry.source, level, signal, region);
}

/** What the kernel builds the layer from. */
export async function openLayerResult(store: ChunkStore, entry: SourceEntry): Promise<OpenLayerResult> {
  const info = entry.source.info;
  const fixed = new Set(entry.select.map((s) => s.axis));
  const keep = <T>(xs: readonly T[]): T[] => layerAxes(xs, fixed);
  const channelSel = entry.select.find((s) => info.axes[s.axis]?.type === "channel") ?? entry.select[0];
  const ch = channelSel ? info.channels?.[channelSel.index] : undefined;
  return {
    dtype: info.dtype,
    axes: keep(info.axes),
    levels: entry.levels.map((l) => ({ shape: l.shape, chunks: l.chunks, factors: l.factors })),
    scale: keep(info.scale),
    translate: keep(info.translate),
    contrast_range: info.contrast_range ? [...info.contrast_range] : await coarsestRange(store, entry),
    name: info.name,
    ngff_version: info.ngff_version,
    channel: ch ? { label: ch.label, color: ch.color } : null,
  };
}
