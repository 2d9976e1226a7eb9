/**
 * Contrast-limit slider math, pure: the slider's range for a layer, its precision (napari's
 * range_to_decimals), and keeping the two thumbs ordered.
 */

export type Pair = [number, number];

/** napari's slider range for integer dtypes of <= 16 bits: the dtype's range. */
const SMALL_INT_RANGES: Readonly<Record<string, Pair>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
};

const INT_DTYPES = new Set(["uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64"]);

/** Most decimals a slider step gets (finer steps than this are noise for a 200 px slider). */
const MAX_DECIMALS = 10;

function finitePair(v: unknown): Pair | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  const a = Number(v[0]);
  const b = Number(v[1]);
  return Number.isFinite(a) && Number.isFinite(b) && a < b ? [a, b] : null;
}

/** Whether `dtype` (a numpy name) is an integer type. */
export function isIntDtype(dtype: string): boolean {
  return INT_DTYPES.has(dtype);
}

/**
 * The contrast-limit slider's [min, max] for a layer: its `contrast_limits_range` trait when
 * present, else the dtype's range for small ints, else [min(lo, 0), hi]. Always widened to hold the
 * current limits (as napari widens the range when the limits are set outside it).
 */
export function sliderRange(layer: { contrast_limits: readonly number[]; dtype: string }, traitRange?: unknown): Pair {
  const cl = finitePair(layer.contrast_limits) ?? [0, 1];
  let range = finitePair(traitRange);
  if (range === null) {
    const dt = SMALL_INT_RANGES[layer.dtype];
    range = dt !== undefined ? [dt[0], dt[1]] : [Math.min(cl[0], 0), cl[1]];
  }
  return [Math.min(range[0], cl[0]), Math.max(range[1], cl[1])];
}

/**
 * Decimals shown and stepped for values over `range` (napari's range_to_decimals): 0 for integer
 * dtypes, else 3 for a span of ~1, one fewer per order of magnitude, never below 0.
 */
export function rangeDecimals(range: Pair, dtype: string): number {
  if (isIntDtype(dtype)) return 0;
  const span = range[1] - range[0];
  if (!(span > 0)) return 3;
  return Math.min(MAX_DECIMALS, Math.max(Math.trunc(3 - Math.log10(span)), 0));
}

/** The slider step for `decimals`. */
export function stepOf(decimals: number): number {
  return 10 ** -decimals;
}

/** `v` rounded to `decimals` (removes the float noise of stepped input values). */
export function roundTo(v: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}

/** The readout text of `v` with `decimals`. */
export function formatValue(v: number, decimals: number): string {
  if (!Number.isFinite(v)) return String(v);
  return v.toFixed(Math.max(0, Math.min(MAX_DECIMALS, decimals)));
}

/** Where `v` sits along `range`, 0..1 (clamped). */
export function fraction(v: number, range: Pair): number {
  const span = range[1] - range[0];
  if (!(span > 0)) return 0;
  return Math.max(0, Math.min(1, (v - range[0]) / span));
}

/**
 * The limits after the `moved` thumb went to `value`: clamped to `range` and kept strictly
 * increasing by at least `step` (the kernel rejects low >= high); the moved thumb yields.
 */
export function moveThumb(limits: Pair, moved: 0 | 1, value: number, range: Pair, step: number): Pair {
  const clamp = (v: number) => Math.max(range[0], Math.min(range[1], v));
  let lo = moved === 0 ? clamp(value) : limits[0];
  let hi = moved === 1 ? clamp(value) : limits[1];
  if (moved === 0 && lo > hi - step) lo = hi - step;
  if (moved === 1 && hi < lo + step) hi = lo + step;
  // At the range's ends the other thumb makes room.
  if (lo < range[0]) [lo, hi] = [range[0], Math.max(hi, range[0] + step)];
  if (hi > range[1]) [lo, hi] = [Math.min(lo, range[1] - step), range[1]];
  return [lo, hi];
}
