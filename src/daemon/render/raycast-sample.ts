/**
 * Reading data values along a ray (into a Float64Array, front to back) and at single points.
 *
 *   nearest: i = floor(c + 0.5) clamped to [0, size - 1]
 *   linear:  trilinear, i0 = floor(c), f = c - i0, lo/hi = clamp(i0, i0 + 1) (clamp to edge),
 *            interpolated x first, then y, then z, each as v0 + (v1 - v0)*f (2D's order, plus z)
 * Points outside the box read the edge voxels (a GPU texture's CLAMP_TO_EDGE), which the iso
 * gradient relies on.
 */
import type { RaySpan, Volume } from "./volume-geometry.js";

/**
 * Values at the `span.count` sample points of `span` into `out`; nearest neighbour. `k` is the
 * dominant axis, whose index is j itself (r[k] = 1, off[k] = 0); an axis-aligned ray (the other
 * two r are 0) reads one fixed column with a constant stride.
 */
export function sampleNearest(vol: Volume, r: readonly number[], k: number, span: RaySpan, out: Float64Array): void {
  const { data } = vol;
  const a = k === 0 ? 1 : 0;
  const b = k === 2 ? 1 : 2;
  const na = vol.size[a]!;
  const nb = vol.size[b]!;
  const sk = vol.stride[k]!;
  const sa = vol.stride[a]!;
  const sb = vol.stride[b]!;
  const ra = r[a]!;
  const rb = r[b]!;
  const oa = span.off[a]! + 0.5;
  const ob = span.off[b]! + 0.5;
  const { count, dj } = span;
  let j = span.j0;
  if (ra === 0 && rb === 0) {
    let idx = vol.base + j * sk + clampIndex(Math.floor(oa), na) * sa + clampIndex(Math.floor(ob), nb) * sb;
    const step = dj * sk;
    for (let n = 0; n < count; n++, idx += step) out[n] = data[idx]!;
    return;
  }
  const base = vol.base;
  for (let n = 0; n < count; n++, j += dj) {
    // Coordinates are >= -0.5 up to rounding, so truncation is floor(c + 0.5) clamped at 0.
    let ia = (oa + j * ra) | 0;
    let ib = (ob + j * rb) | 0;
    if (ia >= na) ia = na - 1;
    else if (ia < 0) ia = 0;
    if (ib >= nb) ib = nb - 1;
    else if (ib < 0) ib = 0;
    out[n] = data[base + j * sk + ia * sa + ib * sb]!;
  }
}

/** Values at the sample points of `span` into `out`; trilinear. */
export function sampleLinear(vol: Volume, r: readonly number[], _k: number, span: RaySpan, out: Float64Array): void {
  const off = span.off;
  const { count, dj } = span;
  let j = span.j0;
  for (let n = 0; n < count; n++, j += dj) {
    out[n] = valueAt(vol, off[0]! + j * r[0]!, off[1]! + j * r[1]!, off[2]! + j * r[2]!, true);
  }
}

/** The value at data position (c0, c1, c2), nearest or trilinear, clamped to the edge. */
export function valueAt(vol: Volume, c0: number, c1: number, c2: number, linear: boolean): number {
  const { data, base } = vol;
  const [n0, n1, n2] = vol.size;
  const [s0, s1, s2] = vol.stride;
  if (!linear) {
    const i0 = clampIndex(Math.floor(c0 + 0.5), n0);
    const i1 = clampIndex(Math.floor(c1 + 0.5), n1);
    const i2 = clampIndex(Math.floor(c2 + 0.5), n2);
    return data[base + i0 * s0 + i1 * s1 + i2 * s2]!;
  }
  const f0 = Math.floor(c0);
  const f1 = Math.floor(c1);
  const f2 = Math.floor(c2);
  const w0 = c0 - f0;
  const w1 = c1 - f1;
  const w2 = c2 - f2;
  const z0 = base + clampIndex(f0, n0) * s0;
  const z1 = base + clampIndex(f0 + 1, n0) * s0;
  const y0 = clampIndex(f1, n1) * s1;
  const y1 = clampIndex(f1 + 1, n1) * s1;
  const x0 = clampIndex(f2, n2) * s2;
  const x1 = clampIndex(f2 + 1, n2) * s2;
  const lerp = (a: number, b: number, f: number): number => a + (b - a) * f;
  const plane = (z: number): number =>
    lerp(lerp(data[z + y0 + x0]!, data[z + y0 + x1]!, w2), lerp(data[z + y1 + x0]!, data[z + y1 + x1]!, w2), w1);
  return lerp(plane(z0), plane(z1), w0);
}

function clampIndex(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}
