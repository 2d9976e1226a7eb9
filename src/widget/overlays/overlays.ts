/**
 * The overlays' scene from the viewer state, pure: reads the `overlays` trait and the layers'
 * `bounding_box` / `units` entries defensively (the kernel may send partial values) and gives the
 * groups to draw, bottom first: bounding boxes, then the axes, then the scale bar.
 */
import { cssSize } from "../../protocol/camera.js";
import type { Camera, Canvas } from "../../protocol/state.js";
import type { DimsTrait, LayerTrait } from "../state/traits.js";
import { axesGroup } from "./axes.js";
import { boundingBoxGroup, boundingBoxVisible } from "./bounds.js";
import { scaleBarGroup, scaleBarLength } from "./scale-bar.js";
import type { OverlayGroup } from "./scene.js";

/** The `overlays` trait: {"scale_bar": {"visible", "unit"}, "axes": {"visible"}}. */
export interface OverlaysTrait {
  scaleBar: { visible: boolean; unit: string | null };
  axes: { visible: boolean };
}

function entry(value: unknown, key: string): Record<string, unknown> {
  const v = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
}

/** Read the `overlays` trait; anything missing or malformed is off / no unit. */
export function readOverlays(value: unknown): OverlaysTrait {
  const bar = entry(value, "scale_bar");
  const axes = entry(value, "axes");
  const unit = typeof bar.unit === "string" && bar.unit.trim() !== "" ? bar.unit : null;
  return { scaleBar: { visible: bar.visible === true, unit }, axes: { visible: axes.visible === true } };
}

/**
 * The layers' unit for the scale bar: the last displayed axis's unit of the top-most visible layer
 * that has one (units come from the OME metadata or layer.units; "" = none).
 */
export function layersUnit(layers: readonly LayerTrait[]): string | null {
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!;
    if (!layer.visible) continue;
    const units = (layer as unknown as { units?: unknown }).units;
    if (!Array.isArray(units) || units.length === 0) continue;
    const last: unknown = units[units.length - 1];
    if (typeof last === "string" && last.trim() !== "") return last;
  }
  return null;
}

/** What the scene needs from the view. */
export interface OverlayInput {
  overlays: OverlaysTrait;
  camera: Camera;
  dims: DimsTrait;
  layers: readonly LayerTrait[];
  canvas: Canvas;
}

/** Every group to draw now, bottom first (empty when nothing is switched on). */
export function overlayScene(input: OverlayInput): OverlayGroup[] {
  const { overlays, camera, dims, layers, canvas } = input;
  const { width, height } = cssSize(canvas);
  const nd = dims.ndisplay === 3 ? 3 : 2;
  const groups: OverlayGroup[] = [];
  for (const layer of layers) {
    if (!layer.visible || !boundingBoxVisible(layer)) continue;
    const g = boundingBoxGroup(layer, nd, camera, canvas);
    if (g !== null) groups.push(g);
  }
  if (overlays.axes.visible) groups.push(axesGroup(dims, camera.angles, height));
  if (overlays.scaleBar.visible) {
    const unit = overlays.scaleBar.unit ?? layersUnit(layers);
    groups.push(scaleBarGroup(scaleBarLength(camera.zoom, unit), width, height));
  }
  return groups;
}
