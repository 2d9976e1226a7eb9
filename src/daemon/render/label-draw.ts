/**
 * 2D drawing of a labels layer: nearest-neighbour samples (never interpolated), coloured by
 * label-palette.ts, blended like any layer (transparent where the label is hidden).
 *
 * `contour` w > 0 keeps only outlines: a pixel is drawn when the labels sampled within w device
 * pixels of it (a (2w+1)^2 square, rows and columns beyond the frame included, pixels outside the
 * data left out) are not all equal. Both sides of a boundary between two labels get w pixels; a
 * label next to the background gets w pixels inside it. The rule only depends on the camera, so
 * bands rendered by different workers join without seams.
 */
import type { LayerState, ViewerState } from "../../protocol/index.js";
import type { LayerData } from "../data/types.js";
import { blendRow, type BlendOp } from "./blend.js";
import { labelPalette, labelRgba, type LabelPalette } from "./label-palette.js";
import { axisMaps, nearestAxis, nearestIndex, planeOffset, type ViewMap } from "./layer-geometry.js";

/** The frame rows one call draws and its scratch buffers (render2d.ts's Target). */
export interface LabelTarget {
  out8: Uint8Array;
  out32: Uint32Array;
  row32: Uint32Array;
  row8: Uint8Array;
  width: number;
  y0: number;
  y1: number;
}

/** Draw rows [t.y0, t.y1) of a labels layer. */
export function drawLabels(
  layer: LayerState,
  data: LayerData,
  state: ViewerState,
  view: ViewMap,
  op: BlendOp,
  t: LabelTarget,
): void {
  const [ay, ax] = axisMaps(layer, data, view);
  const w = layer.contour;
  const cols = nearestAxis(ax, -w, t.width + w);
  if (cols.first >= cols.last) return;
  const plane = planeOffset(data, state.dims);
  const palette = labelPalette(layer, data.dtype);
  const values = data.data;
  const nx = ax.size;
  // Sampled labels of a frame row (index k + w for device column k), NaN outside the data.
  const sample = (r: number, dst: Float64Array): void => {
    dst.fill(NaN);
    const yi = nearestIndex(ay, r);
    if (yi < 0) return;
    const src = plane + yi * nx;
    const index = cols.index;
    for (let k = cols.first; k < cols.last; k++) dst[k + w] = values[src + index[k + w]!]!;
  };
  const first = Math.max(0, cols.first);
  const last = Math.min(t.width, cols.last);
  if (first >= last) return;
  if (w === 0) drawFilled(palette, sample, op, t, first, last);
  else drawContour(palette, sample, w, op, t, first, last);
}

type Sampler = (r: number, dst: Float64Array) => void;

function drawFilled(p: LabelPalette, sample: Sampler, op: BlendOp, t: LabelTarget, first: number, last: number) {
  const row = new Float64Array(t.width);
  const { row32, width } = t;
  const lut = p.lut;
  for (let r = t.y0; r < t.y1; r++) {
    sample(r, row);
    if (lut) {
      const { table, offset } = lut;
      for (let c = first; c < last; c++) {
        const v = row[c]!;
        row32[c] = v === v ? table[v + offset]! : 0;
      }
    } else {
      for (let c = first; c < last; c++) row32[c] = labelRgba(p, row[c]!);
    }
    blendRow(op, row32, t.row8, t.out32, t.out8, r * width, first, last);
  }
}

function drawContour(
  p: LabelPalette,
  sample: Sampler,
  w: number,
  op: BlendOp,
  t: LabelTarget,
  first: number,
  last: number,
) {
  const span = t.width + 2 * w;
  const n = 2 * w + 1;
  // Per sampled row: the labels, and their min/max over columns k-w..k+w (NaN skipped).
  const ring = Array.from({ length: n }, () => ({
    r: Number.NaN,
    v: new Float64Array(span),
    lo: new Float64Array(t.width),
    hi: new Float64Array(t.width),
  }));
  const load = (r: number) => {
    const slot = ring[((r % n) + n) % n]!;
    if (slot.r === r) return slot;
    slot.r = r;
    sample(r, slot.v);
    for (let c = 0; c < t.width; c++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = c; k <= c + 2 * w; k++) {
        const v = slot.v[k]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      slot.lo[c] = lo;
      slot.hi[c] = hi;
    }
    return slot;
  };
  const { row32, width } = t;
  for (let r = t.y0; r < t.y1; r++) {
    const centre = load(r);
    row32.fill(0, first, last);
    for (let c = first; c < last; c++) {
      const v = centre.v[c + w]!;
      if (v !== v || v === 0) continue;
      let edge = centre.lo[c]! !== v || centre.hi[c]! !== v;
      for (let d = -w; !edge && d <= w; d++) {
        if (d === 0) continue;
        const s = load(r + d);
        edge = (s.lo[c]! !== Infinity && s.lo[c]! !== v) || (s.hi[c]! !== -Infinity && s.hi[c]! !== v);
      }
      if (!edge) continue;
      row32[c] = p.lut ? p.lut.table[v + p.lut.offset]! : labelRgba(p, v);
    }
    blendRow(op, row32, t.row8, t.out32, t.out8, r * width, first, last);
  }
}
