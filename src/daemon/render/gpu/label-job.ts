/**
 * The label fields of a native layer job (2D and 3D): the CPU's own palette (label-palette.ts) is uploaded,
 * so the shader only repeats its per-pixel rule. 8/16-bit data take the folded per-value table (0 =
 * transparent); wider dtypes and float64 take the colour rows and napari's modulo rule
 * (native/src/label_glsl.cc), with the selection as uniforms.
 */
import type { DType, LayerState } from "../../../protocol/index.js";
import { labelPalette } from "../label-palette.js";

/** Native label modes (native/src/job.h LayerJob::labels). */
export const LABELS_FOLDED = 1;
export const LABELS_RULE = 2;

export interface LabelJobFields {
  labels: number;
  lut: Uint32Array;
  lutKey: string;
  lutOffset: number;
  selectedLabel: number;
  showSelected: boolean;
}

/** How the shader colours the values of labels layer `layer` with data of `dtype`. */
export function labelJobFields(layer: LayerState, dtype: DType): LabelJobFields {
  const p = labelPalette(layer, dtype);
  // The palette key names dtype, colours and the shown selection: equal keys, equal tables.
  const lutKey = `l|${p.key}`;
  const common = { lutKey, selectedLabel: p.selected, showSelected: p.showSelected };
  if (p.lut) return { labels: LABELS_FOLDED, lut: p.lut.table, lutOffset: p.lut.offset, ...common };
  return { labels: LABELS_RULE, lut: p.rows, lutOffset: 0, ...common };
}
