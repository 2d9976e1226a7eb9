/**
 * napari's `iso` mode (vispy's _ISO_SNIPPETS + calculateColor), data units, float64:
 *   hit   = the first sample (front to back) with v > iso_threshold (vispy's strict test; its
 *           sub-step refinement is left out: samples sit on voxels); none -> transparent.
 *   N_m   = v(p - 1.5 e_m) - v(p + 1.5 e_m) per data axis m (vispy's dstep = 1.5 voxels, read with
 *           the layer's interpolation, clamped to the edge); better = max(v(p), the six reads).
 *   V     = unit data-space view direction; the headlight L = V, so with N flipped towards V:
 *           lambert = clamp(|N.V| / |N|, 0, 1), specular = lambert^40 (H = V, shininess 40).
 *           |N| = 0 (flat neighbourhood, e.g. a face of a block filling the volume): lambert = 1.
 *   value = better * (0.2 + lambert) + specular   (ambient 0.2, white specular)
 *   pixel = colour(value), alpha 255.
 */
import { valueAt } from "./raycast-sample.js";
import type { RayFamily, RaySpan } from "./volume-geometry.js";
import { colourOf, type Shade } from "./volume-modes.js";

/** Sample index of the first value > threshold, or -1. */
export function firstAbove(x: Float64Array, count: number, threshold: number): number {
  for (let n = 0; n < count; n++) if (x[n]! > threshold) return n;
  return -1;
}

/** The shaded data value at sample `n` of `span` (see the module comment). */
export function isoValue(rays: RayFamily, span: RaySpan, n: number, linear: boolean): number {
  const { vol, r, unit } = rays;
  const j = span.j0 + n * span.dj;
  const p = [0, 1, 2].map((m) => span.off[m]! + j * r[m]!);
  let better = valueAt(vol, p[0]!, p[1]!, p[2]!, linear);
  const grad = [0, 0, 0];
  for (let m = 0; m < 3; m++) {
    const q = p.slice();
    q[m] = p[m]! - 1.5;
    const minus = valueAt(vol, q[0]!, q[1]!, q[2]!, linear);
    q[m] = p[m]! + 1.5;
    const plus = valueAt(vol, q[0]!, q[1]!, q[2]!, linear);
    grad[m] = minus - plus;
    better = Math.max(better, minus, plus);
  }
  const gm = Math.hypot(grad[0]!, grad[1]!, grad[2]!);
  let lambert = 1;
  if (gm > 0) {
    const d = Math.abs(grad[0]! * unit[0] + grad[1]! * unit[1] + grad[2]! * unit[2]) / gm;
    lambert = d > 1 ? 1 : d;
  }
  return better * (0.2 + lambert) + Math.pow(lambert, 40);
}

/** Packed pixel of the iso surface along `span`, 0 when the ray has no hit. */
export function iso(
  x: Float64Array,
  rays: RayFamily,
  span: RaySpan,
  threshold: number,
  linear: boolean,
  s: Shade,
): number {
  const n = firstAbove(x, span.count, threshold);
  return n < 0 ? 0 : colourOf(isoValue(rays, span, n, linear), s);
}
