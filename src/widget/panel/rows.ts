/**
 * Which control rows the selected layer shows, in the panel's order. Labels layers have napari's
 * QtLabelsControls rows (mode buttons, label with its colour, opacity, brush size, blending,
 * contour, show selected; and for labels read from a Zarr store, whether edits are saved) and none of the image's colormap rows; points layers napari's
 * QtPointsControls rows that napari-cuda has (mode buttons, opacity, point size, blending, symbol,
 * face colour, border colour, out of slice);
 * images keep theirs (3D rendering rows only in 3D). Pure.
 */
import type { LayerTrait } from "../state/traits.js";
import { isLabels } from "../util/label-swatch.js";

/** Every row, in the order the controls grid holds them. */
export const ROWS = [
  "mode",
  "label",
  "opacity",
  "brush size",
  "point size",
  "blending",
  "symbol",
  "face color",
  "border color",
  "out of slice",
  "contour",
  "show selected",
  "store",
  "contrast limits",
  "auto-contrast",
  "gamma",
  "colormap",
  "interpolation",
  "rendering",
  "iso threshold",
  "attenuation",
] as const;
export type RowName = (typeof ROWS)[number];

const LABEL_ROWS = new Set<RowName>([
  "mode",
  "label",
  "opacity",
  "brush size",
  "blending",
  "contour",
  "show selected",
  "store",
]);
const POINT_ROWS = new Set<RowName>([
  "mode",
  "opacity",
  "point size",
  "blending",
  "symbol",
  "face color",
  "border color",
  "out of slice",
]);
const IMAGE_2D = new Set<RowName>([
  "opacity",
  "blending",
  "contrast limits",
  "auto-contrast",
  "gamma",
  "colormap",
  "interpolation",
]);

/** The rows shown for `layer` with `ndisplay` displayed axes, in grid order. */
export function visibleRows(layer: Pick<LayerTrait, "kind" | "rendering" | "store">, ndisplay: number): RowName[] {
  // Labels in 3D draw the first label along each ray (napari's iso_categorical): nothing to choose.
  // The store row only for labels read from a Zarr store (whether their edits are saved).
  if (isLabels(layer)) {
    const stored = typeof layer.store === "string";
    return ROWS.filter((r) => LABEL_ROWS.has(r) && (r !== "mode" || ndisplay === 2) && (r !== "store" || stored));
  }
  if (layer.kind === "points") return ROWS.filter((r) => POINT_ROWS.has(r) && (r !== "mode" || ndisplay === 2));
  const d3 = ndisplay === 3;
  return ROWS.filter(
    (r) =>
      IMAGE_2D.has(r) ||
      (d3 && r === "rendering") ||
      (d3 && r === "iso threshold" && layer.rendering === "iso") ||
      (d3 && r === "attenuation" && layer.rendering === "attenuated_mip"),
  );
}

/**
 * An integer typed into a number field, clamped to [min, max]; null while it is not one yet
 * ("", "-", "1.5", "1e3": the field keeps its text and nothing is written).
 */
export function parseInteger(text: string, min: number, max: number): number | null {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) return null;
  const v = Number(t);
  if (!Number.isSafeInteger(v)) return null;
  return Math.min(max, Math.max(min, v)) + 0; // + 0: "-0" is 0
}

/** The layer list's type tag (napari shows the layer type beside each name); an unknown kind is an image. */
export function layerKind(layer: { kind?: unknown }): "image" | "labels" | "points" {
  return isLabels(layer) ? "labels" : layer.kind === "points" ? "points" : "image";
}
