/**
 * 3D orbit camera math shared by the widget (drag to rotate) and the daemon (ray casting).
 *
 * Conventions: 3D world points and vectors are (z, y, x), napari's order. `angles` are napari's
 * Camera.angles in degrees with napari 0.6-0.8's default orientation (depth "towards", vertical
 * "down", horizontal "right"; default angles [0, 0, 90]):
 *   R    = scipy Rotation.from_euler("yzx", angles, degrees=True).as_matrix()
 *          = Rx(angles[2]) @ Rz(angles[1]) @ Ry(angles[0])            (vispy's xyz frame)
 *   P(v) = (-v.z, v.y, v.x)                                            (vispy xyz -> napari zyx, z flipped, #7488)
 *   view  = P(R[:, 1]) = (-sin a2 cos a1, cos a2 cos a1, -sin a1)    napari Camera.view_direction
 *   up    = P(R[:, 2]) = (-R[2][2], R[1][2], R[0][2])                  napari Camera.up_direction
 *   right = P(R[:, 0]) = view x up                                     (screen +x; P has det +1)
 * So the default camera looks along -z (the z axis points at the viewer) with y down and x right on
 * screen: an axis-aligned 3D view shows the same picture as 2D. Projection is orthographic (napari's
 * default perspective 0): the ray through a device pixel starts on the plane through `center`
 * perpendicular to `view`, offset like devicePixelToWorld in camera.ts, and runs along `view`.
 * Trigonometry is exact at multiples of 90 degrees so axis-aligned views carry no 1e-17 residue.
 */
import { cssSize } from "./camera.js";
import type { Camera, Canvas } from "./state.js";

export type Vec3 = [number, number, number];
export type Angles = [number, number, number];

/** Unit vectors of the camera in world (z, y, x): into the screen, screen up, screen right. */
export interface CameraFrame {
  view: Vec3;
  up: Vec3;
  right: Vec3;
}

/** napari's default 3D angles. */
export const DEFAULT_ANGLES: Angles = [0, 0, 90];

/** sin/cos of `deg` degrees, exact (0, +-1) at multiples of 90. */
function sinCosDeg(deg: number): [number, number] {
  const q = deg / 90;
  if (Number.isInteger(q)) {
    const k = ((q % 4) + 4) % 4;
    return (
      [
        [0, 1],
        [1, 0],
        [0, -1],
        [-1, 0],
      ] as const
    )[k]!.slice() as [number, number];
  }
  const r = (deg * Math.PI) / 180;
  return [Math.sin(r), Math.cos(r)];
}

/** Row-major 3x3 matrix R = Rx(a2) Rz(a1) Ry(a0) (scipy from_euler("yzx", angles)). */
export function rotationMatrix(angles: readonly number[]): number[][] {
  const [sa, ca] = sinCosDeg(angles[0] ?? 0);
  const [sb, cb] = sinCosDeg(angles[1] ?? 0);
  const [sc, cc] = sinCosDeg(angles[2] ?? 0);
  return [
    [cb * ca, -sb, cb * sa],
    [cc * sb * ca + sc * sa, cc * cb, cc * sb * sa - sc * ca],
    [sc * sb * ca - cc * sa, sc * cb, sc * sb * sa + cc * ca],
  ];
}

/** vispy xyz column `j` of R mapped to napari (z, y, x) with z flipped. */
function column(m: number[][], j: number): Vec3 {
  return [-m[2]![j]!, m[1]![j]!, m[0]![j]!];
}

/** The camera's unit vectors for `angles` (see the module comment). */
export function cameraFrame(angles: readonly number[]): CameraFrame {
  const m = rotationMatrix(angles);
  return { view: column(m, 1), up: column(m, 2), right: column(m, 0) };
}

/** napari Camera.view_direction: unit vector into the screen, world (z, y, x). */
export function viewDirection(angles: readonly number[]): Vec3 {
  return cameraFrame(angles).view;
}

/** napari Camera.up_direction: unit vector pointing up on the canvas, world (z, y, x). */
export function upDirection(angles: readonly number[]): Vec3 {
  return cameraFrame(angles).up;
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function normalize(a: Vec3): Vec3 {
  const n = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / n, a[1] / n, a[2] / n];
}

/**
 * Angles whose camera looks along `view` with `up` (projected orthogonal to view) up on screen;
 * the inverse of cameraFrame (napari Camera.set_view_direction). Euler angles are not unique:
 * the result reproduces the frame, not necessarily the angles that made it.
 */
export function anglesFromFrame(view: Vec3, up: Vec3): Angles {
  const v = normalize(view);
  const u = normalize([up[0] - dot(up, v) * v[0], up[1] - dot(up, v) * v[1], up[2] - dot(up, v) * v[2]]);
  const r = cross(v, u);
  // Back to vispy xyz columns (inverse of P): xyz = (w.x, w.y, -w.z) for a world vector w = (z, y, x).
  const col = (w: Vec3): Vec3 => [w[2], w[1], -w[0]];
  const c0 = col(r);
  const c1 = col(v);
  const c2 = col(u);
  // R[i][j] = c_j[i]; R = Rx(c) Rz(b) Ry(a): R01 = -sin b, R02/R00 = tan a, R21/R11 = tan c.
  const r01 = c1[0];
  const deg = (x: number): number => (x * 180) / Math.PI;
  const b = Math.asin(Math.max(-1, Math.min(1, -r01)));
  if (Math.abs(r01) > 1 - 1e-12) {
    // Gimbal lock (cos b = 0): only a - c or a + c is defined; napari's convention puts it all on a with c = 0.
    return [deg(Math.atan2(-c0[2], c2[2])), deg(b), 0];
  }
  return [deg(Math.atan2(c2[0], c0[0])), deg(b), deg(Math.atan2(c1[2], c1[1]))];
}

/** Rotate `p` about unit `axis` by `rad` (Rodrigues). */
function rotate(p: Vec3, axis: Vec3, rad: number): Vec3 {
  const c = Math.cos(rad);
  const s = Math.sin(rad);
  const k = cross(axis, p);
  const d = dot(axis, p) * (1 - c);
  return [p[0] * c + k[0] * s + axis[0] * d, p[1] * c + k[1] * s + axis[1] * d, p[2] * c + k[2] * s + axis[2] * d];
}

/**
 * Angles after a mouse drag of (dx, dy) CSS px: the volume follows the pointer like napari's
 * arcball near the canvas centre (dragging right turns the near side right, dragging down turns
 * it down), `degreesPerPixel` per pixel about the screen's up and right axes.
 */
export function orbit(angles: readonly number[], dxCss: number, dyCss: number, degreesPerPixel = 0.25): Angles {
  let { view, up, right } = cameraFrame(angles);
  const yaw = (-dxCss * degreesPerPixel * Math.PI) / 180;
  view = rotate(view, up, yaw);
  right = rotate(right, up, yaw);
  const pitch = (-dyCss * degreesPerPixel * Math.PI) / 180;
  view = rotate(view, right, pitch);
  up = rotate(up, right, pitch);
  return anglesFromFrame(view, up);
}

/**
 * Orthographic rays through device pixel centres: pixel (col, row) starts at
 * origin + col*stepRight + row*stepDown (world, on the plane through camera.center
 * perpendicular to `direction`) and runs along `direction` (= view, unit length).
 * At the default angles this is exactly devicePixelToWorld on (y, x).
 */
export interface DeviceRays {
  origin: Vec3;
  stepRight: Vec3;
  stepDown: Vec3;
  direction: Vec3;
  /** World units per device pixel. */
  step: number;
}

/** The rays of `camera` on `canvas`; a 2-element center is taken as (y, x) at z = 0. */
export function deviceRays(camera: Camera, canvas: Canvas): DeviceRays {
  const { view, up, right } = cameraFrame(camera.angles);
  const step = 1 / (camera.zoom * canvas.pixel_ratio);
  const c = camera.center;
  const center: Vec3 = c.length >= 3 ? [c[c.length - 3]!, c[c.length - 2]!, c[c.length - 1]!] : [0, c[0]!, c[1]!];
  const ox = (0.5 - canvas.width / 2) * step;
  const oy = (0.5 - canvas.height / 2) * step;
  const down: Vec3 = [-up[0], -up[1], -up[2]];
  return {
    origin: [0, 1, 2].map((i) => center[i]! + ox * right[i]! + oy * down[i]!) as Vec3,
    stepRight: right.map((v) => v * step) as Vec3,
    stepDown: down.map((v) => v * step) as Vec3,
    direction: view,
    step,
  };
}

/** Screen point (x, y) in CSS px where world point `p` (z, y, x) projects. */
export function worldToScreen3d(camera: Camera, canvas: Canvas, p: Vec3): [number, number] {
  const { up, right } = cameraFrame(camera.angles);
  const { width, height } = cssSize(canvas);
  const c = camera.center;
  const center: Vec3 = c.length >= 3 ? [c[c.length - 3]!, c[c.length - 2]!, c[c.length - 1]!] : [0, c[0]!, c[1]!];
  const d: Vec3 = [p[0] - center[0], p[1] - center[1], p[2] - center[2]];
  return [width / 2 + dot(d, right) * camera.zoom, height / 2 - dot(d, up) * camera.zoom];
}

/** Move the 3D view by a screen drag of (dx, dy) CSS px: the content follows the pointer (like pan in 2D). */
export function pan3d(camera: Camera, dxCss: number, dyCss: number): Camera {
  const { up, right } = cameraFrame(camera.angles);
  const c = camera.center;
  const center: Vec3 = c.length >= 3 ? [c[c.length - 3]!, c[c.length - 2]!, c[c.length - 1]!] : [0, c[0]!, c[1]!];
  const moved = center.map((v, i) => v - (dxCss * right[i]! - dyCss * up[i]!) / camera.zoom);
  return { ...camera, center: moved };
}

/**
 * reset_view in 3D: centre on the world box [min, max] (z, y, x, pixel edges included), angles back
 * to the default, zoom fitting hypot(y, z) into (1 - margin) of the canvas height and hypot(x, z)
 * into its width: the box as seen plus room for its depth, so orbiting about either screen axis
 * keeps it whole (napari fits y/x only and clips a rotated volume). Same as fit_camera_3d in Python.
 */
export function fitCamera3d(camera: Camera, canvas: Canvas, min: Vec3, max: Vec3, margin = 0.05): Camera {
  const { width, height } = cssSize(canvas);
  const dz = max[0] - min[0];
  const h = Math.max(Math.hypot(max[1] - min[1], dz), 1e-9);
  const w = Math.max(Math.hypot(max[2] - min[2], dz), 1e-9);
  return {
    ...camera,
    center: [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2],
    zoom: Math.min(width / w, height / h) * (1 - margin),
    angles: [...DEFAULT_ANGLES],
  };
}
