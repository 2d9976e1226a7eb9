/**
 * Generation ids of layer data for the GPU texture cache (native/src/gl_renderer.cc). A cached plane texture
 * is reused only for the very data object it was uploaded from: a raw pointer is not enough, because a freed
 * region buffer's memory can come back at the same address holding other pixels (another region or level of
 * the same shape). Every array gets a monotonically increasing id the first time it is drawn (ids are never
 * reused, the map holds arrays weakly); code that rewrites an array in place calls markChanged() so the next
 * frame uploads it again.
 */

const ids = new WeakMap<ArrayBufferView, number>();
let next = 1;

/** The generation of `data`: the same number for the same unchanged array, a new one for any other. */
export function generationOf(data: ArrayBufferView): number {
  let id = ids.get(data);
  if (id === undefined) {
    id = next++;
    ids.set(data, id);
  }
  return id;
}

/** Give `data` a new generation after its contents changed in place (its cached textures are stale). */
export function markChanged(data: ArrayBufferView): void {
  ids.set(data, next++);
}
