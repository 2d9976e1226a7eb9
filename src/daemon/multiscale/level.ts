/**
 * napari's 2D multiscale level rule, transcribed from napari (github.com/napari/napari at
 * f9747da7e815dda219ab85f21989f990702c5654):
 *   - src/napari/_vispy/canvas.py `on_draw` / `_viewbox_corners_in_world`: the canvas corners (0, 0) and
 *     (width, height) mapped to world; `shape_threshold = _current_viewbox_size[::-1]` (canvas h, w).
 *   - src/napari/layers/base/base.py `Layer._update_draw`: all four corners -> data coordinates through
 *     the layer's world transform, axis-aligned bbox, `floor(min)` / `ceil(max)` to ints.
 *   - src/napari/layers/_scalar_field/scalar_field.py `_update_level_and_corners`: locked level wins;
 *     2D uses `compute_multiscale_level_and_corners(bbox, shape_threshold, downsample_factors[:, displayed])`;
 *     3D uses the coarsest level.
 *   - src/napari/layers/utils/layer_utils.py `compute_multiscale_level` (transcribed below) and
 *     `compute_multiscale_level_and_corners` (corners = bbox / factors[level], floor/ceil).
 * Two deliberate differences, both documented for users:
 *   - shape_threshold is the canvas in DEVICE pixels (napari uses Qt logical pixels), so a HiDPI screen
 *     gets >= 1 data pixel per physical pixel and a sharp image.
 *   - downsample factors are each level's own `factors` (OME-NGFF scale ratios); napari derives them from
 *     level shapes (shape0 / shapeL), which differs only by rounding (1001 -> 501 gives 1.998, not 2).
 *     `napariDownsampleFactors` gives napari's version when that is wanted.
 */
import type { Camera, Canvas, LayerState } from "../../protocol/index.js";

/** One pyramid level: level-0 data = level-L data * factors + offset, per layer axis (outermost first). */
export interface LevelGeometry {
  readonly shape: readonly number[];
  readonly factors: readonly number[];
  readonly offset?: readonly number[];
}

/** The layer's level-0 world transform: world = data0 * scale + translate (missing entries: 1 / 0). */
export type LayerTransform = Pick<LayerState, "scale" | "translate">;

/** Integer level-0 data bbox of the view over the displayed axes: napari's `data_bbox_int`, rows min / max. */
export interface DataBox {
  min: number[];
  max: number[];
}

/**
 * napari's `compute_multiscale_level`: the coarsest level whose scaled field of view still exceeds the
 * threshold on every "active" axis (one that exceeds the threshold at level 0 and is downsampled by some
 * level); 0 when no axis is active. Inputs are over the displayed axes; factors are one row per level.
 */
export function computeMultiscaleLevel(
  requestedShape: readonly number[],
  shapeThreshold: readonly number[],
  downsampleFactors: readonly (readonly number[])[],
): number {
  const active = requestedShape.map((r, a) => r > shapeThreshold[a]! && downsampleFactors.some((f) => f[a]! > 1));
  if (!active.includes(true)) return 0;
  let level = 0;
  downsampleFactors.forEach((f, l) => {
    if (active.every((on, a) => !on || requestedShape[a]! / f[a]! > shapeThreshold[a]!)) level = l;
  });
  return level;
}

/**
 * Data pixels of each level per screen pixel, over the same active axes as `computeMultiscaleLevel`
 * (the smallest axis counts). `computeMultiscaleLevel` is the coarsest level with a ratio > 1; the
 * hysteresis policy compares the current level's ratio with its thresholds. When no axis is active the
 * downsampled axes count (all axes when none is downsampled): every ratio is then <= 1.
 */
export function levelRatios(
  requestedShape: readonly number[],
  shapeThreshold: readonly number[],
  downsampleFactors: readonly (readonly number[])[],
): number[] {
  const downsampled = requestedShape.map((_, a) => downsampleFactors.some((f) => f[a]! > 1));
  let axes = requestedShape.map((r, a) => downsampled[a]! && r > shapeThreshold[a]!);
  if (!axes.includes(true)) axes = downsampled.includes(true) ? downsampled : downsampled.map(() => true);
  return downsampleFactors.map((f) => {
    let ratio = Infinity;
    axes.forEach((on, a) => {
      if (on) ratio = Math.min(ratio, requestedShape[a]! / f[a]! / shapeThreshold[a]!);
    });
    return ratio;
  });
}

/** napari's downsample factors: level-0 shape / level-L shape, per axis. */
export function napariDownsampleFactors(shapes: readonly (readonly number[])[]): number[][] {
  const s0 = shapes[0] ?? [];
  return shapes.map((s) => s.map((n, a) => s0[a]! / n));
}

/**
 * The view's level-0 data bbox over the last two layer axes of an `ndim`-axis layer (napari `_update_draw`): canvas edges in
 * world (device size / (zoom * pixel_ratio) across, centred on camera.center), then
 * data = (world - translate) / scale, floor(min) / ceil(max).
 */
export function viewDataBox(camera: Camera, canvas: Canvas, layer: LayerTransform, ndim: number): DataBox {
  const step = 1 / (camera.zoom * canvas.pixel_ratio);
  const size = [canvas.height, canvas.width];
  const min: number[] = [];
  const max: number[] = [];
  for (let k = 0; k < 2; k++) {
    const axis = ndim - 2 + k;
    const centre = camera.center[camera.center.length - 2 + k]!;
    const half = (size[k]! / 2) * step;
    const scale = layer.scale[axis] ?? 1;
    const translate = layer.translate[axis] ?? 0;
    const a = (centre - half - translate) / scale;
    const b = (centre + half - translate) / scale;
    min.push(Math.floor(Math.min(a, b)));
    max.push(Math.ceil(Math.max(a, b)));
  }
  return { min, max };
}

/** Displayed-axis columns (the last `nd` layer axes) of each level's factors. */
export function displayedFactors(levels: readonly LevelGeometry[], nd: number): number[][] {
  return levels.map((l) => l.factors.slice(l.factors.length - nd));
}

/**
 * The view's region at `level` over the two displayed axes, as napari's corners
 * (`floor((bbox - offset) / factors)`, `ceil(...)`, clipped to [0, shape - 1]) and as a half-open index
 * range [start, stop) for chunk reads. Empty (start == stop) when the view misses the data.
 */
export function levelRegion(
  box: DataBox,
  level: LevelGeometry,
): { corners: [number[], number[]]; start: number[]; stop: number[] } {
  const nd = level.shape.length;
  const lo: number[] = [];
  const hi: number[] = [];
  const start: number[] = [];
  const stop: number[] = [];
  for (let k = 0; k < 2; k++) {
    const axis = nd - 2 + k;
    const f = level.factors[axis] ?? 1;
    const off = level.offset?.[axis] ?? 0;
    const size = level.shape[axis]!;
    const a = Math.floor((box.min[box.min.length - 2 + k]! - off) / f);
    const b = Math.ceil((box.max[box.max.length - 2 + k]! - off) / f);
    lo.push(Math.min(Math.max(a, 0), size - 1));
    hi.push(Math.min(Math.max(b, 0), size - 1));
    start.push(Math.min(Math.max(a, 0), size));
    stop.push(Math.min(Math.max(b + 1, 0), size));
  }
  return { corners: [lo, hi], start, stop };
}
