/** DOM of one view: a positioned container with the canvas (the HUD is appended by the session). */

export interface ViewDom {
  container: HTMLDivElement;
  canvas: HTMLCanvasElement;
  ctx: CanvasRenderingContext2D;
}

/** Container + canvas; the canvas is opaque black until the first frame. */
export function buildCanvasDom(doc: Document): ViewDom {
  const container = doc.createElement("div");
  container.className = "napari-cuda-view";
  Object.assign(container.style, { position: "relative", width: "100%", lineHeight: "0" });
  const canvas = doc.createElement("canvas");
  canvas.className = "napari-cuda-canvas";
  Object.assign(canvas.style, {
    display: "block",
    maxWidth: "none",
    background: "#000",
    outline: "none",
  });
  canvas.width = 16;
  canvas.height = 16;
  const ctx = canvas.getContext("2d", { alpha: false });
  if (ctx === null) throw new Error("this browser gives no 2D canvas context");
  container.append(canvas);
  return { container, canvas, ctx };
}

/** A plain, readable message box shown instead of the canvas (e.g. WebCodecs missing). */
export function buildMessage(doc: Document, text: string): HTMLDivElement {
  const el = doc.createElement("div");
  el.className = "napari-cuda-message";
  Object.assign(el.style, {
    padding: "12px 14px",
    border: "1px solid #c9a227",
    borderRadius: "4px",
    background: "#fff8e1",
    color: "#4a3b00",
    font: "13px/1.45 system-ui, sans-serif",
  });
  el.textContent = text;
  return el;
}

/** Resize the canvas's pixel buffer; when `keep`, the old picture is scaled into it so a resize never blanks the view. */
export function resizeCanvas(dom: ViewDom, width: number, height: number, keep: boolean): void {
  const { canvas } = dom;
  if (canvas.width === width && canvas.height === height) return;
  let copy: HTMLCanvasElement | null = null;
  if (keep) {
    copy = canvas.ownerDocument.createElement("canvas");
    copy.width = canvas.width;
    copy.height = canvas.height;
    copy.getContext("2d")?.drawImage(canvas, 0, 0);
  }
  canvas.width = width;
  canvas.height = height;
  if (copy !== null) dom.ctx.drawImage(copy, 0, 0, width, height);
}
