/** What the viewer buttons and their shortcuts do, shared by the toolbar and the keys part. */
import { resetCamera } from "../interaction/interaction.js";
import type { ViewContext } from "../parts/part.js";

/**
 * Reset the view: fit the layers here at once with the widget's own rule (so it works while the
 * kernel is busy), and ask the kernel for napari's reset_view, which lands on the same camera.
 */
export function resetView(ctx: ViewContext): void {
  const canvas = ctx.canvas();
  const cam = canvas === null ? null : resetCamera(ctx.camera(), canvas, ctx.layers(), ctx.dims().ndisplay);
  if (cam !== null) ctx.setCamera(cam);
  ctx.sendToKernel({ type: "reset_view" });
}

/** Switch between 2D and 3D (the kernel refits the camera, as napari does). */
export function toggleNdisplay(ctx: ViewContext): void {
  const dims = ctx.dims();
  ctx.setDims({ ...dims, ndisplay: dims.ndisplay === 3 ? 2 : 3 });
}

/** Show or hide the selected layer (napari's V); false when there is none. */
export function toggleSelectedLayer(ctx: ViewContext): boolean {
  const id = ctx.selectedLayer();
  const layer = ctx.layers().find((l) => l.id === id);
  if (layer === undefined) return false;
  ctx.setLayer(layer.id, { visible: !layer.visible });
  return true;
}
