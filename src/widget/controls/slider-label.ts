/** Dims slider texts, counted as napari counts them: the step's index and the highest index. */

/** "12 / 63": step 12 of an axis whose steps are 0..63 (napari's slider shows index / nsteps - 1). */
export function sliderLabel(value: number, size: number): string {
  return `${value} / ${Math.max(0, size - 1)}`;
}

/** What a screen reader says for a slider: "z 12 of 0 to 63". */
export function sliderValueText(label: string, value: number, size: number): string {
  return `${label} ${value} of 0 to ${Math.max(0, size - 1)}`;
}
