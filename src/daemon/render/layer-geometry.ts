/**
 * Where a layer's data lands on the canvas: the 2D plane picked by dims, and the
 * per-axis map device pixel index -> data coordinate. There is no rotation in 2D, so
 * data x depends only on the column and data y only on the row: the renderer maps
 * columns once per frame and rows once per row, never per pixel.
 *
 * Rules (bit-exact, float64, this order):
 *   world  = origin + index * step            (devicePixelToWorld: device pixel centres)
 *   data   = (world - translate) / scale      (last two layer axes)
 *   nearest: i = floor(data + 0.5); inside iff 0 <= i < size (= data in [-0.5, size-0.5))
 *   linear:  inside as nearest; i0 = floor(data), f = data - i0,
 *            lo = clamp(i0, 0, size-1), hi = clamp(i0+1, 0, size-1)
 * scale/translate are indexed like the layer's axes (outermost first); a missing
 * entry is 1 / 0. Leading (non-displayed) layer axis i is sliced at
 * dims.current_step[i + (viewer_ndim - layer_ndim)] clamped to [0, size-1], where
 * viewer_ndim = current_step.length; a missing step is 0.
 */
import type { Dims, LayerState } from "../../protocol/index.js";
import type { LayerData } from "../data/types.js";

/** Device pixel -> world affine map (from devicePixelToWorld). */
export interface ViewMap {
  originY: number;
  originX: number;
  step: number;
}

/** One displayed axis: data = (origin + index*step - translate) / scale, `size` samples. */
export interface AxisMap {
  origin: number;
  step: number;
  translate: number;
  scale: number;
  size: number;
}

/** Nearest-neighbour sample indices for a run of device pixels: -1 outside the data. */
export interface NearestAxis {
  index: Int32Array;
  /** First and one-past-last device pixel inside the data (first >= last when none). */
  first: number;
  last: number;
}

/** Bilinear taps for a run of device pixels; only [first, last) is inside the data. */
export interface LinearAxis {
  lo: Int32Array;
  hi: Int32Array;
  frac: Float64Array;
  first: number;
  last: number;
}

/** Element offset of the 2D plane that dims selects in `data`. */
export function planeOffset(data: LayerData, dims: Dims): number {
  const shape = data.shape;
  const nd = shape.length;
  const steps = dims.current_step;
  const shift = steps.length - nd;
  let offset = 0;
  let stride = 1;
  for (let i = nd - 1; i >= 0; i--) {
    if (i < nd - 2) {
      const size = shape[i]!;
      const step = i + shift >= 0 ? (steps[i + shift] ?? 0) : 0;
      offset += Math.min(Math.max(step, 0), size - 1) * stride;
    }
    stride *= shape[i]!;
  }
  return offset;
}

/** Axis maps (y, x) of the layer's last two axes under the view map. */
export function axisMaps(layer: LayerState, data: LayerData, view: ViewMap): [AxisMap, AxisMap] {
  const nd = data.shape.length;
  const axis = (i: number, origin: number): AxisMap => ({
    origin,
    step: view.step,
    translate: layer.translate[i] ?? 0,
    scale: layer.scale[i] ?? 1,
    size: data.shape[i]!,
  });
  return [axis(nd - 2, view.originY), axis(nd - 1, view.originX)];
}

/** Data coordinate of device pixel `k` along `axis`. */
export function dataCoord(axis: AxisMap, k: number): number {
  return (axis.origin + k * axis.step - axis.translate) / axis.scale;
}

/** Nearest index of device pixel `k`, or -1 when it falls outside the data. */
export function nearestIndex(axis: AxisMap, k: number): number {
  const i = Math.floor(dataCoord(axis, k) + 0.5);
  return i >= 0 && i < axis.size ? i : -1;
}

/** Nearest indices for device pixels [from, to). */
export function nearestAxis(axis: AxisMap, from: number, to: number): NearestAxis {
  const index = new Int32Array(to - from);
  let first = to;
  let last = from;
  for (let k = from; k < to; k++) {
    const i = nearestIndex(axis, k);
    index[k - from] = i;
    if (i >= 0) {
      if (k < first) first = k;
      last = k + 1;
    }
  }
  return { index, first, last };
}

/** Bilinear taps of device pixel `k`: rows/columns lo, hi and weight f of hi; null outside the data. */
export function linearTap(axis: AxisMap, k: number): { lo: number; hi: number; f: number } | null {
  const d = dataCoord(axis, k);
  const max = axis.size - 1;
  const near = Math.floor(d + 0.5);
  if (near < 0 || near > max) return null;
  const i0 = Math.floor(d);
  return { lo: i0 < 0 ? 0 : i0 > max ? max : i0, hi: i0 + 1 < 0 ? 0 : i0 + 1 > max ? max : i0 + 1, f: d - i0 };
}

/** Bilinear taps for device pixels [from, to). */
export function linearAxis(axis: AxisMap, from: number, to: number): LinearAxis {
  const n = to - from;
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  const frac = new Float64Array(n);
  let first = to;
  let last = from;
  for (let k = from; k < to; k++) {
    const tap = linearTap(axis, k);
    if (!tap) continue;
    lo[k - from] = tap.lo;
    hi[k - from] = tap.hi;
    frac[k - from] = tap.f;
    if (k < first) first = k;
    last = k + 1;
  }
  return { lo, hi, frac, first, last };
}
