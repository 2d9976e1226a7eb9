/**
 * Where a point lands and how far its marker reaches: shared by the CPU renderer (points-draw.ts)
 * and the GPU job (gpu/points-records.ts), whose frames must be equal byte for byte.
 */
import {
  deviceRays,
  POINT_EXTRA_COLUMNS,
  POINT_SYMBOLS,
  type Canvas,
  type LayerState,
  type ViewerState,
} from "../../protocol/index.js";
import type { LayerData } from "../data/types.js";

/** Device position (col, row) of a world point (displayed axes), and device pixels per world unit. */
export interface Projector {
  ndisplay: 2 | 3;
  project(world: readonly number[], out: number[]): void;
  pxPerWorld: number;
}

/** The projection of the view: 2D devicePixelToWorld inverted, 3D the orthographic rays of camera3d.ts. */
export function projector(state: ViewerState, canvas: Canvas): Projector {
  if (state.dims.ndisplay === 3) {
    const rays = deviceRays(state.camera, canvas);
    const { origin, stepRight: r, stepDown: d } = rays;
    const rr = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
    const dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    return {
      ndisplay: 3,
      pxPerWorld: 1 / rays.step,
      project(w, out) {
        const p0 = w[0]! - origin[0];
        const p1 = w[1]! - origin[1];
        const p2 = w[2]! - origin[2];
        out[0] = (p0 * r[0] + p1 * r[1] + p2 * r[2]) / rr;
        out[1] = (p0 * d[0] + p1 * d[1] + p2 * d[2]) / dd;
      },
    };
  }
  const step = 1 / (state.camera.zoom * canvas.pixel_ratio);
  const [cy, cx] = state.camera.center.slice(-2) as [number, number];
  const originY = cy + (0.5 - canvas.height / 2) * step;
  const originX = cx + (0.5 - canvas.width / 2) * step;
  return {
    ndisplay: 2,
    pxPerWorld: 1 / step,
    project(w, out) {
      out[0] = (w[1]! - originX) / step;
      out[1] = (w[0]! - originY) / step;
    },
  };
}

export const DISC = POINT_SYMBOLS.indexOf("disc");
const STAR = POINT_SYMBOLS.indexOf("star");
const RING = POINT_SYMBOLS.indexOf("ring");
const SQUARE = POINT_SYMBOLS.indexOf("square");
/**
 * How far from its centre (per axis) a marker of diameter s draws anything: vispy draws where
 * r <= pad (edge/2 + aa). A disc, ring or square's r is the distance beyond s/2; the slanted
 * symbols' r is scaled down (by up to 1/sqrt2; above a star's tip by sin 18 deg, 0.309) and a star's
 * tips reach 0.55 s. tests/unit/render/points.test.ts checks every symbol against its reach.
 */
export function markerReach(symbol: number, s: number, pad: number): number {
  if (symbol === DISC || symbol === RING || symbol === SQUARE) return s / 2 + pad;
  if (symbol === STAR) return 0.55 * s + pad / Math.sin(Math.PI / 10);
  return 0.55 * s + Math.SQRT2 * pad;
}

/** One point as drawn (device pixels): centre, diameter, border width, symbol, its table row. */
export interface PlacedPoint {
  row: number;
  cx: number;
  cy: number;
  s: number;
  edge: number;
  symbol: number;
  /** The pixel centres within its reach, clipped to the rows and columns asked for (exclusive ends). */
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

/**
 * Visit, in table order, the points of a Points layer that draw anything in rows [y0, y1) and
 * columns [0, width) (napari's slicing: within 0.5 of the step on every axis not displayed, or
 * with out_of_slice_display within size/2, at size * prod((s/2 - d) / (s/2)); sizes are data units
 * scaled by the mean displayed scale). `visit` gets one reused object: copy what it keeps.
 */
export function forEachPlacedPoint(
  layer: LayerState,
  data: LayerData,
  state: ViewerState,
  canvas: Canvas,
  rows: { y0: number; y1: number; width: number },
  visit: (p: PlacedPoint) => void,
): void {
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
  const world = new Array<number>(nd).fill(0);
  const pos = [0, 0];
  const out: PlacedPoint = { row: 0, cx: 0, cy: 0, s: 0, edge: 0, symbol: 0, r0: 0, r1: 0, c0: 0, c1: 0 };
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
    const r0 = Math.max(rows.y0, Math.ceil(pos[1]! - reach));
    const r1 = Math.min(rows.y1, Math.floor(pos[1]! + reach) + 1);
    const c0 = Math.max(0, Math.ceil(pos[0]! - reach));
    const c1 = Math.min(rows.width, Math.floor(pos[0]! + reach) + 1);
    if (r0 >= r1 || c0 >= c1) continue;
    out.row = row + ndim;
    out.cx = pos[0]!;
    out.cy = pos[1]!;
    out.s = s;
    out.edge = edge;
    out.symbol = symbol;
    out.r0 = r0;
    out.r1 = r1;
    out.c0 = c0;
    out.c1 = c1;
    visit(out);
  }
}
