/**
 * The status bar's texts, as napari's (layers/base get_status, utils/status_messages): the cursor's
 * world coordinates over the layer's axes with the dims' axis labels (whole numbers when the layer
 * has no scale or translate, else napari's precision), the value under the cursor (integers as
 * integers, floats with 4 significant digits) and the pyramid level it was read at. Pure.
 */
import type { PickStatus } from "../../protocol/stream.js";

/** Shown instead of everything else when the viewer has no layer (issue 9's first five minutes). */
export const EMPTY_HINT = "add a layer with viewer.add_image(...)";
/** Coordinates in 3D: the cursor has no single world point there (a ray); napari shows none either. */
export const NO_COORDS_3D = "—";
/** While the value's chunk is loading. */
export const LOADING_VALUE = "…";

/** `value` as Python's `%.{digits}g` (napari formats floats with `g`), e.g. 0.1, 1234, 1.235e+05. */
export function formatG(value: number, digits = 4): string {
  if (value === 0) return "0";
  const [mantissa, exp] = value.toExponential(digits - 1).split("e") as [string, string];
  const e = Number(exp);
  const strip = (s: string): string => (s.includes(".") ? s.replace(/\.?0+$/, "") : s);
  if (e < -4 || e >= digits) {
    const sign = e < 0 ? "-" : "+";
    return `${strip(mantissa)}e${sign}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return strip(value.toFixed(Math.max(0, digits - 1 - e)));
}

/** True for the float dtypes (their values get significant digits; the others are integers). */
export function isFloatDtype(dtype: string): boolean {
  return dtype.startsWith("float");
}

/** A data value for the status bar: numpy's names for non-finite floats, "" for none. */
export function formatValue(value: number | string | null, dtype: string): string {
  if (value === null) return "";
  if (typeof value === "string") return value === "NaN" ? "nan" : value === "Infinity" ? "inf" : "-inf";
  if (!isFloatDtype(dtype) && Number.isInteger(value)) return String(value);
  return formatG(value);
}

/**
 * A label value: the exact integer, whatever the dtype (int64 labels too wide for int32 travel as
 * float64, and %.4g would turn label 123456 into 1.235e+05); "" for none.
 */
export function formatLabel(value: number | string | null): string {
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value).toString();
  return formatValue(value, "float64");
}

/** What the value slot shows for a pick's status (`labels`: a labels layer's value). */
export function valueText(status: PickStatus, value: number | string | null, dtype: string, labels = false): string {
  if (status === "ok") return labels ? formatLabel(value) : formatValue(value, dtype);
  return status === "loading" ? LOADING_VALUE : "";
}

/**
 * Decimals for world coordinates (napari): enough for one distinct coordinate per data pixel plus
 * two; null means whole numbers (no scale, no translate: napari's legacy integer status).
 */
export function coordDecimals(scale: readonly number[], translate: readonly number[]): number | null {
  if (scale.every((s) => s === 1) && translate.every((t) => t === 0)) return null;
  const need = Math.max(...scale.map((s) => Math.ceil(-Math.log10(Math.abs(s)))), -2);
  return Math.max(need + 2, 0);
}

/**
 * "z 12, y 340, x 101": the last `ndim` coordinates of `position` (the layer's axes, as napari)
 * with the viewer's axis labels (the axis index where a label is missing or empty).
 */
export function formatCoords(
  position: readonly number[],
  labels: readonly string[],
  ndim: number,
  decimals: number | null,
): string {
  const first = Math.max(0, position.length - ndim);
  const parts: string[] = [];
  for (let i = first; i < position.length; i++) {
    const label = labels[i] === undefined || labels[i] === "" ? String(i) : labels[i]!;
    const v = position[i]!;
    // Math.round(-0.4) is -0: print it as 0.
    const text = decimals === null ? String(Math.round(v) + 0) : v.toFixed(decimals);
    parts.push(`${label} ${text}`);
  }
  return parts.join(", ");
}

/**
 * "level 1/3" for a pyramid: the level drawn / the coarsest level's index (counted as the dims
 * sliders and the debug overlay count, 0..n-1); "" for single-scale data.
 */
export function levelText(level: number, count: number): string {
  return count > 1 ? `level ${level}/${count - 1}` : "";
}
