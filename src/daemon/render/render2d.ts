/**
 * CPU reference renderer for 2D image layers: pure functions, no I/O.
 *
 * The frame starts black and opaque; visible layers are drawn in state order (bottom
 * to top). Per layer: geometry in layer-geometry.ts, value -> colour in colormaps.ts,
 * blending in blend.ts (each documents its exact arithmetic). `linear` interpolates
 * data values between pixel centres (float64):
 *   top = v00 + (v01 - v00)*fx; bottom = v10 + (v11 - v10)*fx; v = top + (bottom - top)*fy
 * (v00 = row lo/col lo, v01 = row lo/col hi, v10 = row hi/col lo, v11 = row hi/col hi).
 */
import { devicePixelToWorld, NapariCudaError, type LayerState, type ViewerState } from "../../protocol/index.js";
import type { LayerData } from "../data/types.js";
import type { RenderRequest } from "./types.js";
import { blendRow, drawnLayers, type BlendOp } from "./blend.js";
import { colorIndex, layerColormap } from "./colormaps.js";
import {
  axisMaps,
  linearAxis,
  linearTap,
  nearestAxis,
  nearestIndex,
  planeOffset,
  type ViewMap,
} from "./layer-geometry.js";
import { drawLabels } from "./label-draw.js";
import { drawPoints } from "./points-draw.js";
import { hasValueLut, valueLut } from "./value-lut.js";

/** Rows [y0, y1) of the frame; workers each render one band of the same frame. */
export interface RowBand {
  y0: number;
  y1: number;
}

/** RGBA bytes 0,0,0,255 as one Uint32 in platform byte order. */
const OPAQUE_BLACK = new Uint32Array(new Uint8Array([0, 0, 0, 255]).buffer)[0]!;

/** Throw NapariCudaError("unsupported") for states this 2D renderer cannot draw (3D goes to render3d.ts). */
export function assertRenderable(state: ViewerState): void {
  if (state.dims.ndisplay !== 2) {
    throw new NapariCudaError("unsupported", "renderLayers2D draws 2D views only; use renderLayers (render3d.ts)", {
      path: "dims.ndisplay",
    });
  }
}

/**
 * Check the output buffer, clamp the band to the frame and fill its rows with opaque black;
 * null when the band is empty. Shared by the 2D and 3D renderers.
 */
export function clearBand(
  out: Uint8Array,
  width: number,
  height: number,
  band?: RowBand,
): { out32: Uint32Array; y0: number; y1: number } | null {
  if (out.length !== width * height * 4 || out.byteOffset % 4 !== 0) {
    throw new NapariCudaError("render_failed", `output buffer must be ${width * height * 4} bytes, 4-byte aligned`);
  }
  const y0 = Math.max(0, band?.y0 ?? 0);
  const y1 = Math.min(height, band?.y1 ?? height);
  if (y0 >= y1) return null;
  const out32 = new Uint32Array(out.buffer, out.byteOffset, width * height);
  out32.fill(OPAQUE_BLACK, y0 * width, y1 * width);
  return { out32, y0, y1 };
}

/** Scratch state shared by the layers of one band. */
interface Target {
  out8: Uint8Array;
  out32: Uint32Array;
  row32: Uint32Array;
  row8: Uint8Array;
  width: number;
  y0: number;
  y1: number;
}

/** Render rows `band` (default: all) of `req` into `out` (width*height*4 RGBA bytes, 4-byte aligned). */
export function renderLayers2D(req: RenderRequest, out: Uint8Array, band?: RowBand): void {
  const { canvas, state } = req;
  const { width, height } = canvas;
  assertRenderable(state);
  const cleared = clearBand(out, width, height, band);
  if (!cleared) return;
  const { out32, y0, y1 } = cleared;
  const row32 = new Uint32Array(width);
  const target: Target = { out8: out, out32, row32, row8: new Uint8Array(row32.buffer), width, y0, y1 };
  const view = devicePixelToWorld(state.camera, canvas);
  for (const { layer, data, op } of drawnLayers(req)) {
    if (layer.kind === "points") drawPoints(layer, data, state, canvas, target);
    else if (layer.kind === "labels") drawLabels(layer, data, state, view, op, target);
    else if (layer.interpolation === "linear") drawLinear(layer, data, state, view, op, target);
    else drawNearest(layer, data, state, view, op, target);
  }
}

function drawNearest(
  layer: LayerState,
  data: LayerData,
  state: ViewerState,
  view: ViewMap,
  op: BlendOp,
  t: Target,
): void {
  const [ay, ax] = axisMaps(layer, data, view);
  const cols = nearestAxis(ax, 0, t.width);
  const { first, last, index } = cols;
  if (first >= last) return;
  const plane = planeOffset(data, state.dims);
  const nx = ax.size;
  const values = data.data;
  const [lo, hi] = layer.contrast_limits;
  const { gamma } = layer;
  const colormap = layerColormap(layer);
  const lut = hasValueLut(data.dtype) ? valueLut(data.dtype, colormap, lo, hi, gamma) : null;
  const cmap = colormap.rgba32;
  const { out32, row32, width } = t;
  for (let r = t.y0; r < t.y1; r++) {
    const yi = nearestIndex(ay, r);
    if (yi < 0) continue;
    const src = plane + yi * nx;
    const base = r * width;
    if (lut) {
      const table = lut.table;
      const off = lut.offset;
      if (op.kind === "replace") {
        // Hot path: integer data never maps to transparent, so write the frame directly.
        for (let c = first; c < last; c++) out32[base + c] = table[values[src + index[c]!]! + off]!;
        continue;
      }
      for (let c = first; c < last; c++) row32[c] = table[values[src + index[c]!]! + off]!;
    } else {
      for (let c = first; c < last; c++) {
        const ci = colorIndex(values[src + index[c]!]!, lo, hi, gamma);
        row32[c] = ci < 0 ? 0 : cmap[ci]!;
      }
    }
    blendRow(op, row32, t.row8, out32, t.out8, base, first, last);
  }
}

function drawLinear(
  layer: LayerState,
  data: LayerData,
  state: ViewerState,
  view: ViewMap,
  op: BlendOp,
  t: Target,
): void {
  const [ay, ax] = axisMaps(layer, data, view);
  const cols = linearAxis(ax, 0, t.width);
  const { first, last } = cols;
  if (first >= last) return;
  const plane = planeOffset(data, state.dims);
  const nx = ax.size;
  const values = data.data;
  const [lo, hi] = layer.contrast_limits;
  const { gamma } = layer;
  const cmap = layerColormap(layer).rgba32;
  const { row32, width } = t;
  const xlo = cols.lo;
  const xhi = cols.hi;
  const fx = cols.frac;
  for (let r = t.y0; r < t.y1; r++) {
    const taps = linearTap(ay, r);
    if (!taps) continue;
    const top = plane + taps.lo * nx;
    const bottom = plane + taps.hi * nx;
    const fy = taps.f;
    for (let c = first; c < last; c++) {
      const a = xlo[c]!;
      const b = xhi[c]!;
      const f = fx[c]!;
      const v00 = values[top + a]!;
      const v10 = values[bottom + a]!;
      const vt = v00 + (values[top + b]! - v00) * f;
      const vb = v10 + (values[bottom + b]! - v10) * f;
      const ci = colorIndex(vt + (vb - vt) * fy, lo, hi, gamma);
      row32[c] = ci < 0 ? 0 : cmap[ci]!;
    }
    blendRow(op, row32, t.row8, t.out32, t.out8, r * width, first, last);
  }
}
