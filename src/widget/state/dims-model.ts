/**
 * Dims sliders, pure logic: which axes get a slider, their labels and ranges, and the dims trait
 * after a slider move. The DOM lives in dims-bar.ts, the wiring in dims-control.ts.
 */
import type { DimsTrait } from "./traits.js";

/** One slider: a sliced (non-displayed) axis with more than one step. */
export interface SliderSpec {
  /** Axis index in the dims (outermost first). */
  axis: number;
  label: string;
  /** Number of steps along the axis; the slider runs 0 .. size-1. */
  size: number;
  value: number;
}

/** Number of axes: the longest of nsteps/current_step, at least ndisplay. */
export function dimsNdim(dims: DimsTrait): number {
  return Math.max(dims.nsteps?.length ?? 0, dims.current_step.length, dims.ndisplay);
}

/** Clamp a slider value to an integer in [0, size-1] (NaN goes to 0). */
export function clampStep(value: number, size: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.max(0, Math.min(Math.max(0, Math.floor(size) - 1), Math.round(value)));
}

/**
 * One slider per sliced axis, outermost first. As in napari, an axis of size 1 gets none (there is
 * nothing to move through); the list is empty when every axis is displayed.
 */
export function sliderAxes(dims: DimsTrait): SliderSpec[] {
  const ndim = dimsNdim(dims);
  const out: SliderSpec[] = [];
  for (let axis = 0; axis < ndim - dims.ndisplay; axis++) {
    const raw = dims.nsteps?.[axis];
    const size = typeof raw === "number" && Number.isFinite(raw) ? Math.floor(raw) : 1;
    if (size <= 1) continue;
    const label = dims.axis_labels[axis];
    out.push({
      axis,
      label: label === undefined || label === "" ? String(axis) : label,
      size,
      value: clampStep(dims.current_step[axis] ?? 0, size),
    });
  }
  return out;
}

/**
 * Dims with `axis` moved to `value` (clamped to the axis's range); null when that changes nothing
 * or the axis is not a sliced one.
 */
export function withStep(dims: DimsTrait, axis: number, value: number): DimsTrait | null {
  const ndim = dimsNdim(dims);
  if (!Number.isInteger(axis) || axis < 0 || axis >= ndim - dims.ndisplay) return null;
  const size = dims.nsteps?.[axis] ?? 1;
  const step = clampStep(value, size);
  const current = Array.from({ length: ndim }, (_, i) => dims.current_step[i] ?? 0);
  if (current[axis] === step) return null;
  current[axis] = step;
  return { ...dims, current_step: current };
}

/** Same current_step (what a dims write changes). */
export function sameSteps(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
