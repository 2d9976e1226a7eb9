/**
 * The overlays view part: scale bar, axes and layer bounding boxes drawn in the browser over the
 * video (napari draws them in its canvas; here the daemon's frame stays pure data). Redrawn from
 * the local state, so they follow a drag at once, at most once per animation frame.
 */
import { cssSize } from "../../protocol/camera.js";
import type { ViewContext, ViewPart } from "../parts/part.js";
import { overlayScene, readOverlays } from "./overlays.js";
import { OverlaySvg } from "./svg.js";

/** Build the overlays into ctx.slots.overlay. */
export function overlaysPart(ctx: ViewContext): ViewPart {
  const svg = new OverlaySvg(ctx.doc);
  ctx.slots.overlay.append(svg.el);
  const win = ctx.doc.defaultView;
  let pending: number | null = null;
  let disposed = false;

  const draw = () => {
    pending = null;
    if (disposed) return;
    const canvas = ctx.canvas();
    if (canvas === null) return;
    const { width, height } = cssSize(canvas);
    const groups = overlayScene({
      overlays: readOverlays(ctx.trait("overlays")),
      camera: ctx.camera(),
      dims: ctx.dims(),
      layers: ctx.layers(),
      canvas,
    });
    svg.draw(groups, width, height);
  };
  const schedule = () => {
    if (pending !== null || disposed) return;
    pending = win !== null ? win.requestAnimationFrame(draw) : null;
    if (win === null) draw();
  };
  const offs = [
    ctx.on("state", schedule),
    ctx.on("canvas", schedule),
    ctx.on("trait", (name) => {
      if (name === "overlays") schedule();
    }),
  ];
  draw();

  return {
    dispose() {
      disposed = true;
      for (const off of offs) {
        try {
          off();
        } catch {
          // dispose never throws; the emitter is cleared with the view anyway.
        }
      }
      if (pending !== null) win?.cancelAnimationFrame(pending);
      svg.el.remove();
    },
  };
}
