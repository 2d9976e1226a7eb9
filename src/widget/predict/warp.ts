/**
 * The prediction's warp: where the content of a frame rendered with one camera belongs under the
 * camera the user has now, as a 2D affine the display applies to the frame while the daemon's
 * answer is in flight.
 *
 * Conventions: every coordinate is CSS px of the view, origin at the view's top-left corner, x
 * right, y down; the frame's overscan margin is NOT part of these coordinates (the caller maps
 * coded frame pixels to view CSS px first). Device pixels play no part: the camera math maps
 * world to CSS px and the daemon samples device pixel centres on that same map, so pixel_ratio
 * cancels out of the warp.
 */
import { screenToWorld, worldToScreen } from "../../protocol/camera.js";
import { cameraFrame, worldToScreen3d, type Vec3 } from "../../protocol/camera3d.js";
import type { Camera, Canvas } from "../../protocol/state.js";
import type { PredictView } from "./camera-log.js";

/**
 * [a, b, c, d, e, f] as in CanvasRenderingContext2D.setTransform:
 * x' = a*x + c*y + e, y' = b*x + d*y + f.
 */
export type Affine = [number, number, number, number, number, number];

export const IDENTITY: Readonly<Affine> = [1, 0, 0, 1, 0, 0];

/** Apply `m` to the point (x, y). */
export function applyAffine(m: Readonly<Affine>, x: number, y: number): [number, number] {
  return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
}

/** The affine that applies `second` after `first` (matrix product second · first). */
export function multiplyAffine(second: Readonly<Affine>, first: Readonly<Affine>): Affine {
  const [a, b, c, d, e, f] = second;
  const [A, B, C, D, E, F] = first;
  return [a * A + c * B, b * A + d * B, a * C + c * D, b * C + d * D, a * E + c * F + e, b * E + d * F + f];
}

/** Inverse of `m`, or null when it is singular (or not finite). */
export function invertAffine(m: Readonly<Affine>): Affine | null {
  const [a, b, c, d, e, f] = m;
  const det = a * d - b * c;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return null;
  return [d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det];
}

/** Whether `m` is the identity within `eps` (linear part absolute, translation in px). */
export function isIdentity(m: Readonly<Affine>, eps = 1e-6): boolean {
  return m.every((v, i) => Math.abs(v - IDENTITY[i]!) <= eps);
}

/**
 * The affine mapping a point of the view as the frame shows it (rendered with `from`) to where
 * that content belongs now (camera `to`), both in CSS px of a cssWidth x cssHeight view.
 * Null when it cannot predict: ndisplay differs, or the result is not finite.
 *
 * 2D: exact (a similarity), through camera.ts's screenToWorld/worldToScreen, the map the daemon
 * renders with, so a predicted pan/zoom agrees with the daemon's next frame.
 *
 * 3D (orthographic orbit camera): screen points of the `from` view are lifted to the plane
 * through the `from` camera's centre perpendicular to its view direction, then projected with
 * `to`. Exact for zoom, pan and rotation about the view axis (the projection of every depth moves
 * alike); for other rotations (yaw/pitch) it is the projection of that plane, an approximation
 * whose error grows with a point's depth off the plane and with the angle turned.
 */
export function warpAffine(from: PredictView, to: PredictView, cssWidth: number, cssHeight: number): Affine | null {
  if (from.ndisplay !== to.ndisplay) return null;
  const canvas: Canvas = { width: cssWidth, height: cssHeight, pixel_ratio: 1 };
  const m = from.ndisplay === 2 ? warp2d(from.camera, to.camera, canvas) : warp3d(from.camera, to.camera, canvas);
  return m.every(Number.isFinite) ? m : null;
}

/** 2D: x' = k*x + e with k = zoom ratio; both axes alike (napari's 2D camera has no rotation). */
function warp2d(from: Camera, to: Camera, canvas: Canvas): Affine {
  const map = (x: number, y: number) => worldToScreen(to, canvas, screenToWorld(from, canvas, [x, y]));
  // The composition is linear in (x, y) with slope to.zoom / from.zoom exactly; the origin's image
  // gives the translation through the very functions the daemon's mapping is defined by.
  const k = to.zoom / from.zoom;
  const [e, f] = map(0, 0);
  return [k, 0, 0, k, e, f];
}

/** A 2- or 3-element centre as (z, y, x); 2 elements are (y, x) at z = 0, like camera3d.ts. */
function center3(camera: Camera): Vec3 {
  const c = camera.center;
  return c.length >= 3 ? [c[c.length - 3]!, c[c.length - 2]!, c[c.length - 1]!] : [0, c[0]!, c[1]!];
}

/** 3D: three correspondences (centre, +100 px right, +100 px down) on the `from` centre plane. */
function warp3d(from: Camera, to: Camera, canvas: Canvas): Affine {
  const { up, right } = cameraFrame(from.angles);
  const c = center3(from);
  const cx = canvas.width / 2;
  const cy = canvas.height / 2;
  // Inverse of worldToScreen3d restricted to the plane through the centre: screen +y is -up.
  const lift = (x: number, y: number): Vec3 => {
    const u = (x - cx) / from.zoom;
    const v = (y - cy) / from.zoom;
    return [0, 1, 2].map((i) => c[i]! + u * right[i]! - v * up[i]!) as Vec3;
  };
  // 100 px baselines keep the differences well above rounding at large world coordinates.
  const h = 100;
  const p0 = worldToScreen3d(to, canvas, lift(cx, cy));
  const px = worldToScreen3d(to, canvas, lift(cx + h, cy));
  const py = worldToScreen3d(to, canvas, lift(cx, cy + h));
  const a = (px[0] - p0[0]) / h;
  const b = (px[1] - p0[1]) / h;
  const cc = (py[0] - p0[0]) / h;
  const d = (py[1] - p0[1]) / h;
  return [a, b, cc, d, p0[0] - a * cx - cc * cy, p0[1] - b * cx - d * cy];
}
