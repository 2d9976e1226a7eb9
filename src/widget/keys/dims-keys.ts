/**
 * Dims stepping from the keyboard, pure, as napari's Dims does it: Left/Right step the current
 * axis (napari's `last_used`: the slider moved last, else the first slider) by one, clamped;
 * Alt+Up/Down make the next/previous slider current.
 */
import { sliderAxes, withStep } from "../state/dims-model.js";
import type { DimsTrait } from "../state/traits.js";

/** The axes that have a slider, outermost first. */
function sliders(dims: DimsTrait): number[] {
  return sliderAxes(dims).map((s) => s.axis);
}

/** The axis the arrows step: `current` when it has a slider, else the first slider; null when none. */
export function currentAxis(dims: DimsTrait, current: number | null): number | null {
  const axes = sliders(dims);
  if (axes.length === 0) return null;
  return current !== null && axes.includes(current) ? current : axes[0]!;
}

/** Dims after a step of `delta` on the current axis, or null when nothing changes. */
export function stepDims(dims: DimsTrait, current: number | null, delta: number): DimsTrait | null {
  const axis = currentAxis(dims, current);
  if (axis === null) return null;
  return withStep(dims, axis, (dims.current_step[axis] ?? 0) + delta);
}

/** The next (`dir` 1) or previous (-1) slider's axis after `current`, wrapping; null when none. */
export function focusAxis(dims: DimsTrait, current: number | null, dir: 1 | -1): number | null {
  const axes = sliders(dims);
  if (axes.length === 0) return null;
  const at = axes.indexOf(currentAxis(dims, current)!);
  return axes[(at + dir + axes.length) % axes.length]!;
}

/** The sliced axis whose step differs between two dims (a slider moved), or null. */
export function movedAxis(before: DimsTrait, after: DimsTrait): number | null {
  if (before.ndisplay !== after.ndisplay) return null;
  for (const axis of sliders(after)) {
    if ((before.current_step[axis] ?? 0) !== (after.current_step[axis] ?? 0)) return axis;
  }
  return null;
}
