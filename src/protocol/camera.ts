/**
 * 2D camera math shared by the widget (interaction) and the daemon (render).
 *
 * Conventions (napari): world points are (y, x); a data pixel's centre sits at
 * an integer coordinate, so an image of shape (H, W) spans -0.5 .. H-0.5.
 * `zoom` is CSS pixels per world unit; the canvas is measured in device
 * pixels, so a world unit covers zoom * pixel_ratio device pixels.
 * Screen points are CSS pixels from the canvas's top-left corner.
 */
import type { Camera, Canvas } from "./state.js";

export type Vec2 = [number, number];

/** Canvas size in CSS pixels. */
export function cssSize(canvas: Canvas): { width: number; height: number } {
  return { width: canvas.width / canvas.pixel_ratio, height: canvas.height / canvas.pixel_ratio };
}

/** World (y, x) under a screen point (CSS px). */
export function screenToWorld(camera: Camera, canvas: Canvas, screen: Vec2): Vec2 {
  const { width, height } = cssSize(canvas);
  const [cy, cx] = camera.center.slice(-2) as Vec2;
  return [cy + (screen[1] - height / 2) / camera.zoom, cx + (screen[0] - width / 2) / camera.zoom];
}

/** Screen point (x, y) in CSS px of a world point (y, x). */
export function worldToScreen(camera: Camera, canvas: Canvas, world: Vec2): Vec2 {
  const { width, height } = cssSize(canvas);
  const [cy, cx] = camera.center.slice(-2) as Vec2;
  return [(world[1] - cx) * camera.zoom + width / 2, (world[0] - cy) * camera.zoom + height / 2];
}

/**
 * Affine map from device pixel indices to world: world = origin + index * step,
 * sampled at device pixel centres. Renderers iterate with this.
 */
export function devicePixelToWorld(camera: Camera, canvas: Canvas): { originY: number; originX: number; step: number } {
  const step = 1 / (camera.zoom * canvas.pixel_ratio);
  const [cy, cx] = camera.center.slice(-2) as Vec2;
  return {
    originY: cy + (0.5 - canvas.height / 2) * step,
    originX: cx + (0.5 - canvas.width / 2) * step,
    step,
  };
}

/** Move the view by a screen-space drag of (dx, dy) CSS px (content follows the pointer). */
export function pan(camera: Camera, dx: number, dy: number): Camera {
  const c = camera.center.slice();
  const n = c.length;
  c[n - 2] = c[n - 2]! - dy / camera.zoom;
  c[n - 1] = c[n - 1]! - dx / camera.zoom;
  return { ...camera, center: c };
}

/** Zoom by `factor` keeping the world point under `screen` (CSS px) fixed. */
export function zoomAbout(
  camera: Camera,
  canvas: Canvas,
  factor: number,
  screen: Vec2,
  limits: Vec2 = [1e-4, 1e5],
): Camera {
  const zoom = Math.min(limits[1], Math.max(limits[0], camera.zoom * factor));
  const [wy, wx] = screenToWorld(camera, canvas, screen);
  const { width, height } = cssSize(canvas);
  const c = camera.center.slice();
  const n = c.length;
  c[n - 2] = wy - (screen[1] - height / 2) / zoom;
  c[n - 1] = wx - (screen[0] - width / 2) / zoom;
  return { ...camera, center: c, zoom };
}

/** Camera that fits the world box [min, max] (y, x), pixel edges included, with a fractional margin. */
export function fitCamera(camera: Camera, canvas: Canvas, min: Vec2, max: Vec2, margin = 0.05): Camera {
  const { width, height } = cssSize(canvas);
  const h = Math.max(max[0] - min[0], 1e-9);
  const w = Math.max(max[1] - min[1], 1e-9);
  const zoom = Math.min(width / w, height / h) * (1 - margin);
  const c = camera.center.slice();
  const n = c.length;
  c[n - 2] = (min[0] + max[0]) / 2;
  c[n - 1] = (min[1] + max[1]) / 2;
  return { ...camera, center: c, zoom };
}
