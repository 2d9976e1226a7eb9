/**
 * Whether a drag on a view's canvas moves the camera. A layer in an editing mode (napari's paint,
 * add, select, ...) takes the drags for itself; the wheel still zooms. The annotation part sets the
 * rule for its canvas; without one, drags always move the camera.
 */

const gates = new WeakMap<HTMLElement, () => boolean>();

/** Let `pans()` decide for `el`'s drags; returns the remover. */
export function setPanGate(el: HTMLElement, pans: () => boolean): () => void {
  gates.set(el, pans);
  return () => {
    if (gates.get(el) === pans) gates.delete(el);
  };
}

/** True when a drag on `el` should move the camera (and a double-click reset it). */
export function dragsPan(el: HTMLElement): boolean {
  const gate = gates.get(el);
  return gate === undefined || gate();
}
