/**
 * Layer modes (napari's names) and what the annotation fields of a layer trait say. The kernel keeps
 * `mode`, `brush_size`, `data_version` and a points layer's `selected` in the layer state; the daemon
 * ignores them. Pure.
 */
import type { LayerTrait } from "../state/traits.js";

export type Mode = "pan_zoom" | "add" | "select" | "paint" | "erase" | "fill";

/** napari's button order (QtPointsControls, QtLabelsControls), of the modes napari-cuda has. */
export const POINTS_MODES: readonly Mode[] = ["add", "select", "pan_zoom"];
export const LABELS_MODES: readonly Mode[] = ["erase", "paint", "fill", "pan_zoom"];

/** Button text and tooltip per mode (napari's tooltips, with its keys). */
export const MODE_TEXT: Record<Mode, { text: string; title: string }> = {
  add: { text: "add", title: "Add points (2)" },
  select: { text: "select", title: "Select points: click, shift-click adds; drag moves; Delete removes (3)" },
  pan_zoom: { text: "pan/zoom", title: "Pan/zoom mode (4 for points, 6 for labels)" },
  erase: { text: "erase", title: "Activate the label eraser (1)" },
  paint: { text: "paint", title: "Activate the paint brush (2); Ctrl+Z undoes a stroke" },
  fill: { text: "fill", title: "Activate the fill bucket (4)" },
};

/** The selected points the kernel lists for views to highlight (at most 1000). */
export interface SelectedPoints {
  count: number;
  coords: number[][];
  sizes: number[];
}

/** A layer trait with the annotation fields the kernel adds. */
export interface AnnotatedLayer extends LayerTrait {
  mode?: unknown;
  brush_size?: unknown;
  data_version?: unknown;
  selected?: unknown;
}

/** The modes a layer has, or an empty list for a layer that cannot be edited (images). */
export function modesOf(layer: { kind?: unknown } | null | undefined): readonly Mode[] {
  if (layer?.kind === "points") return POINTS_MODES;
  if (layer?.kind === "labels") return LABELS_MODES;
  return [];
}

/** The layer's mode; pan_zoom for anything else (an image, a newer kernel's mode). */
export function layerMode(layer: AnnotatedLayer | null | undefined): Mode {
  const mode = layer?.mode;
  return modesOf(layer).includes(mode as Mode) ? (mode as Mode) : "pan_zoom";
}

/** The brush diameter in data pixels (napari's default 10). */
export function brushSize(layer: AnnotatedLayer): number {
  const b = layer.brush_size;
  return typeof b === "number" && Number.isFinite(b) && b >= 1 ? b : 10;
}

export function dataVersion(layer: AnnotatedLayer | undefined): number {
  const v = layer?.data_version;
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

export function selectedPoints(layer: AnnotatedLayer): SelectedPoints {
  const s = layer.selected as Partial<SelectedPoints> | undefined;
  const coords = Array.isArray(s?.coords) ? s.coords.filter((c) => Array.isArray(c)) : [];
  const sizes = Array.isArray(s?.sizes) ? s.sizes : [];
  return { count: typeof s?.count === "number" ? s.count : coords.length, coords, sizes };
}

/** Whether drags move the camera: a 3D view, or a layer in pan_zoom mode (or none selected). */
export function dragsPanFor(layer: AnnotatedLayer | null | undefined, ndisplay: number): boolean {
  return ndisplay !== 2 || layerMode(layer) === "pan_zoom";
}
