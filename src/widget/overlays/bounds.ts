/**
 * napari's layer bounding box (layer.bounding_box, napari/_vispy/overlays/bounding_box.py): the
 * layer's displayed data extent in world space, pixel edges included (-0.5 .. shape - 0.5 in data,
 * exactly the box the daemon's renderers clip to), drawn with red edges and blue corner points.
 * 2D projects with camera.ts's worldToScreen, 3D with camera3d.ts's worldToScreen3d: the same
 * maps the daemon renders with, so the box lines up with the picture. A 2D layer in a 3D view is a
 * flat rectangle at z = 0, as napari pads its bounds.
 */
import { worldToScreen } from "../../protocol/camera.js";
import { worldToScreen3d } from "../../protocol/camera3d.js";
import type { Camera, Canvas } from "../../protocol/state.js";
import type { LayerTrait } from "../state/traits.js";
import type { OverlayGroup, OverlayItem, Pt } from "./scene.js";

/** A world box over the displayed axes: (y, x) in 2D, (z, y, x) in 3D. */
export interface WorldBox {
  min: number[];
  max: number[];
}

/** Whether the layer's `bounding_box` trait entry says visible (absent or malformed: no). */
export function boundingBoxVisible(layer: LayerTrait): boolean {
  const bb = (layer as unknown as { bounding_box?: unknown }).bounding_box;
  return typeof bb === "object" && bb !== null && (bb as { visible?: unknown }).visible === true;
}

/** The layer's displayed extent in world units; null when it has no usable shape. */
export function layerWorldBox(layer: LayerTrait, ndisplay: 2 | 3): WorldBox | null {
  const shape = Array.isArray(layer.shape) ? layer.shape : [];
  const nd = shape.length;
  if (nd < 2 || !shape.every((n) => Number.isFinite(n) && n > 0)) return null;
  const min: number[] = [];
  const max: number[] = [];
  if (ndisplay === 3 && nd === 2) {
    min.push(0);
    max.push(0);
  }
  for (let i = Math.max(0, nd - ndisplay); i < nd; i++) {
    const s = layer.scale?.[i] ?? 1;
    const t = layer.translate?.[i] ?? 0;
    min.push(t - 0.5 * s);
    max.push(t + (shape[i]! - 0.5) * s);
  }
  return { min, max };
}

/** The box's distinct corners (a flat axis gives one value) and its edges as index pairs. */
export function boxCorners(box: WorldBox): { corners: number[][]; edges: Array<[number, number]> } {
  let corners: number[][] = [[]];
  for (let a = 0; a < box.min.length; a++) {
    const values = box.min[a] === box.max[a] ? [box.min[a]!] : [box.min[a]!, box.max[a]!];
    corners = corners.flatMap((c) => values.map((v) => [...c, v]));
  }
  const edges: Array<[number, number]> = [];
  for (let i = 0; i < corners.length; i++) {
    for (let j = i + 1; j < corners.length; j++) {
      const differ = corners[i]!.filter((v, a) => v !== corners[j]![a]).length;
      if (differ === 1) edges.push([i, j]);
    }
  }
  return { corners, edges };
}

/** Screen point (CSS px) of a world corner: (y, x) with the 2D camera, (z, y, x) with the 3D one. */
export function projectCorner(camera: Camera, canvas: Canvas, corner: readonly number[]): Pt {
  if (corner.length === 3) return worldToScreen3d(camera, canvas, [corner[0]!, corner[1]!, corner[2]!]);
  return worldToScreen(camera, canvas, [corner[0]!, corner[1]!]);
}

const LINE_COLOR = "#ff0000";
const LINE_WIDTH = 1;
const POINT_COLOR = "#0000ff";
const POINT_SIZE = 5;

/** One layer's bounding box items; null when the layer has no box. */
export function boundingBoxGroup(
  layer: LayerTrait,
  ndisplay: 2 | 3,
  camera: Camera,
  canvas: Canvas,
): OverlayGroup | null {
  const box = layerWorldBox(layer, ndisplay);
  if (box === null) return null;
  const { corners, edges } = boxCorners(box);
  const screen = corners.map((c) => projectCorner(camera, canvas, c));
  const items: OverlayItem[] = edges.map(([i, j]) => ({
    kind: "line",
    points: [screen[i]!, screen[j]!],
    closed: false,
    color: LINE_COLOR,
    width: LINE_WIDTH,
  }));
  for (const at of screen) items.push({ kind: "dot", at, r: POINT_SIZE / 2, color: POINT_COLOR });
  return { name: "napari-cuda-bounding-box", data: { "layer-id": layer.id }, items };
}
