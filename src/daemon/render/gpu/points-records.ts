/**
 * The per-point half of points-draw.ts, for the GPU: every value the CPU computes once per point (device
 * position, diameter after the n-D slice factor, border width, reach and pixel box, colours) is computed here
 * with the same expressions in the same order (float64), and packed into one record per drawn point; the
 * shader (native/src/points_glsl.cc) repeats only the per-pixel part. Keep this in step with
 * points-draw.ts (projector and markerReach are shared: ../point-geometry.ts); tests/gpu/points.test.ts
 * compares the frames byte for byte.
 */
import {
  POINT_EXTRA_COLUMNS,
  POINT_SYMBOLS,
  unpackPointColor,
  type Canvas,
  type LayerState,
  type ViewerState,
} from "../../../protocol/index.js";
import type { LayerData } from "../../data/types.js";
import { DISC, forEachPlacedPoint } from "../point-geometry.js";

/**
 * Float64 slots of one record (native/src/points_glsl.cc): 14 doubles (cx, cy, s, edge, lim, inner, face rgb,
 * face alpha, border rgb, border alpha), then int32 symbol, c0, c1, r0, r1 and a pad word.
 */
export const RECORD_DOUBLES = 17;
export const RECORD_BYTES = RECORD_DOUBLES * 8;
/** Where the int32 words start (in 32-bit words): symbol, c0, c1, r0, r1. */
const INT_WORD = 28;

/** Drawn points of one layer: `count` records in table order, with each one's pixel box. */
export interface PointRecords {
  count: number;
  f64: Float64Array;
  i32: Int32Array;
}

/** The records' int32 words of point k: symbol, c0, c1, r0, r1 (pixel box [c0, c1) x [r0, r1)). */
export function recordBox(r: PointRecords, k: number): [number, number, number, number] {
  const w = k * RECORD_DOUBLES * 2 + INT_WORD;
  return [r.i32[w + 1]!, r.i32[w + 2]!, r.i32[w + 3]!, r.i32[w + 4]!];
}

/** The records of the points of `layer` that touch the frame, in table order (drawPoints' loop). */
export function pointRecords(layer: LayerState, data: LayerData, state: ViewerState, canvas: Canvas): PointRecords {
  const columns = data.shape[1]!;
  const ndim = columns - POINT_EXTRA_COLUMNS;
  const total = data.shape[0]!;
  const table = data.data;
  const nd = state.dims.ndisplay === 3 ? 3 : 2;
  const f64 = new Float64Array(ndim < nd ? 0 : total * RECORD_DOUBLES);
  const i32 = new Int32Array(f64.buffer);
  const out: PointRecords = { count: 0, f64, i32 };
  if (ndim < nd) return out;
  const aa = layer.antialiasing;
  const rows = { y0: 0, y1: canvas.height, width: canvas.width };
  forEachPlacedPoint(layer, data, state, canvas, rows, ({ row, cx, cy, s, edge, symbol, r0, r1, c0, c1 }) => {
    const face = unpackPointColor(table[row + 1]!);
    const border = unpackPointColor(table[row + 2]!);
    const d = out.count * RECORD_DOUBLES;
    // markerColor's per-point terms: its reach test 0.5*edge + aa and t = max(0.5*edge - aa, 0).
    f64[d] = cx;
    f64[d + 1] = cy;
    f64[d + 2] = s;
    f64[d + 3] = edge;
    f64[d + 4] = 0.5 * edge + aa;
    f64[d + 5] = Math.max(0.5 * edge - aa, 0);
    for (let c = 0; c < 3; c++) {
      f64[d + 6 + c] = face[c]!;
      f64[d + 10 + c] = border[c]!;
    }
    f64[d + 9] = face[3] / 255;
    f64[d + 13] = border[3] / 255;
    const w = d * 2 + INT_WORD;
    // An unknown symbol index draws a disc (MARKERS[POINT_SYMBOLS[symbol] ?? "disc"]).
    i32[w] = POINT_SYMBOLS[symbol] === undefined ? DISC : symbol;
    i32[w + 1] = c0;
    i32[w + 2] = c1;
    i32[w + 3] = r0;
    i32[w + 4] = r1;
    out.count++;
  });
  return out;
}
