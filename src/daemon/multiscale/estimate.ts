/**
 * Per-frame level estimate for one layer in one view: napari's recommendation and how many data pixels
 * each level puts under a screen pixel. Stateless; the hysteresis lives in policy.ts, and a screenshot
 * uses `stillLevel` (napari's rule with no hysteresis).
 */
import type { Camera, Canvas } from "../../protocol/index.js";
import {
  computeMultiscaleLevel,
  displayedFactors,
  levelRatios,
  viewDataBox,
  type DataBox,
  type LayerTransform,
  type LevelGeometry,
} from "./level.js";

export interface LevelInput {
  camera: Camera;
  /** Device pixels + pixel_ratio (the encoded frame's size). */
  canvas: Canvas;
  ndisplay: 2 | 3;
  layer: LayerTransform;
  /** Finest first; a single-scale layer has one level (factors all 1). */
  levels: readonly LevelGeometry[];
}

export interface LevelOptions {
  /** NAPARI_CUDA_MS_AUTO_3D: choose 3D levels from the zoom instead of always the coarsest. */
  auto3d: boolean;
}

/** "2d": napari's rule; "3d": zoom heuristic (opt-in); "3d-coarsest": napari's 3D choice. */
export type EstimateMode = "2d" | "3d" | "3d-coarsest";

export interface LevelEstimate {
  mode: EstimateMode;
  /** The level napari would draw now (no hysteresis). */
  recommended: number;
  /** Per level: data pixels per device pixel on the tightest displayed axis (> 1: oversampled). */
  ratios: number[];
  /** 2D: the integer level-0 data bbox of the view (for `levelRegion`); null in 3D. */
  box: DataBox | null;
}

/**
 * 3D: world units per device pixel at the camera centre's plane (napari's orthographic default:
 * 1 / (zoom * pixel_ratio); with a perspective camera this is the seed's 2*d*tan(fov/2)/screen_h at
 * the centre) against each level's in-plane voxel spacing (factors * scale on the last two axes).
 */
function ratios3d(input: LevelInput): number[] {
  const worldPerPx = 1 / (input.camera.zoom * input.canvas.pixel_ratio);
  const nd = input.levels[0]?.shape.length ?? 2;
  const factors = displayedFactors(input.levels, 2);
  const spacing0 = [input.layer.scale[nd - 2] ?? 1, input.layer.scale[nd - 1] ?? 1];
  const downsampled = [0, 1].map((a) => factors.some((f) => f[a]! > 1));
  const axes = downsampled.includes(true) ? downsampled : [true, true];
  return factors.map((f) => {
    let ratio = Infinity;
    axes.forEach((on, a) => {
      if (on) ratio = Math.min(ratio, worldPerPx / (f[a]! * spacing0[a]!));
    });
    return ratio;
  });
}

/** napari's recommendation and the per-level sampling ratios for this view. */
export function estimateLevel(input: LevelInput, opts: LevelOptions): LevelEstimate {
  const n = input.levels.length;
  if (n <= 1) return { mode: input.ndisplay === 2 ? "2d" : "3d-coarsest", recommended: 0, ratios: [1], box: null };
  if (input.ndisplay === 3) {
    const ratios = ratios3d(input);
    if (!opts.auto3d) return { mode: "3d-coarsest", recommended: n - 1, ratios, box: null };
    // Same rule as napari's 2D one: the coarsest level that still has more than one voxel per pixel.
    let recommended = 0;
    ratios.forEach((r, l) => {
      if (r > 1) recommended = l;
    });
    return { mode: "3d", recommended, ratios, box: null };
  }
  const ndim = input.levels[0]!.shape.length;
  const box = viewDataBox(input.camera, input.canvas, input.layer, ndim);
  const requested = box.max.map((m, a) => m - box.min[a]!);
  const threshold = [input.canvas.height, input.canvas.width];
  const factors = displayedFactors(input.levels, 2);
  return {
    mode: "2d",
    recommended: computeMultiscaleLevel(requested, threshold, factors),
    ratios: levelRatios(requested, threshold, factors),
    box,
  };
}

/** Clamp a locked level to the pyramid (napari rejects out-of-range locks; a stale one must not crash). */
export function clampLevel(level: number, count: number): number {
  return Math.min(Math.max(Math.trunc(level), 0), Math.max(count - 1, 0));
}

/**
 * The level a still image (screenshot) uses: the locked level if any, else napari's rule with no
 * hysteresis (3D: the coarsest level unless `auto3d`).
 */
export function stillLevel(input: LevelInput, locked: number | null | undefined, opts: LevelOptions): number {
  if (locked !== null && locked !== undefined) return clampLevel(locked, input.levels.length);
  return estimateLevel(input, opts).recommended;
}
