/**
 * The view's layout: a row of [side panel | main column]; the main column stacks the toolbar, the
 * viewport (canvas + overlay layer) and what goes below it (dims sliders, status bar). Slots that
 * hold nothing take no space, so a view without parts is the bare canvas it always was.
 */
import type { ViewSlots } from "../parts/part.js";
import type { ViewDom } from "./view-dom.js";

export interface ViewLayout extends ViewSlots {
  /** The row holding side and main. */
  frame: HTMLDivElement;
  /** The canvas column. */
  main: HTMLDivElement;
}

function div(doc: Document, className: string, style: Partial<CSSStyleDeclaration>): HTMLDivElement {
  const el = doc.createElement("div");
  el.className = className;
  Object.assign(el.style, style);
  return el;
}

/** Build the layout around `dom` (its container becomes the viewport) inside `root`. */
export function buildLayout(doc: Document, root: HTMLElement, dom: ViewDom, dimsBar: HTMLElement): ViewLayout {
  const frame = div(doc, "napari-cuda-frame", { display: "flex", alignItems: "stretch", width: "100%" });
  const side = div(doc, "napari-cuda-side", { flex: "0 0 auto", display: "flex", minWidth: "0" });
  const main = div(doc, "napari-cuda-main", {
    flex: "1 1 auto",
    minWidth: "0",
    display: "flex",
    flexDirection: "column",
  });
  const toolbar = div(doc, "napari-cuda-toolbar", {});
  const overlay = div(doc, "napari-cuda-overlay", {
    position: "absolute",
    inset: "0",
    pointerEvents: "none",
    overflow: "hidden",
    lineHeight: "normal",
  });
  const below = div(doc, "napari-cuda-below", {});
  dom.container.append(overlay);
  main.append(toolbar, dom.container, dimsBar, below);
  frame.append(side, main);
  root.append(frame);
  return { root, frame, side, main, toolbar, overlay, below, canvas: dom.canvas };
}
