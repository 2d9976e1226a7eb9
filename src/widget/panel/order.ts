/**
 * Layer order and selection for the layer list, pure. The `layers` trait is bottom first (draw
 * order); napari's list shows the top layer first, so the list works on reversed ids.
 */

/** Ids top first (as the list shows them) from layers bottom first. */
export function topFirst(layers: readonly { id: string }[]): string[] {
  return layers.map((l) => l.id).reverse();
}

/** Ids bottom first (draw order, what ctx.moveLayers takes) from ids top first. */
export function bottomFirst(topIds: readonly string[]): string[] {
  return [...topIds].reverse();
}

/**
 * Move `id` into the gap `gap` of the top-first list (0 = above the first row, n = below the
 * last; gaps are counted in the list before the move). Returns the new top-first ids, or null
 * when `id` is unknown or the order would not change.
 */
export function moveToGap(topIds: readonly string[], id: string, gap: number): string[] | null {
  const from = topIds.indexOf(id);
  if (from < 0) return null;
  const g = Math.max(0, Math.min(topIds.length, Math.round(gap)));
  // Gaps just above or below the dragged row leave it where it is.
  if (g === from || g === from + 1) return null;
  const rest = topIds.filter((x) => x !== id);
  rest.splice(g > from ? g - 1 : g, 0, id);
  return rest;
}

/**
 * Move `id` by `delta` rows in the top-first list (-1 = up one row = drawn above one more
 * layer). Returns the new top-first ids, or null at either end or for an unknown id.
 */
export function moveBy(topIds: readonly string[], id: string, delta: number): string[] | null {
  const from = topIds.indexOf(id);
  if (from < 0 || delta === 0) return null;
  const to = from + delta;
  if (to < 0 || to >= topIds.length) return null;
  return moveToGap(topIds, id, delta < 0 ? to : to + 1);
}

/**
 * The gap a pointer at `y` falls into, given the rows' vertical extents (top-first, in the same
 * coordinates): above a row's middle is the gap before it.
 */
export function gapAt(rows: readonly { top: number; height: number }[], y: number): number {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (y < r.top + r.height / 2) return i;
  }
  return rows.length;
}

/**
 * Which layer is selected after the layers changed: napari selects a newly added layer; a
 * selection that still exists stays; otherwise the top layer (null when there is none).
 * `known` are the ids seen before this change (empty at start: nothing counts as new then).
 */
export function nextSelection(
  selected: string | null,
  known: ReadonlySet<string>,
  topIds: readonly string[],
): string | null {
  if (known.size > 0) {
    const added = topIds.find((id) => !known.has(id));
    if (added !== undefined) return added;
  }
  if (selected !== null && topIds.includes(selected)) return selected;
  return topIds[0] ?? null;
}
