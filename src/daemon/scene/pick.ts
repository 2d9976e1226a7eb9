/**
 * The data value under a world point, at one pyramid level: what the status bar shows. Uses the
 * same placement as the renderer (resolve.ts `placed`, region.ts `stepAt`): level-0 data =
 * (world - translate) / scale per layer axis, then level = (data0 - offset) / factor, and a sample
 * covers +-0.5 around its integer index (napari: a pixel's centre sits at an integer coordinate).
 * Reads only what is cached; what is not is named so the caller can load it.
 */
import type { LayerState } from "../../protocol/index.js";
import type { ChunkRef, ChunkStore } from "../data/chunk-store.js";
import type { LayerEntry } from "./layer-entry.js";
import { sourceRegion } from "./region.js";

/** What a pick found. */
export type PickRead =
  | { kind: "value"; value: number }
  | { kind: "outside" }
  /** The sample's chunk is not cached: load `chunks` of `level`, then ask again. */
  | { kind: "missing"; chunks: ChunkRef[] };

/**
 * Level-`level` sample index per layer axis of world point `position` (one coordinate per viewer
 * axis, right-aligned to the layer's axes, as dims are). A layer axis with no coordinate (a
 * position shorter than the layer) is read at index 0, as the renderer slices it.
 */
export function levelIndex(
  entry: LayerEntry,
  layer: Pick<LayerState, "scale" | "translate"> | undefined,
  level: number,
  position: readonly number[],
): number[] {
  const info = entry.levels[level]!;
  const nd = info.shape.length;
  const shift = position.length - nd;
  const out: number[] = [];
  for (let a = 0; a < nd; a++) {
    const world = position[a + shift];
    if (world === undefined) {
      out.push(0);
      continue;
    }
    const data0 = (world - (layer?.translate[a] ?? 0)) / (layer?.scale[a] ?? 1);
    out.push(Math.floor((data0 - info.offset[a]!) / info.factors[a]! + 0.5));
  }
  return out;
}

/** The value at level-`level` sample `index` (layer axes) if it is cached; never loads. */
export function readSample(store: ChunkStore, entry: LayerEntry, level: number, index: readonly number[]): PickRead {
  const shape = entry.levels[level]!.shape;
  if (index.length !== shape.length || index.some((i, a) => i < 0 || i >= shape[a]!)) return { kind: "outside" };
  if (entry.kind === "memory") {
    let flat = 0;
    for (let a = 0; a < shape.length; a++) flat = flat * shape[a]! + index[a]!;
    return { kind: "value", value: Number(entry.data.data[flat]) };
  }
  const region = sourceRegion(entry, level, { start: [...index], stop: index.map((i) => i + 1) });
  const got = store.tryRegion(entry.source, level, region);
  if (got) return { kind: "value", value: Number(got.data[0]) };
  return { kind: "missing", chunks: store.missing(entry.source, level, region) };
}

/** A value for JSON: non-finite floats by name (JSON has no number for them). */
export function wireValue(value: number): number | string {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}
