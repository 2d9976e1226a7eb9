/**
 * Interaction math (pure): wheel zoom factors, drag tracking, and the reset-view box.
 * DOM event binding lives in input.ts; 3D-only math in interaction3d.ts.
 */
import { fitCamera, pan, zoomAbout, type Vec2 } from "../../protocol/camera.js";
import { fitCamera3d } from "../../protocol/camera3d.js";
import type { Camera, Canvas } from "../../protocol/state.js";
import { orbitDrag, panDrag3d, type DragMode } from "./interaction3d.js";

/** Zoom exponent per CSS pixel of wheel travel: one 100 px notch zooms by 2 ** 0.3 (about 1.23x, like vispy). */
export const ZOOM_PER_PX = 0.003;
/** Pinch gestures arrive as ctrl+wheel with small deltas: amplify them. */
export const PINCH_GAIN = 4;
/** Largest wheel travel honoured per event (CSS px), so one fling cannot zoom by orders of magnitude. */
export const MAX_WHEEL_PX = 600;
/** Line height assumed for DOM_DELTA_LINE wheel events (CSS px). */
export const LINE_PX = 16;
export const RESET_MARGIN = 0.05;

/** Wheel delta in CSS px: deltaMode 0 = pixels, 1 = lines, 2 = pages (of `pageHeight` CSS px). */
export function wheelDeltaPx(deltaY: number, deltaMode: number, pageHeight: number): number {
  if (!Number.isFinite(deltaY)) return 0;
  const px = deltaMode === 1 ? deltaY * LINE_PX : deltaMode === 2 ? deltaY * pageHeight : deltaY;
  return Math.max(-MAX_WHEEL_PX, Math.min(MAX_WHEEL_PX, px));
}

/** Zoom factor for one wheel event: 2 ** (-deltaPx * k); scrolling up (negative deltaY) zooms in. */
export function wheelZoomFactor(deltaY: number, deltaMode: number, pageHeight: number, pinch = false): number {
  return 2 ** (-wheelDeltaPx(deltaY, deltaMode, pageHeight) * ZOOM_PER_PX * (pinch ? PINCH_GAIN : 1));
}

/** Camera after a wheel event at `screen` (CSS px from the canvas's top-left). */
export function wheelZoom(camera: Camera, canvas: Canvas, screen: Vec2, factor: number): Camera {
  return zoomAbout(camera, canvas, factor, screen);
}

/**
 * Tracks one pointer drag; move() gives the camera after the pointer moved: a pan (content follows
 * the pointer, in the view plane in 3D) or an orbit (3D rotation).
 */
export class DragState {
  private pointerId: number | null = null;
  private last: Vec2 = [0, 0];
  private moved = false;
  private mode: DragMode = "pan";
  private ndisplay = 2;

  get active(): boolean {
    return this.pointerId !== null;
  }

  /** True once the drag moved the camera. */
  get didMove(): boolean {
    return this.moved;
  }

  /** What the current (or last) drag does. */
  get kind(): DragMode {
    return this.mode;
  }

  start(pointerId: number, screen: Vec2, mode: DragMode = "pan", ndisplay = 2): void {
    this.pointerId = pointerId;
    this.last = screen;
    this.moved = false;
    this.mode = mode;
    this.ndisplay = ndisplay;
  }

  /** New camera for a move of `pointerId` to `screen`, or null if it is not this drag or did not move. */
  move(camera: Camera, pointerId: number, screen: Vec2): Camera | null {
    if (pointerId !== this.pointerId) return null;
    const dx = screen[0] - this.last[0];
    const dy = screen[1] - this.last[1];
    this.last = screen;
    if (dx === 0 && dy === 0) return null;
    this.moved = true;
    if (this.mode === "orbit") return orbitDrag(camera, dx, dy);
    return this.ndisplay === 3 ? panDrag3d(camera, dx, dy) : pan(camera, dx, dy);
  }

  /** End the drag of `pointerId`; true if it was this drag. */
  end(pointerId: number): boolean {
    if (pointerId !== this.pointerId) return false;
    this.pointerId = null;
    return true;
  }
}

/** The parts of a layer trait that place it in the world. */
export interface LayerGeometry {
  shape: readonly number[];
  scale?: readonly number[];
  translate?: readonly number[];
}

/** Per-axis value aligned from the end (scale/translate list the layer's axes outermost first). */
function fromEnd(values: readonly number[] | undefined, axesFromEnd: number, fallback: number): number {
  if (values === undefined) return fallback;
  const v = values[values.length - axesFromEnd];
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

/** World box (y, x) of a layer's last two axes: a data pixel spans index-0.5 .. index+0.5. */
export function layerWorldBox(layer: LayerGeometry): { min: Vec2; max: Vec2 } | null {
  const n = layer.shape.length;
  if (n < 2) return null;
  const h = layer.shape[n - 2]!;
  const w = layer.shape[n - 1]!;
  if (!(h > 0) || !(w > 0)) return null;
  const sy = fromEnd(layer.scale, 2, 1);
  const sx = fromEnd(layer.scale, 1, 1);
  const ty = fromEnd(layer.translate, 2, 0);
  const tx = fromEnd(layer.translate, 1, 0);
  const ys = [ty + sy * -0.5, ty + sy * (h - 0.5)];
  const xs = [tx + sx * -0.5, tx + sx * (w - 0.5)];
  return { min: [Math.min(...ys), Math.min(...xs)], max: [Math.max(...ys), Math.max(...xs)] };
}

/** Union of the layers' world boxes; null when no layer has a 2D extent. */
export function worldExtent(layers: readonly LayerGeometry[]): { min: Vec2; max: Vec2 } | null {
  let box: { min: Vec2; max: Vec2 } | null = null;
  for (const l of layers) {
    const b = layerWorldBox(l);
    if (b === null) continue;
    box =
      box === null
        ? b
        : {
            min: [Math.min(box.min[0], b.min[0]), Math.min(box.min[1], b.min[1])],
            max: [Math.max(box.max[0], b.max[0]), Math.max(box.max[1], b.max[1])],
          };
  }
  return box;
}

/** World extent of the layers along their third-to-last axis (3D depth), pixel edges included; null when none has one. */
export function depthExtent(layers: readonly LayerGeometry[]): Vec2 | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of layers) {
    const n = l.shape.length;
    const d = l.shape[n - 3];
    if (n < 3 || d === undefined || !(d > 0)) continue;
    const s = fromEnd(l.scale, 3, 1);
    const t = fromEnd(l.translate, 3, 0);
    lo = Math.min(lo, t + s * -0.5, t + s * (d - 0.5));
    hi = Math.max(hi, t + s * -0.5, t + s * (d - 0.5));
  }
  return lo <= hi ? [lo, hi] : null;
}

/**
 * Camera that shows every layer (double-click); null when there is nothing to fit. In 3D, napari's
 * reset_view (fitCamera3d): centred on the volume, zoom fitting the box with room for its depth, default angles.
 */
export function resetCamera(
  camera: Camera,
  canvas: Canvas,
  layers: readonly LayerGeometry[],
  ndisplay = 2,
): Camera | null {
  const box = worldExtent(layers);
  if (box === null) return null;
  if (ndisplay !== 3) return fitCamera(camera, canvas, box.min, box.max, RESET_MARGIN);
  const depth = depthExtent(layers) ?? [-0.5, 0.5];
  return fitCamera3d(
    camera,
    canvas,
    [depth[0], box.min[0], box.min[1]],
    [depth[1], box.max[0], box.max[1]],
    RESET_MARGIN,
  );
}
