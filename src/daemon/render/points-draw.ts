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
import { POINT_SYMBOLS, unpackPointColor, type LayerState, type ViewerState } from "../../protocol/index.js";
import type { Canvas } from "../../protocol/index.js";
import type { LayerData } from "../data/types.js";
import { DISC, forEachPlacedPoint } from "./point-geometry.js";
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
  const aa = layer.antialiasing;
  const mode = layer.blending === "opaque" ? OPAQUE : layer.blending === "additive" ? ADDITIVE : TRANSLUCENT;
  const table = data.data;
  const face = new Float64Array(4);
  const border = new Float64Array(4);
  const px = new Float64Array(4);
  forEachPlacedPoint(layer, data, state, canvas, { y0: t.y0, y1: t.y1, width: t.width }, (p) => {
    rgba01(table[p.row + 1]!, face);
    rgba01(table[p.row + 2]!, border);
    const sdf = p.symbol === DISC ? null : MARKERS[POINT_SYMBOLS[p.symbol] ?? "disc"];
    paintMarker(t, p, p.cx, p.cy, p.s, sdf, p.edge, aa, face, border, px, mode, layer.opacity);
  });
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
