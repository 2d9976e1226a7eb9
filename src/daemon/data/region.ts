/** Region and chunk-grid arithmetic, and the copy of a decoded chunk into a region array (all C order). */
import type { PixelArray } from "./types.js";

/** Per axis, level coords, stop exclusive. */
export type Region = { start: number[]; stop: number[] };

/** One chunk of a level, by grid coordinates. */
export interface ChunkRef {
  coords: number[];
}

/** Throws RangeError unless `region` has one integer [start, stop) within [0, shape) per axis. */
export function checkRegion(shape: readonly number[], region: Region): void {
  const { start, stop } = region;
  if (start.length !== shape.length || stop.length !== shape.length) {
    throw new RangeError(`region needs ${shape.length} axes, got start [${start}] stop [${stop}]`);
  }
  for (let k = 0; k < shape.length; k++) {
    const a = start[k]!;
    const b = stop[k]!;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < a || b > shape[k]!) {
      throw new RangeError(`region axis ${k}: [${a}, ${b}) is not within [0, ${shape[k]})`);
    }
  }
}

/** Product of `shape`. */
export function size(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Per axis, the chunk indices [lo, hi) the region touches (empty when the region is). */
export function chunkSpan(region: Region, chunks: readonly number[]): { lo: number[]; hi: number[] } {
  const lo = region.start.map((a, k) => Math.floor(a / chunks[k]!));
  const hi = region.stop.map((b, k) => (b > region.start[k]! ? Math.ceil(b / chunks[k]!) : lo[k]!));
  return { lo, hi };
}

/** Call `fn` with the coordinates of every chunk in the span (C order: last axis fastest). */
export function forEachChunk(span: { lo: number[]; hi: number[] }, fn: (coords: number[]) => void): void {
  const n = span.lo.length;
  for (let k = 0; k < n; k++) if (span.hi[k]! <= span.lo[k]!) return;
  const c = [...span.lo];
  for (;;) {
    fn([...c]);
    let k = n - 1;
    while (k >= 0) {
      c[k]!++;
      if (c[k]! < span.hi[k]!) break;
      c[k] = span.lo[k]!;
      k--;
    }
    if (k < 0) return;
  }
}

function cStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    s[k] = acc;
    acc *= shape[k]!;
  }
  return s;
}

/**
 * Copy the part of chunk `coords` (decoded, C order, shape `chunks`) that lies in `region`
 * into `out` (C order, shape stop - start). Rows along the last axis are copied with set().
 */
export function copyChunk(
  src: PixelArray,
  coords: readonly number[],
  chunks: readonly number[],
  region: Region,
  out: PixelArray,
): void {
  const n = chunks.length;
  const lo: number[] = [];
  const hi: number[] = [];
  for (let k = 0; k < n; k++) {
    const c0 = coords[k]! * chunks[k]!;
    lo.push(Math.max(c0, region.start[k]!));
    hi.push(Math.min(c0 + chunks[k]!, region.stop[k]!));
    if (hi[k]! <= lo[k]!) return;
  }
  const outShape = region.stop.map((b, k) => b - region.start[k]!);
  const srcStride = cStrides(chunks);
  const outStride = cStrides(outShape);
  const rowLen = hi[n - 1]! - lo[n - 1]!;
  const idx = [...lo];
  for (;;) {
    let s = 0;
    let d = 0;
    for (let k = 0; k < n; k++) {
      s += (idx[k]! - coords[k]! * chunks[k]!) * srcStride[k]!;
      d += (idx[k]! - region.start[k]!) * outStride[k]!;
    }
    out.set(src.subarray(s, s + rowLen), d);
    let k = n - 2;
    while (k >= 0) {
      idx[k]!++;
      if (idx[k]! < hi[k]!) break;
      idx[k] = lo[k]!;
      k--;
    }
    if (k < 0) return;
  }
}
