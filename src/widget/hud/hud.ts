/**
 * The status line over the canvas's top edge (`.napari-cuda-hud`): connecting, reconnecting and
 * errors as one short line; hidden while the view streams normally. The stream figures live in the
 * debug overlay (debug-overlay.ts), which formats them with hudLine().
 */

/** What the debug overlay's figures line shows. */
export interface HudInfo {
  backend: string | null;
  encoder: string | null;
  /** Frames shown in the last second (0 at rest: then left out). */
  fps: number;
  /** Median motion-to-photon latency of recent samples (ms); null when there is none fresh. */
  m2pMs: number | null;
  width: number;
  height: number;
  level: number;
  levelCount: number;
}

/** Below this many frames per second the view is at rest: no rate is shown (never "0 frames/s"). */
const MIN_SHOWN_FPS = 0.5;

/**
 * The figures line, in plain words, e.g.
 * "CPU renderer · libx264 · 60 frames/s · latency 18 ms · 1280×720 px · data level 2 / 3".
 * The data level counts as the dims sliders do: index / highest index.
 */
export function hudLine(i: HudInfo): string {
  const parts: string[] = [];
  if (i.backend) parts.push(`${i.backend.toUpperCase()} renderer`);
  if (i.encoder) parts.push(i.encoder);
  if (i.fps >= MIN_SHOWN_FPS) parts.push(`${Math.round(i.fps)} frames/s`);
  if (i.m2pMs !== null) parts.push(`latency ${Math.round(i.m2pMs)} ms`);
  if (i.width > 0 && i.height > 0) parts.push(`${i.width}×${i.height} px`);
  if (i.levelCount > 1) parts.push(`data level ${i.level} / ${i.levelCount - 1}`);
  return parts.join(" · ");
}

export type StatusKind = "info" | "error";

/** The status line element; text only (never innerHTML), so daemon messages cannot inject markup. */
export class Hud {
  readonly el: HTMLDivElement;

  constructor(doc: Document) {
    this.el = doc.createElement("div");
    this.el.className = "napari-cuda-hud";
    this.el.setAttribute("role", "status");
    Object.assign(this.el.style, {
      position: "absolute",
      top: "6px",
      left: "50%",
      transform: "translateX(-50%)",
      maxWidth: "calc(100% - 120px)",
      boxSizing: "border-box",
      padding: "3px 10px",
      borderRadius: "4px",
      background: "rgba(0, 0, 0, 0.6)",
      color: "#f0f0f0",
      font: "12px/1.4 var(--jp-ui-font-family, system-ui, sans-serif)",
      // One line: a long message ends in an ellipsis and is whole in the tooltip.
      whiteSpace: "nowrap",
      overflow: "hidden",
      textOverflow: "ellipsis",
      userSelect: "text",
      display: "none",
      zIndex: "1",
    } satisfies Partial<CSSStyleDeclaration>);
  }

  /** Show `text` (empty: hide the line). */
  setStatus(text: string, kind: StatusKind): void {
    if (this.el.textContent !== text) this.el.textContent = text;
    this.el.title = text;
    this.el.style.color = kind === "error" ? "#ffb3b3" : "#f0f0f0";
    this.el.dataset["kind"] = kind;
    this.el.style.display = text ? "" : "none";
  }
}
