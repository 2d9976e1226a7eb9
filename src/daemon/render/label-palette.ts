/**
 * Labels layers: label value -> RGBA, napari's rule (src/protocol/label-colors.ts documents it):
 * 0 is transparent; value v takes row (v - 1) mod (N - 1) + 1 of label_colormap(num_colors, seed);
 * with show_selected_label only selected_label keeps its colour. 8- and 16-bit data get a table of
 * every value (napari's dtype edges included, labelLookupTable); wider data (and float64, which holds
 * lazy int64 labels exactly) the pure rule per pixel. The GPU renderer uses the same tables.
 */
import {
  labelColorTable,
  labelLookupTable,
  type DType,
  type LayerState,
  type SmallLabelDtype,
} from "../../protocol/index.js";
import type { ValueLut } from "./value-lut.js";

export type LabelFields = Pick<LayerState, "num_colors" | "seed" | "selected_label" | "show_selected_label">;

/** How one labels layer colours its values. */
export interface LabelPalette {
  /** Packed RGBA rows of the colour table (row 0 unused); alpha 255. */
  readonly rows: Uint32Array;
  /** Packed RGBA for value + offset of 8/16-bit data (0 = transparent); null for wider dtypes. */
  readonly lut: ValueLut | null;
  readonly selected: number;
  readonly showSelected: boolean;
  /** Equal keys, equal colours (the GPU's table cache uses it). */
  readonly key: string;
}

const SMALL: Partial<Record<DType, number>> = { uint8: 0, int8: 128, uint16: 0, int16: 32768 };
const MAX_CACHED = 8;
const tables = new Map<string, Uint8Array>();
const palettes = new Map<string, LabelPalette>();

function remember<T>(cache: Map<string, T>, key: string, make: () => T): T {
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const value = make();
  cache.set(key, value);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return value;
}

/** label_colormap(num_colors, seed) as RGBA bytes (cached; do not modify). */
export function labelTable(numColors: number, seed: number): Uint8Array {
  return remember(tables, `${numColors}|${seed}`, () => labelColorTable(numColors, seed));
}

/** The palette of a labels layer with data of `dtype` (cached per colours, dtype and selection). */
export function labelPalette(layer: LabelFields, dtype: DType): LabelPalette {
  const showSelected = layer.show_selected_label;
  // The selection changes no colour unless it is shown: leave it out of the key then.
  const selected = showSelected ? layer.selected_label : 0;
  const key = `${dtype}|${layer.num_colors}|${layer.seed}|${showSelected ? selected : "-"}`;
  return remember(palettes, key, () => {
    const table = labelTable(layer.num_colors, layer.seed);
    const rows = new Uint32Array(table.slice().buffer);
    const offset = SMALL[dtype];
    let lut: ValueLut | null = null;
    if (offset !== undefined) {
      const options = { selectedLabel: selected, showSelectedLabel: showSelected };
      const raw = new Uint32Array(labelLookupTable(dtype as SmallLabelDtype, table, options).buffer);
      // labelLookupTable indexes by the value's unsigned bits; ValueLut by value + offset.
      const byValue = new Uint32Array(raw.length);
      for (let k = 0; k < raw.length; k++) byValue[k] = raw[(k - offset + raw.length) % raw.length]!;
      lut = { table: byValue, offset };
    }
    return { rows, lut, selected, showSelected, key };
  });
}

/** Packed RGBA of label `v` by the pure rule (0 = transparent); `v` an integer-valued number. */
export function labelRgba(p: LabelPalette, v: number): number {
  if (v === 0 || v !== v || (p.showSelected && v !== p.selected)) return 0;
  const n = p.rows.length - 1;
  const r = v % n;
  return p.rows[((((r - 1) % n) + n) % n) + 1]!;
}

/**
 * 3D: the colour of the first shown label along a ray (samples front to back), napari's
 * `iso_categorical` without its lighting; 0 when the ray meets none.
 */
export function firstLabel(x: Float64Array, count: number, p: LabelPalette): number {
  const lut = p.lut;
  for (let n = 0; n < count; n++) {
    const v = x[n]!;
    const c = lut ? (v === v ? lut.table[v + lut.offset]! : 0) : labelRgba(p, v);
    if (c !== 0) return c;
  }
  return 0;
}
