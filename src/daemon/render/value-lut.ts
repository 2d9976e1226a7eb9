/**
 * Per-layer value -> RGBA tables for 8- and 16-bit integer data: contrast, gamma and
 * colormap folded into one lookup, so the hot loop is two array reads per pixel.
 * Entry values come from colorIndex(), so the fast path equals the per-pixel path exactly.
 */
import type { DType } from "../../protocol/index.js";
import { colorIndex, type ColormapTable } from "./colormaps.js";

export interface ValueLut {
  /** RGBA8 packed in platform byte order (a Uint32Array view over RGBA bytes). */
  readonly table: Uint32Array;
  /** Added to a data value to get its table index (128 for int8, 32768 for int16). */
  readonly offset: number;
}

/** Index range of the integer dtypes that get a table: [min value, count]. */
const RANGES: Partial<Record<DType, readonly [number, number]>> = {
  uint8: [0, 256],
  int8: [-128, 256],
  uint16: [0, 65536],
  int16: [-32768, 65536],
};

/** Tables kept per thread; 16-bit ones are 256 KiB, so keep only a few. */
const MAX_CACHED = 8;
const cache = new Map<string, ValueLut>();

/** True when `dtype` gets a folded table. */
export function hasValueLut(dtype: DType): boolean {
  return RANGES[dtype] !== undefined;
}

/** The folded table for (dtype, colormap, contrast limits, gamma), built once and cached (LRU). */
export function valueLut(dtype: DType, colormap: ColormapTable, lo: number, hi: number, gamma: number): ValueLut {
  const range = RANGES[dtype];
  if (!range) throw new Error(`no value table for dtype ${dtype}`);
  const key = valueLutKey(dtype, colormap, lo, hi, gamma);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const [min, count] = range;
  const cmap = colormap.rgba;
  const bytes = new Uint8Array(count * 4);
  for (let k = 0; k < count; k++) {
    const i = colorIndex(min + k, lo, hi, gamma) * 4;
    bytes[k * 4] = cmap[i]!;
    bytes[k * 4 + 1] = cmap[i + 1]!;
    bytes[k * 4 + 2] = cmap[i + 2]!;
    bytes[k * 4 + 3] = 255;
  }
  const lut: ValueLut = { table: new Uint32Array(bytes.buffer), offset: -min };
  cache.set(key, lut);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return lut;
}

/** What identifies a folded table: equal keys, equal tables (the GPU's LUT cache uses it too). */
export function valueLutKey(dtype: DType, colormap: ColormapTable, lo: number, hi: number, gamma: number): string {
  return `${dtype}|${colormap.key}|${lo}|${hi}|${gamma}`;
}
