/**
 * Points layers (napari's): markers drawn as vispy draws them (point-markers.ts), in table order
 * (a later point over an earlier one), each pixel blended onto the frame at once, rounded like an
 * RGBA8 framebuffer: translucent out = floor(src*a + dst*(1-a) + 0.5), additive
 * min(255, floor(dst + src*a + 0.5)), opaque out = src where a > 0; a = marker alpha * opacity.
 *
 * Geometry: a point's data coordinates map to world (scale, translate per axis) and to device
 * pixels (2D: devicePixelToWorld; 3D: the orthographic rays of camera3d.ts, no depth test against
 * other layers). Its diameter in device pixels is size * mean(displayed scales) / step (sizes are
 * data units, as napari). Axes not displayed slice the points, napari's rule: within 0.5 of the
 * step on every such axis, or with out_of_slice_display within size/2, drawn at size * prod((s/2 -
 * d) / (s/2)).
 */
import {
  POINT_EXTRA_COLUMNS,
  POINT_SYMBOLS,
  unpackPointColor,
  type LayerState,
  type ViewerState,
} from "../../protocol/index.js";
import type { Canvas } from "../../protocol/index.js";
import type { LayerData } from "../data/types.js";
import { DISC, markerReach, projector } from "./point-geometry.js";
import { markerColor, MARKERS, type MarkerSdf } from "./point-markers.js";

/** Where one band of one frame is drawn. */
export interface PointsTarget {
  out8: Uint8Array;
  width: number;
  y0: number;
  y1: number;
}

/** Draw rows [t.y0, t.y1) of a points layer. */
export function drawPoints(layer: LayerState, data: LayerData, state: ViewerState, canvas: Canvas, t: PointsTarget) {
  const columns = data.shape[1]!;
  const ndim = columns - POINT_EXTRA_COLUMNS;
  const count = data.shape[0]!;
  const table = data.data;
  const proj = projector(state, canvas);
  const nd = proj.ndisplay;
  if (ndim < nd) return;
  const steps = state.dims.current_step;
  const shift = steps.length - ndim;
  const scaleOf = (i: number) => layer.scale[i] ?? 1;
  const shown: number[] = [];
  for (let i = ndim - nd; i < ndim; i++) shown.push(scaleOf(i));
  const meanScale = shown.reduce((a, b) => a + b, 0) / shown.length;
  const pxPerData = meanScale * proj.pxPerWorld;
  const aa = layer.antialiasing;
  const mode = layer.blending === "opaque" ? OPAQUE : layer.blending === "additive" ? ADDITIVE : TRANSLUCENT;
  const world = new Array<number>(nd).fill(0);
  const pos = [0, 0];
  const face = new Float64Array(4);
  const border = new Float64Array(4);
  const px = new Float64Array(4);
  for (let p = 0; p < count; p++) {
    const row = p * columns;
    const size = table[row + ndim]!;
    if (!(size > 0)) continue;
    let factor = 1;
    for (let i = 0; i < ndim - nd && factor > 0; i++) {
      const step = i + shift >= 0 ? (steps[i + shift] ?? 0) : 0;
      const dist = Math.abs(table[row + i]! - step);
      if (!layer.out_of_slice_display) factor = dist <= 0.5 ? 1 : 0;
      else factor *= dist <= size / 2 ? (size / 2 - dist) / (size / 2) : 0;
    }
    if (!(factor > 0)) continue;
    let finite = true;
    for (let k = 0; k < nd; k++) {
      const i = ndim - nd + k;
      world[k] = table[row + i]! * scaleOf(i) + (layer.translate[i] ?? 0);
      finite &&= Number.isFinite(world[k]!);
    }
    if (!finite) continue;
    proj.project(world, pos);
    const s = size * factor * pxPerData;
    const symbol = table[row + ndim + 3]!;
    const edge = layer.border_width_is_relative ? layer.border_width * s : layer.border_width * pxPerData;
    const reach = markerReach(symbol, s, edge / 2 + aa);
    // Pixel centres (integers) within `reach` of the centre on both axes.
    const r0 = Math.max(t.y0, Math.ceil(pos[1]! - reach));
    const r1 = Math.min(t.y1, Math.floor(pos[1]! + reach) + 1);
    const c0 = Math.max(0, Math.ceil(pos[0]! - reach));
    const c1 = Math.min(t.width, Math.floor(pos[0]! + reach) + 1);
    if (r0 >= r1 || c0 >= c1) continue;
    rgba01(table[row + ndim + 1]!, face);
    rgba01(table[row + ndim + 2]!, border);
    const sdf = symbol === DISC ? null : MARKERS[POINT_SYMBOLS[symbol] ?? "disc"];
    const box = { r0, r1, c0, c1 };
    paintMarker(t, box, pos[0]!, pos[1]!, s, sdf, edge, aa, face, border, px, mode, layer.opacity);
  }
}

/** One marker's pixels in `box` (rows r0..r1, columns c0..c1, exclusive ends), blended onto t. */
function paintMarker(
  t: PointsTarget,
  box: { r0: number; r1: number; c0: number; c1: number },
  cx: number,
  cy: number,
  s: number,
  sdf: MarkerSdf | null,
  edge: number,
  aa: number,
  face: Float64Array,
  border: Float64Array,
  px: Float64Array,
  mode: number,
  opacity: number,
): void {
  const half = s / 2;
  const lim = edge / 2 + aa;
  const out = t.out8;
  for (let y = box.r0; y < box.r1; y++) {
    const dy = y - cy;
    const dy2 = dy * dy;
    for (let x = box.c0; x < box.c1; x++) {
      const dx = x - cx;
      // The disc (napari's default) inline: the same value as MARKERS.disc.
      const r = sdf === null ? Math.sqrt(dx * dx + dy2) - half : sdf(dx, dy, s);
      if (r > lim || !markerColor(r, edge, aa, face, border, px)) continue;
      const a = px[3]! * opacity;
      if (!(a > 0)) continue;
      const o = (y * t.width + x) * 4;
      if (mode === TRANSLUCENT) {
        const b = 1 - a;
        out[o] = Math.floor(px[0]! * a + out[o]! * b + 0.5);
        out[o + 1] = Math.floor(px[1]! * a + out[o + 1]! * b + 0.5);
        out[o + 2] = Math.floor(px[2]! * a + out[o + 2]! * b + 0.5);
      } else {
        blendPixel(mode, a, out, o, px);
      }
    }
  }
}

/** Packed RGBA bytes to rgb bytes and alpha in 0..1. */
function rgba01(packed: number, out: Float64Array): void {
  const [r, g, b, a] = unpackPointColor(packed);
  out[0] = r;
  out[1] = g;
  out[2] = b;
  out[3] = a / 255;
}

const TRANSLUCENT = 0;
const ADDITIVE = 1;
const OPAQUE = 2;

/** Additive or opaque (translucent is inline in paintMarker); `a` = alpha * opacity. */
function blendPixel(mode: number, a: number, out: Uint8Array, o: number, px: Float64Array): void {
  for (let c = 0; c < 3; c++) {
    const v = mode === ADDITIVE ? Math.min(255, Math.floor(out[o + c]! + px[c]! * a + 0.5)) : Math.round(px[c]!);
    out[o + c] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
}
