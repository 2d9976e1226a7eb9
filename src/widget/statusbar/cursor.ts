/**
 * The cursor in world coordinates (napari's `viewer.cursor.position`): one coordinate per viewer
 * axis; the displayed (y, x) under the pointer through the 2D camera mapping interaction uses, the
 * sliced axes at their slice placed in the world by the layer's transform (the daemon slices a
 * layer at data index current_step, so this is where that slice sits). Pure.
 */
import { screenToWorld, type Vec2 } from "../../protocol/camera.js";
import type { Camera, Canvas } from "../../protocol/state.js";
import { dimsNdim } from "../state/dims-model.js";
import type { DimsTrait, LayerTrait } from "../state/traits.js";

/**
 * The layer the status bar describes: the selected one when it is visible (napari describes the
 * active layer), else the top visible one (the last drawn), if any.
 */
export function describedLayer(layers: readonly LayerTrait[], selected: string | null): LayerTrait | undefined {
  const chosen = layers.find((l) => l.id === selected);
  if (chosen?.visible) return chosen;
  for (let i = layers.length - 1; i >= 0; i--) if (layers[i]!.visible) return layers[i];
  return undefined;
}

/**
 * World point under `screen` (CSS px from the canvas's top-left corner), one coordinate per viewer
 * axis; null in 3D (a screen point is a ray there) or before the canvas is measured.
 */
export function cursorWorld(
  camera: Camera,
  canvas: Canvas | null,
  dims: DimsTrait,
  layer: Pick<LayerTrait, "scale" | "translate" | "shape"> | undefined,
  screen: Vec2,
): number[] | null {
  if (dims.ndisplay !== 2 || canvas === null) return null;
  const ndim = dimsNdim(dims);
  // Layer axis of viewer axis i: axes are right-aligned (a 3D layer in a 4D viewer starts at axis 1).
  const shift = ndim - (layer?.shape.length ?? ndim);
  const out: number[] = [];
  for (let i = 0; i < ndim - 2; i++) {
    const step = dims.current_step[i] ?? 0;
    const a = i - shift;
    out.push(a < 0 ? step : step * (layer?.scale[a] ?? 1) + (layer?.translate[a] ?? 0));
  }
  out.push(...screenToWorld(camera, canvas, screen));
  return out;
}
