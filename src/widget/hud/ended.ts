/**
 * What a view shows once its kernel is gone (`.napari-cuda-ended`): the last picture, dimmed, with
 * what happened and what to do over it. Replaces the live view, whose stream can no longer work.
 */
import { endedText, type EndReason } from "./status.js";

/** Build the ended view into `root` around the old `canvas` (kept as it was drawn), or a black box of `height` px. */
export function showEnded(
  root: HTMLElement,
  canvas: HTMLCanvasElement | null,
  height: number,
  reason: EndReason,
): HTMLDivElement {
  const doc = root.ownerDocument;
  const box = doc.createElement("div");
  box.className = "napari-cuda-ended";
  Object.assign(box.style, { position: "relative", width: "100%", lineHeight: "normal" });
  let picture: HTMLElement;
  if (canvas !== null) {
    picture = canvas;
    // object-fit: the canvas may be wider now than the frame it holds (the toolbar and panel are gone).
    Object.assign(canvas.style, { filter: "brightness(0.35) saturate(0.4)", cursor: "default", objectFit: "contain" });
  } else {
    picture = doc.createElement("div");
    Object.assign(picture.style, { width: "100%", height: `${height}px`, background: "#000" });
  }
  const { what, todo } = endedText(reason);
  const note = doc.createElement("div");
  note.className = "napari-cuda-ended-note";
  note.setAttribute("role", "alert");
  Object.assign(note.style, {
    position: "absolute",
    top: "50%",
    left: "50%",
    transform: "translate(-50%, -50%)",
    maxWidth: "90%",
    padding: "10px 16px",
    borderRadius: "5px",
    background: "rgba(20, 20, 20, 0.85)",
    color: "#f4f4f4",
    font: "14px/1.45 var(--jp-ui-font-family, system-ui, sans-serif)",
    textAlign: "center",
  } satisfies Partial<CSSStyleDeclaration>);
  const strong = doc.createElement("strong");
  strong.textContent = what;
  note.append(strong, doc.createTextNode(` ${todo}`));
  box.append(picture, note);
  root.append(box);
  return box;
}
