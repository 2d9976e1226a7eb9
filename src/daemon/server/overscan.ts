/**
 * Overscan: the view asks for margins beyond its canvas (device px of the full-resolution canvas per
 * side, hello/state `overscan`), so a pan it predicts shows real pixels at the edges. The daemon renders
 * the canvas enlarged by those margins (same camera centre, zoom and pixel_ratio: the view sits in the
 * centre, pixel for pixel), within a pixel budget, and reports the coded margins in the frame header.
 */
import type { Canvas, Overscan } from "../../protocol/index.js";
import { scaledCanvas, type FrameScale } from "../scene/interactive.js";

export const OVERSCAN_MAX_AREA_ENV = "NAPARI_CUDA_OVERSCAN_MAX_AREA";
/** Pixel budget by default: the widget asks within the same budget (src/widget/predict/overscan.ts). */
export const DEFAULT_OVERSCAN_MAX_AREA = 1.6;
/** Largest side of a frame (the protocol's canvas limit, and the encoders'). */
export const MAX_FRAME_SIDE = 8192;

/** NAPARI_CUDA_OVERSCAN_MAX_AREA: a number in [1, 16] (1 turns overscan off); throws an Error naming it. */
export function overscanMaxAreaFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[OVERSCAN_MAX_AREA_ENV]?.trim();
  if (!text) return DEFAULT_OVERSCAN_MAX_AREA;
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= 16)) {
    throw new Error(`${OVERSCAN_MAX_AREA_ENV} must be a number from 1 to 16, got ${JSON.stringify(text)}`);
  }
  return n;
}

/**
 * The margins (device px per side, integers) rendered for a requested overscan on `view`: shrunk
 * keeping their x:y ratio until (w + 2x)(h + 2y) <= maxArea * w * h, and so no side passes MAX_FRAME_SIDE.
 */
export function clampMargins(requested: Overscan | undefined, view: Canvas, maxArea: number): Overscan {
  const w = view.width;
  const h = view.height;
  let x = Math.max(0, Math.min(requested?.[0] ?? 0, Math.floor((MAX_FRAME_SIDE - w) / 2)));
  let y = Math.max(0, Math.min(requested?.[1] ?? 0, Math.floor((MAX_FRAME_SIDE - h) / 2)));
  if ((x === 0 && y === 0) || (w + 2 * x) * (h + 2 * y) <= maxArea * w * h) return [x, y];
  if (maxArea <= 1) return [0, 0];
  // Largest s with (w + 2sx)(h + 2sy) = maxArea w h: a quadratic in s (linear when one margin is 0).
  const a = 4 * x * y;
  const b = 2 * (w * y + h * x);
  const c = w * h * (1 - maxArea);
  const s = a === 0 ? -c / b : (-b + Math.sqrt(b * b - 4 * a * c)) / (2 * a);
  x = Math.floor(x * s);
  y = Math.floor(y * s);
  return [x, y];
}

/** What a frame at `scale` covers: its canvas and its coded margins per side. */
export interface FrameGeometry {
  canvas: Canvas;
  marginX: number;
  marginY: number;
}

/**
 * The frame canvas for `view` (even sizes) with full-resolution `margins` at `scale`: the scaled view
 * (scene/interactive.ts scaledCanvas, what the frame would be without overscan) plus floor(margin /
 * scale) coded pixels on each side, so the centre is exactly the frame without overscan.
 */
export function frameGeometry(view: Canvas, margins: Overscan, scale: FrameScale): FrameGeometry {
  const inner = scaledCanvas(view, scale);
  const marginX = Math.floor(margins[0] / scale);
  const marginY = Math.floor(margins[1] / scale);
  return {
    canvas: { ...inner, width: inner.width + 2 * marginX, height: inner.height + 2 * marginY },
    marginX,
    marginY,
  };
}
