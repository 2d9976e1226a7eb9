/**
 * 3D interaction math (pure), for dims.ndisplay == 3: drag rotates the orbit camera, shift+drag or
 * a right/middle drag pans in the view plane, the wheel zooms about the centre (as napari does in
 * 3D). The camera conventions live in src/protocol/camera3d.ts.
 */
import { cameraFrame, orbit, type Vec3 } from "../../protocol/camera3d.js";
import type { Camera } from "../../protocol/state.js";

export type DragMode = "pan" | "orbit";

/** Zoom limits, as in 2D (camera.ts zoomAbout). */
const ZOOM_LIMITS: [number, number] = [1e-4, 1e5];

/**
 * What a pointer-down starts: in 2D only a primary-button drag, which pans (unchanged behaviour);
 * in 3D the primary button orbits, and shift+primary, middle or right pans. null: not a drag.
 */
export function dragMode(ndisplay: number, button: number, shiftKey: boolean): DragMode | null {
  if (ndisplay !== 3) return button === 0 ? "pan" : null;
  if (button === 0) return shiftKey ? "pan" : "orbit";
  return button === 1 || button === 2 ? "pan" : null;
}

/** The camera's (z, y, x) centre; a 2-element centre is (y, x) at z = 0 (as the renderer takes it). */
export function center3d(camera: Camera): Vec3 {
  const c = camera.center;
  return c.length >= 3 ? [c[c.length - 3]!, c[c.length - 2]!, c[c.length - 1]!] : [0, c[0]!, c[1]!];
}

/** Camera after an orbit drag of (dx, dy) CSS px: only the angles change. */
export function orbitDrag(camera: Camera, dx: number, dy: number): Camera {
  return { ...camera, angles: orbit(camera.angles, dx, dy) };
}

/** Camera after a pan drag of (dx, dy) CSS px in the view plane: the content follows the pointer. */
export function panDrag3d(camera: Camera, dx: number, dy: number): Camera {
  const { up, right } = cameraFrame(camera.angles);
  const c = center3d(camera);
  // Screen +x is `right` and screen +y is -`up`; the centre moves against the pointer.
  const k = 1 / camera.zoom;
  const center = [0, 1, 2].map((i) => c[i]! - dx * k * right[i]! + dy * k * up[i]!);
  return { ...camera, center };
}

/** Camera after a wheel zoom by `factor` in 3D: the centre stays (napari zooms about it in 3D). */
export function wheelZoom3d(camera: Camera, factor: number): Camera {
  const zoom = Math.min(ZOOM_LIMITS[1], Math.max(ZOOM_LIMITS[0], camera.zoom * factor));
  return { ...camera, zoom };
}
