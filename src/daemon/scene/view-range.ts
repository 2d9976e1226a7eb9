/**
 * The [min, max] of a layer's data as a view shows it (napari's auto-contrast "once"). Which
 * samples: the non-displayed axes at the dims step and, in 3D, the whole level (as region.ts
 * `frameRegion`); in 2D only the level samples that some device pixel of the canvas falls on
 * (a sample covers +-0.5 around its integer index, as the renderer places it), not the chunk-
 * aligned margin the renderer loads. NaN and infinities are skipped (napari's nanmin/nanmax, and
 * JSON has no number for an infinity). Reads only cached chunks; yields to the event loop every
 * few million samples so a large volume never holds the render pump for long.
 */
import { devicePixelToWorld, type Canvas, type LayerState, type ViewerState } from "../../protocol/index.js";
import type { ChunkRef, ChunkStore, Region } from "../data/chunk-store.js";
import { chunkSpan, forEachChunk } from "../data/region.js";
import type { PixelArray } from "../data/types.js";
import type { LayerEntry } from "./layer-entry.js";
import { frameRegion, regionFocus, sourceRegion } from "./region.js";

/** Samples scanned between two yields to the event loop (~2-5 ms of work). */
export const SCAN_SLICE = 1 << 21;

/** What a range scan found. */
export type RangeRead =
  | { kind: "range"; min: number | null; max: number | null }
  /** Chunks of the region are not cached: load `chunks` of the level, then ask again. */
  | { kind: "missing"; chunks: ChunkRef[] };

/**
 * The level-`level` samples of `entry` (layer axes, [start, stop)) that a view of `state` on
 * `canvas` shows; null when none of the layer is on screen.
 */
export function viewRegion(
  entry: LayerEntry,
  level: number,
  layer: LayerState,
  state: ViewerState,
  canvas: Canvas,
): Region | null {
  // frameRegion gives the sliced axes and the 3D box; only the 2D displayed axes are narrowed here.
  const frame = frameRegion(entry, level, layer, state, canvas);
  if (frame === null || state.dims.ndisplay === 3) return frame;
  const info = entry.levels[level]!;
  const nd = info.shape.length;
  const view = devicePixelToWorld(state.camera, canvas);
  const start = [...frame.start];
  const stop = [...frame.stop];
  const axes: Array<[number, number, number]> = [
    [nd - 2, view.originY, canvas.height],
    [nd - 1, view.originX, canvas.width],
  ];
  for (const [a, origin, n] of axes) {
    const s = layer.scale[a] ?? 1;
    const t = layer.translate[a] ?? 0;
    const toLevel = (world: number): number => ((world - t) / s - info.offset[a]!) / info.factors[a]!;
    const u0 = toLevel(origin);
    const u1 = toLevel(origin + (n - 1) * view.step);
    // Nearest sample of the first and last device-pixel centre: every sample between is shown.
    const lo = Math.max(Math.floor(Math.min(u0, u1) + 0.5), 0);
    const hi = Math.min(Math.floor(Math.max(u0, u1) + 0.5) + 1, info.shape[a]!);
    if (lo >= hi) return null;
    start[a] = lo;
    stop[a] = hi;
  }
  return { start, stop };
}

/** Running [min, max] of finite values (Infinity/-Infinity while nothing was seen). */
interface Acc {
  min: number;
  max: number;
  /** Samples scanned since the last yield. */
  work: number;
}

/** Scan `data[from, to)` into `acc`; floats skip NaN and infinities, integers have neither. */
function scanRun(data: PixelArray, from: number, to: number, acc: Acc, float: boolean): void {
  let lo = acc.min;
  let hi = acc.max;
  if (float) {
    for (let i = from; i < to; i++) {
      const v = data[i]!;
      if (v - v !== 0) continue; // NaN or +-Infinity
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  } else {
    for (let i = from; i < to; i++) {
      const v = data[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  acc.min = lo;
  acc.max = hi;
}

/**
 * Scan `region` of a C-order array of `shape` into `acc`, row by row (the last axis is
 * contiguous); yields each time SCAN_SLICE samples (counted across calls in `acc.work`) were scanned.
 */
function* scanRegion(data: PixelArray, shape: readonly number[], region: Region, acc: Acc): Generator<void> {
  const nd = shape.length;
  const float = data instanceof Float32Array || data instanceof Float64Array;
  const strides = new Array<number>(nd);
  let stride = 1;
  for (let a = nd - 1; a >= 0; a--) {
    strides[a] = stride;
    stride *= shape[a]!;
  }
  for (let a = 0; a < nd; a++) if (region.stop[a]! <= region.start[a]!) return;
  const row = region.stop[nd - 1]! - region.start[nd - 1]!;
  const idx = region.start.slice(0, nd - 1);
  for (;;) {
    let base = region.start[nd - 1]!;
    for (let a = 0; a < nd - 1; a++) base += idx[a]! * strides[a]!;
    scanRun(data, base, base + row, acc, float);
    acc.work += row;
    if (acc.work >= SCAN_SLICE) {
      acc.work = 0;
      yield;
    }
    let a = nd - 2;
    for (; a >= 0; a--) {
      idx[a]!++;
      if (idx[a]! < region.stop[a]!) break;
      idx[a] = region.start[a]!;
    }
    if (a < 0) return;
  }
}

/**
 * The [min, max] of `region` (layer axes) of `entry`'s level `level`, from memory or cached
 * chunks only (chunk by chunk: no copy of the whole region). `pause` runs between slices of work;
 * a chunk evicted meanwhile makes the answer `missing` again. Throws AbortError when `signal` aborts.
 */
export async function scanRange(
  store: ChunkStore,
  entry: LayerEntry,
  level: number,
  region: Region,
  pause: () => Promise<void>,
  signal?: AbortSignal,
): Promise<RangeRead> {
  const acc: Acc = { min: Infinity, max: -Infinity, work: 0 };
  const drain = async (it: Generator<void>): Promise<void> => {
    while (it.next().done !== true) {
      await pause();
      signal?.throwIfAborted();
    }
  };
  if (entry.kind === "memory") {
    await drain(scanRegion(entry.data.data, entry.data.shape, region, acc));
    return result(acc);
  }
  const src = sourceRegion(entry, level, region);
  const missing = store.missing(entry.source, level, src, regionFocus(src));
  if (missing.length > 0) return { kind: "missing", chunks: missing };
  const pieces: Region[] = [];
  const grid = entry.source.info.levels[level]!.chunks;
  forEachChunk(chunkSpan(src, grid), (coords) => {
    const start = coords.map((c, a) => Math.max(c * grid[a]!, src.start[a]!));
    const stop = coords.map((c, a) => Math.min((c + 1) * grid[a]!, src.stop[a]!));
    pieces.push({ start, stop });
  });
  for (const piece of pieces) {
    const got = store.tryRegion(entry.source, level, piece);
    if (got === null) return { kind: "missing", chunks: store.missing(entry.source, level, src, regionFocus(src)) };
    const whole = { start: got.shape.map(() => 0), stop: got.shape };
    await drain(scanRegion(got.data, got.shape, whole, acc));
  }
  return result(acc);
}

function result(acc: Acc): RangeRead {
  return acc.min <= acc.max ? { kind: "range", min: acc.min, max: acc.max } : { kind: "range", min: null, max: null };
}
