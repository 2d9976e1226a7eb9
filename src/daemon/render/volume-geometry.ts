/**
 * Where a layer's volume sits and how one orthographic ray crosses it, in data index space.
 *
 * Rules (float64):
 *   volume   = the layer's last three axes (z, y, x); leading axes sliced at dims.current_step like
 *              planeOffset (layer-geometry.ts). A 2D layer (ndim 2) is a one-voxel-thick slab
 *              centred on world z = 0 (z scale 1, translate 0): napari shows 2D layers in a 3D
 *              view as a plane at z = 0, and an axis-aligned view draws it exactly as 2D does.
 *   data     = (world - translate) / scale per axis; voxel centres are integers, the box is
 *              [-0.5, size - 0.5] per axis.
 *   ray      = a + t*b with a = data position of the pixel's ray origin, b = view / scale.
 *   clipping = slab test against the box; an axis the ray is parallel to (b = 0 exactly) uses
 *              2D's half-open rule -0.5 <= a < size - 0.5, so axis-aligned views match 2D.
 *   samples  = one per integer index j of the dominant axis k (largest |b_k|) inside the clipped
 *              segment, front to back along b: position c_m = off_m + j*r_m with r = b / b_k and
 *              off_m = a_m - a_k*r_m, so an axis-aligned view samples each voxel centre once.
 */
import type { Dims, LayerState, Vec3 } from "../../protocol/index.js";
import type { LayerData, PixelArray } from "../data/types.js";

/** The displayed 3D block of a layer. */
export interface Volume {
  data: PixelArray;
  /** Element offset of voxel (0, 0, 0). */
  base: number;
  size: Vec3;
  stride: Vec3;
  scale: Vec3;
  translate: Vec3;
}

/** One ray's samples: index j = j0 + n*dj for n < count; c_m(j) = off[m] + j*r[m]. */
export interface RaySpan {
  count: number;
  j0: number;
  dj: number;
  off: Float64Array;
}

/** The 3D block `dims` selects in `data`, or null when the layer has fewer than 2 axes. */
export function volumeOf(layer: LayerState, data: LayerData, dims: Dims): Volume | null {
  const shape = data.shape;
  const nd = shape.length;
  if (nd < 2) return null;
  if (nd === 2) {
    const [ny, nx] = [shape[0]!, shape[1]!];
    return {
      data: data.data,
      base: 0,
      size: [1, ny, nx],
      stride: [ny * nx, nx, 1],
      scale: [1, layer.scale[0] ?? 1, layer.scale[1] ?? 1],
      translate: [0, layer.translate[0] ?? 0, layer.translate[1] ?? 0],
    };
  }
  const steps = dims.current_step;
  const shift = steps.length - nd;
  let base = 0;
  let stride = 1;
  const strides: number[] = [];
  for (let i = nd - 1; i >= 0; i--) {
    if (i < nd - 3) {
      const step = i + shift >= 0 ? (steps[i + shift] ?? 0) : 0;
      base += Math.min(Math.max(step, 0), shape[i]! - 1) * stride;
    } else {
      strides.unshift(stride);
    }
    stride *= shape[i]!;
  }
  const ax = [nd - 3, nd - 2, nd - 1];
  return {
    data: data.data,
    base,
    size: ax.map((i) => shape[i]!) as Vec3,
    stride: strides as Vec3,
    scale: ax.map((i) => layer.scale[i] ?? 1) as Vec3,
    translate: ax.map((i) => layer.translate[i] ?? 0) as Vec3,
  };
}

/** Per-layer constants of the ray family: data-space direction b, dominant axis k, r = b / b_k. */
export class RayFamily {
  readonly b: Vec3;
  readonly k: number;
  readonly r: Vec3;
  /** Length of one sample step in voxels (|r|); 1 for axis-aligned views. */
  readonly stepVoxels: number;
  /** Unit data-space view direction (for iso shading). */
  readonly unit: Vec3;
  readonly maxCount: number;

  constructor(
    readonly vol: Volume,
    direction: Vec3,
  ) {
    this.b = [0, 1, 2].map((m) => direction[m]! / vol.scale[m]!) as Vec3;
    const abs = this.b.map(Math.abs);
    this.k = abs[0]! >= abs[1]! && abs[0]! >= abs[2]! ? 0 : abs[1]! >= abs[2]! ? 1 : 2;
    const bk = this.b[this.k]!;
    this.r = this.b.map((v, m) => (m === this.k ? 1 : v / bk)) as Vec3;
    this.stepVoxels = Math.hypot(...this.r);
    const len = Math.hypot(...this.b);
    this.unit = this.b.map((v) => v / len) as Vec3;
    this.maxCount = vol.size[this.k]!;
  }

  /**
   * Fill `span` for the ray whose origin is world point (w0, w1, w2); returns false when the
   * ray misses the volume or crosses no sample.
   */
  span(w0: number, w1: number, w2: number, span: RaySpan): boolean {
    const { vol, b, k, r } = this;
    const a0 = (w0 - vol.translate[0]) / vol.scale[0];
    const a1 = (w1 - vol.translate[1]) / vol.scale[1];
    const a2 = (w2 - vol.translate[2]) / vol.scale[2];
    let tIn = -Infinity;
    let tOut = Infinity;
    for (let m = 0; m < 3; m++) {
      const a = m === 0 ? a0 : m === 1 ? a1 : a2;
      const n = vol.size[m]!;
      const bm = b[m]!;
      if (bm === 0) {
        if (!(a >= -0.5 && a < n - 0.5)) return false;
        continue;
      }
      const t1 = (-0.5 - a) / bm;
      const t2 = (n - 0.5 - a) / bm;
      if (t1 < t2) {
        if (t1 > tIn) tIn = t1;
        if (t2 < tOut) tOut = t2;
      } else {
        if (t2 > tIn) tIn = t2;
        if (t1 < tOut) tOut = t1;
      }
    }
    if (!(tIn <= tOut)) return false;
    const ak = k === 0 ? a0 : k === 1 ? a1 : a2;
    const bk = b[k]!;
    const e0 = ak + tIn * bk;
    const e1 = ak + tOut * bk;
    const jMin = Math.max(0, Math.ceil(Math.min(e0, e1)));
    const jMax = Math.min(vol.size[k]! - 1, Math.floor(Math.max(e0, e1)));
    if (jMin > jMax) return false;
    span.count = jMax - jMin + 1;
    span.j0 = bk > 0 ? jMin : jMax;
    span.dj = bk > 0 ? 1 : -1;
    const off = span.off;
    off[0] = a0 - ak * r[0];
    off[1] = a1 - ak * r[1];
    off[2] = a2 - ak * r[2];
    off[k] = 0;
    return true;
  }
}
