/**
 * What the daemon holds for one layer: an in-memory array (sent by the kernel) or a
 * dataset source (OME-Zarr pyramid) seen through a selection of fixed axes
 * (channel_axis splits one source into one layer per channel).
 */
import { NapariCudaError, type DType } from "../../protocol/index.js";
import type { ImageSource, LevelInfo } from "../data/source.js";
import type { LayerData } from "../data/types.js";

/** A source axis fixed at an index; it is not an axis of the layer. */
export interface Selection {
  axis: number;
  index: number;
}

/** A pyramid level as the layer sees it: selected axes removed. */
export interface LayerLevel {
  shape: number[];
  chunks: number[];
  /** Level-0 data units per level unit, per layer axis. */
  factors: number[];
  /** Where level pixel 0 sits in level-0 data coordinates, per layer axis. */
  offset: number[];
}

export type LayerEntry =
  | { kind: "memory"; id: string; dtype: DType; data: LayerData; levels: LayerLevel[] }
  | {
      kind: "source";
      id: string;
      dtype: DType;
      /** The uri the source was opened with (its key in the source registry). */
      uri: string;
      source: ImageSource;
      select: Selection[];
      levels: LayerLevel[];
    };

/** Entry for an array the kernel sent: one level, one chunk. */
export function memoryEntry(data: LayerData): LayerEntry {
  const shape = [...data.shape];
  const level: LayerLevel = { shape, chunks: shape, factors: shape.map(() => 1), offset: shape.map(() => 0) };
  return { kind: "memory", id: data.id, dtype: data.dtype, data, levels: [level] };
}

/** Entry for a dataset source; throws invalid_message when `select` names a bad axis or index. */
export function sourceEntry(id: string, uri: string, source: ImageSource, select: readonly Selection[]): LayerEntry {
  const { levels, dtype } = source.info;
  const ndim = levels[0]!.shape.length;
  const seen = new Set<number>();
  for (const [i, s] of select.entries()) {
    const path = `select[${i}]`;
    if (s.axis >= ndim || seen.has(s.axis)) {
      throw new NapariCudaError("invalid_message", `${path}.axis ${s.axis} is not a free axis of a ${ndim}-D source`, {
        path: `${path}.axis`,
      });
    }
    if (s.index >= levels[0]!.shape[s.axis]!) {
      throw new NapariCudaError(
        "invalid_message",
        `${path}.index ${s.index} is outside axis ${s.axis} (size ${levels[0]!.shape[s.axis]})`,
        { path: `${path}.index` },
      );
    }
    seen.add(s.axis);
  }
  if (ndim - select.length < 2) {
    throw new NapariCudaError("invalid_message", "a layer needs at least 2 axes after `select`", { path: "select" });
  }
  const sorted = [...select].sort((a, b) => a.axis - b.axis);
  return { kind: "source", id, dtype, uri, source, select: sorted, levels: levels.map((l) => selectLevel(l, seen)) };
}

/** The entries of per-source-axis `xs` for the layer's axes (the `fixed` source axes dropped). */
export function layerAxes<T>(xs: readonly T[], fixed: ReadonlySet<number>): T[] {
  return xs.filter((_, i) => !fixed.has(i));
}

function selectLevel(level: LevelInfo, fixed: ReadonlySet<number>): LayerLevel {
  const keep = <T>(xs: readonly T[]): T[] => layerAxes(xs, fixed);
  return {
    shape: keep(level.shape),
    chunks: keep(level.chunks),
    factors: keep(level.factors),
    offset: keep(level.offset),
  };
}

/**
 * Index of a fixed source axis at `level`: the selection is in level-0 indices; a coarser level
 * holds that position at the nearest sample (factor/offset of that axis).
 */
export function selectionAt(source: ImageSource, level: number, s: Selection): number {
  const info = source.info.levels[level]!;
  const f = info.factors[s.axis] ?? 1;
  const o = info.offset[s.axis] ?? 0;
  const i = Math.floor((s.index - o) / f + 0.5);
  return Math.min(Math.max(i, 0), info.shape[s.axis]! - 1);
}
