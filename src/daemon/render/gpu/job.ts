/**
 * RenderRequest -> native frame job. The GPU draws exactly what the CPU reference draws because the
 * per-axis taps come from the same code (layer-geometry.ts, float64) and the value/colour tables from
 * value-lut.ts / colormaps.ts; only the per-pixel value -> index and blend arithmetic runs on the GPU
 * (in float64 too, see native/src/shader.cc). Labels layers (label-draw.ts) take the CPU's label palette
 * (label-job.ts), nearest taps only, padded by `contour` pixels on each side for the outline test. Points
 * layers become point passes (points-job.ts) placed between the other layers in drawing order.
 * Pure: no GPU needed, so CI tests it.
 */
import { devicePixelToWorld, type DType } from "../../../protocol/index.js";
import { drawnLayers, type DrawnLayer } from "../blend.js";
import { axisMaps, linearAxis, nearestAxis, planeOffset, type AxisMap } from "../layer-geometry.js";
import type { RenderRequest } from "../types.js";
import { layerColormap } from "../colormaps.js";
import { hasValueLut, valueLut, valueLutKey } from "../value-lut.js";
import { generationOf } from "./generation.js";
import { labelJobFields } from "./label-job.js";
import type { NativeFrameJob, NativeLayerJob, NativePointsJob } from "./native.js";
import { pointsJobs } from "./points-job.js";

/** dtype -> native code (native/src/job.h DType). */
export const DTYPE_CODES: Record<DType, number> = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  float64: 7,
};

/** Native blend codes (native/src/job.h Blend). */
const REPLACE = 0;
const MIX = 1;
const ADD = 2;

/** Bytes per tap: int32 lo, int32 hi, float64 frac (the shader's std430 `Tap`). */
export const TAP_BYTES = 16;

export interface AxisTaps {
  bytes: Uint8Array;
  /** Device pixels [first, last) are inside the data. */
  first: number;
  last: number;
}

/**
 * Pack the taps of device pixels [-pad, n + pad) along `axis` (tap k + pad is pixel k); pixels outside the
 * data get lo = -1. `first`/`last` count pixels of [0, n) only. A labels contour reads the pad (nearest).
 */
export function packTaps(axis: AxisMap, n: number, linear: boolean, pad = 0): AxisTaps {
  const total = n + 2 * pad;
  const buf = new ArrayBuffer(total * TAP_BYTES);
  const ints = new Int32Array(buf);
  const fracs = new Float64Array(buf);
  if (linear) {
    const t = linearAxis(axis, -pad, n + pad);
    for (let k = 0; k < total; k++) {
      const inside = k - pad >= t.first && k - pad < t.last;
      ints[k * 4] = inside ? t.lo[k]! : -1;
      ints[k * 4 + 1] = inside ? t.hi[k]! : -1;
      fracs[k * 2 + 1] = inside ? t.frac[k]! : 0;
    }
    return { bytes: new Uint8Array(buf), first: Math.max(0, t.first), last: Math.min(n, t.last) };
  }
  const t = nearestAxis(axis, -pad, n + pad);
  for (let k = 0; k < total; k++) {
    ints[k * 4] = t.index[k]!;
    ints[k * 4 + 1] = t.index[k]!;
  }
  return { bytes: new Uint8Array(buf), first: Math.max(0, t.first), last: Math.min(n, t.last) };
}

/** The native description of one layer, or null when it covers no pixel. */
function layerJob(
  { layer, data, op }: DrawnLayer,
  req: RenderRequest,
  view: ReturnType<typeof devicePixelToWorld>,
): NativeLayerJob | null {
  const { width, height } = req.canvas;
  const labels = layer.kind === "labels";
  // Labels are never interpolated (label-draw.ts); their contour reads `contour` pixels beyond the frame.
  const linear = !labels && layer.interpolation === "linear";
  const pad = labels ? layer.contour : 0;
  const [ay, ax] = axisMaps(layer, data, view);
  const cols = packTaps(ax, width, linear, pad);
  const rows = packTaps(ay, height, linear, pad);
  if (cols.first >= cols.last || rows.first >= rows.last) return null;
  const plane = planeOffset(data, req.state.dims);
  const [lo, hi] = layer.contrast_limits;
  const { gamma } = layer;
  const colormap = layerColormap(layer);
  // The folded value table is what the CPU's nearest path uses for 8/16-bit data (exact, incl. gamma).
  const folded = !labels && !linear && hasValueLut(data.dtype);
  const table = folded ? valueLut(data.dtype, colormap, lo, hi, gamma) : null;
  let blend = REPLACE;
  let alpha = 1;
  let beta = 0;
  if (op.kind === "table") {
    blend = layer.blending === "additive" ? ADD : MIX;
    alpha = layer.opacity;
    beta = 1 - layer.opacity;
  }
  const job: NativeLayerJob = {
    key: `${layer.id}|${data.dtype}|${data.shape.join("x")}|${plane}`,
    // Regions of one shape share a key (plane 0): the generation tells their buffers apart.
    generation: generationOf(data.data),
    data: data.data,
    dtype: DTYPE_CODES[data.dtype],
    planeOffset: plane,
    nx: ax.size,
    ny: ay.size,
    cols: cols.bytes,
    rows: rows.bytes,
    x0: cols.first,
    x1: cols.last,
    y0: rows.first,
    y1: rows.last,
    linear,
    folded,
    lut: table ? table.table : colormap.rgba32,
    // Keyed by the table's contents (a hash), never by the colormap's name: custom tables have any name.
    lutKey: table ? `v|${valueLutKey(data.dtype, colormap, lo, hi, gamma)}` : `c|${colormap.key}`,
    lutOffset: table ? table.offset : 0,
    lo,
    range: hi - lo,
    gamma,
    blend,
    alpha,
    beta,
  };
  return labels ? { ...job, ...labelJobFields(layer, data.dtype), contour: pad } : job;
}

/** The native job for a 2D request: visible layers with data, bottom to top. */
export function frameJob(req: RenderRequest, out: { rgba: boolean; nv12: boolean }): NativeFrameJob {
  const view = devicePixelToWorld(req.state.camera, req.canvas);
  const layers: NativeLayerJob[] = [];
  const points: NativePointsJob[] = [];
  for (const drawn of drawnLayers(req)) {
    const { layer, data } = drawn;
    if (layer.kind === "points") {
      points.push(...pointsJobs(layer, data, req.state, req.canvas, layers.length));
      continue;
    }
    const job = layerJob(drawn, req, view);
    if (job) layers.push(job);
  }
  return { width: req.canvas.width, height: req.canvas.height, rgba: out.rgba, nv12: out.nv12, layers, points };
}
