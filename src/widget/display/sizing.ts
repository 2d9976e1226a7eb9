/** Canvas sizing: CSS box -> device pixels, even-sized for H.264 4:2:0 and within the wire's limits. */
import type { Canvas } from "../../protocol/state.js";

export const MIN_CANVAS_PX = 16;
export const MAX_CANVAS_PX = 8192;

/** Round a device-pixel length to an even number in [MIN_CANVAS_PX, MAX_CANVAS_PX]. */
export function evenDevicePx(cssPx: number, pixelRatio: number): number {
  const raw = Math.round(Math.max(0, cssPx) * pixelRatio);
  const even = raw - (raw % 2);
  return Math.min(MAX_CANVAS_PX, Math.max(MIN_CANVAS_PX, even));
}

/** Sanitise a devicePixelRatio (0, NaN or absurd values fall back to 1; the wire caps at 8). */
export function sanitizePixelRatio(dpr: number): number {
  if (!Number.isFinite(dpr) || dpr <= 0) return 1;
  return Math.min(8, dpr);
}

/** Device canvas for a CSS box of (cssWidth, cssHeight) at `dpr`; null when the box is not laid out yet. */
export function deviceCanvas(cssWidth: number, cssHeight: number, dpr: number): Canvas | null {
  if (!(cssWidth > 0) || !(cssHeight > 0)) return null;
  const pixelRatio = sanitizePixelRatio(dpr);
  return {
    width: evenDevicePx(cssWidth, pixelRatio),
    height: evenDevicePx(cssHeight, pixelRatio),
    pixel_ratio: pixelRatio,
  };
}
