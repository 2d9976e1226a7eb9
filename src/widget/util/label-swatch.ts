/**
 * A label's colour for swatches (the layer panel's selected label, the status bar's value under
 * the cursor): napari's label colours through the protocol's labelColor, so a swatch is the colour
 * the daemon draws the label with. Pure, with the colour tables memoised (a 65535-colour table is
 * built once, not on every cursor move).
 */
import { labelColor, labelColorTable, type LabelDtype } from "../../protocol/label-colors.js";
import type { LayerTrait } from "../state/traits.js";

const LABEL_DTYPES = new Set<string>(["uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64"]);
const MAX_TABLES = 8;
const tables = new Map<string, Uint8Array>();

function table(numColors: number, seed: number): Uint8Array {
  const key = `${numColors}/${seed}`;
  let t = tables.get(key);
  if (t === undefined) {
    t = labelColorTable(numColors, seed);
    if (tables.size >= MAX_TABLES) tables.delete(tables.keys().next().value!);
    tables.set(key, t);
  }
  return t;
}

/**
 * CSS colour ("rgb(r, g, b)") of label `value` in `layer`'s colours, or null where there is none to
 * show: the background 0 (transparent), a value that is not an exact integer (float64 data holds
 * int64 labels only up to 2^53), or a layer whose colour fields are not valid. The label's own
 * colour: show_selected_label hides other labels on the canvas but they keep their colour.
 */
export function labelCss(
  layer: Pick<LayerTrait, "num_colors" | "seed" | "dtype">,
  value: number | null | undefined,
): string | null {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) return null;
  try {
    const dtype = LABEL_DTYPES.has(layer.dtype) ? (layer.dtype as LabelDtype) : undefined;
    const [r, g, b, a] = labelColor(value, table(layer.num_colors, layer.seed), { dtype });
    return a === 0 ? null : `rgb(${r}, ${g}, ${b})`;
  } catch {
    return null; // a value outside the dtype, or a malformed num_colors/seed from a newer kernel
  }
}

/** True for a labels layer (layers from kernels before labels have no kind: images). */
export function isLabels(layer: { kind?: unknown } | null | undefined): boolean {
  return layer?.kind === "labels";
}
