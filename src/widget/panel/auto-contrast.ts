/**
 * napari's auto-contrast "once": contrast limits = the min and max of the layer's data currently
 * shown (the slice and pyramid level on screen, only the part in view in 2D). Only the daemon holds
 * that data, so this asks the open stream for it (`viewRange`, a `range` request on the stream);
 * without a stream the button is disabled and says why.
 */
import type { ViewContext } from "../parts/part.js";
import type { Pair } from "./range.js";

/** Why the button is disabled when it is. */
export const UNAVAILABLE_TEXT = "auto-contrast needs the range of the data on screen from the daemon: not connected";

/** Whether auto-contrast can run now (a stream to the daemon exists). */
export function autoContrastAvailable(ctx: ViewContext): boolean {
  return ctx.stream() !== null;
}

/** Read [min, max] from `[min, max]` or `{min, max}`; null when not two finite numbers. */
export function readRange(value: unknown): Pair | null {
  let lo: unknown;
  let hi: unknown;
  if (Array.isArray(value) && value.length === 2) [lo, hi] = value;
  else if (typeof value === "object" && value !== null)
    ({ min: lo, max: hi } = value as { min?: unknown; max?: unknown });
  if (typeof lo !== "number" || typeof hi !== "number" || !Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  if (hi < lo) return null;
  // Flat data: napari widens to a unit span so that low < high still holds.
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

/**
 * Contrast limits from the data currently shown for `layerId`, or null when unavailable or the
 * stream could not answer. Never rejects.
 */
export async function autoContrast(ctx: ViewContext, layerId: string): Promise<Pair | null> {
  const stream = ctx.stream();
  if (stream === null) return null;
  try {
    return readRange(await stream.viewRange(layerId));
  } catch (err) {
    console.warn(`napari-cuda: auto-contrast of layer ${layerId} failed`, err);
    return null;
  }
}
