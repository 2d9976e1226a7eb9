/**
 * Notices over the canvas: the empty viewer's hint ("Add a layer with viewer.add_image(...)",
 * centred, `.napari-cuda-empty-hint`) and a dimmed picture while the stream is down (the frame
 * shown is stale until the next one arrives).
 */
import type { ViewContext, ViewPart } from "../parts/part.js";
import type { ViewStatus } from "./status.js";

export const EMPTY_HINT = "Add a layer with viewer.add_image(...)";

/** Statuses in which the picture on the canvas no longer follows the viewer's state. */
export function isStale(status: ViewStatus): boolean {
  return status === "reconnecting" || status === "failed" || status === "connecting";
}

/** Brightness of a stale picture (CSS filter). */
const STALE_FILTER = "brightness(0.45) saturate(0.5)";

class Notices implements ViewPart {
  private readonly hint: HTMLDivElement;
  private readonly off: Array<() => void> = [];
  private dimmed = false;

  constructor(private readonly ctx: ViewContext) {
    this.hint = ctx.doc.createElement("div");
    this.hint.className = "napari-cuda-empty-hint";
    this.hint.textContent = EMPTY_HINT;
    Object.assign(this.hint.style, {
      position: "absolute",
      // Centred with auto margins, not left 50% + translate: that leaves the box only half the
      // canvas to wrap in, so on a small canvas the hint ran off the right edge.
      top: "50%",
      left: "0",
      right: "0",
      margin: "0 auto",
      width: "fit-content",
      transform: "translateY(-50%)",
      maxWidth: "90%",
      boxSizing: "border-box",
      padding: "8px 14px",
      borderRadius: "4px",
      background: "rgba(255, 255, 255, 0.08)",
      color: "#d8d8d8",
      font: "14px/1.4 var(--jp-ui-font-family, system-ui, sans-serif)",
      textAlign: "center",
      userSelect: "text",
      display: "none",
    } satisfies Partial<CSSStyleDeclaration>);
    ctx.slots.overlay.append(this.hint);
    this.off.push(
      ctx.on("state", () => this.syncHint()),
      ctx.on("status", ({ status }) => this.dim(isStale(status) && ctx.stats.frames > 0)),
      ctx.on("frame", () => this.dim(false)),
    );
    this.syncHint();
  }

  dispose(): void {
    for (const off of this.off.splice(0)) off();
    this.dim(false);
    this.hint.remove();
  }

  private syncHint(): void {
    this.hint.style.display = this.ctx.layers().length === 0 ? "" : "none";
  }

  private dim(on: boolean): void {
    if (on === this.dimmed) return;
    this.dimmed = on;
    const canvas = this.ctx.slots.canvas;
    canvas.style.filter = on ? STALE_FILTER : "";
    canvas.style.transition = "filter 0.3s";
  }
}

/** The notices part (see the module comment). */
export function noticesPart(ctx: ViewContext): ViewPart {
  return new Notices(ctx);
}
